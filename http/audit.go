package http

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
)

// auditRule is how a route's successful calls are recorded (auditTable).
type auditRule struct {
	none  bool // touches no personal data: not recorded
	admin bool // an operator route: entries of type audit.Admin, actor kind operator
	self  bool // the caller's own data: the subject is the caller
}

// The rules of auditTable.
var (
	noPersonalData = auditRule{none: true}
	personalData   = auditRule{}
	ownData        = auditRule{self: true}
	adminAction    = auditRule{admin: true}
)

// auditNote collects, while a request is served, what its audit entry
// needs from inside the handler chain: the account authed found and the
// subjects a handler names.
type auditNote struct {
	account  *hearth.Account
	client   string   // the third-party client acting, if any
	subjects []string // the people whose data the response holds, when not the path's person
}

type auditNoteKey struct{}

// noteFrom returns the request's audit note, or nil on a route not
// recorded.
func noteFrom(ctx context.Context) *auditNote {
	n, _ := ctx.Value(auditNoteKey{}).(*auditNote)
	return n
}

// noteAccount records the signed-in account for the audit entry; authed
// calls it.
func noteAccount(ctx context.Context, acct *hearth.Account) {
	if n := noteFrom(ctx); n != nil {
		n.account, n.client = acct, clientFrom(ctx)
	}
}

// auditSubjects names the people whose data the response holds, for a
// route whose path names none (a household's readings, an operator's
// queue, an export link). Each gets an entry of their own.
func auditSubjects(r *http.Request, ids ...string) {
	n := noteFrom(r.Context())
	if n == nil {
		return
	}
	for _, id := range ids {
		if id != "" && !slices.Contains(n.subjects, id) {
			n.subjects = append(n.subjects, id)
		}
	}
}

// audited records a successful call of the route pattern in the audit log
// (AUDIT, SEC-AUTHZ): when the handler answers a status below 400 to a
// signed-in caller, before the first byte of the response, one entry per
// subject. If the entry cannot be stored the response is refused with 503
// instead: no personal data leaves without its record. (A change the
// handler made stays made; the 503 says it could not be recorded.)
func (s *server) audited(pattern string, h http.Handler) http.Handler {
	rule, ok := auditTable[pattern]
	if !ok {
		rule = personalData // a route missing from the table is recorded (and fails TestAuditRoutesComplete)
	}
	if rule.none || s.Audit == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := &auditNote{}
		r = r.WithContext(context.WithValue(r.Context(), auditNoteKey{}, n))
		aw := &auditWriter{ResponseWriter: w, record: func(status int) error { return s.recordAccess(r, pattern, rule, n, status) }}
		h.ServeHTTP(aw, r)
		if !aw.decided { // nothing written: an implicit 200
			aw.WriteHeader(http.StatusOK)
		}
		if aw.err != nil {
			s.Logger.Error("audit log: an access could not be recorded; answered 503", "route", pattern, "err", aw.err)
			s.writeError(w, r, &hearth.Error{Code: hearth.EUNAVAILABLE,
				Message: "this access could not be recorded in the audit log, so it was refused; try again later", Err: aw.err})
		}
	})
}

// auditWriter records the access when the handler writes its status, and
// swallows the response if recording failed.
type auditWriter struct {
	http.ResponseWriter
	record  func(status int) error
	decided bool
	err     error
}

func (w *auditWriter) WriteHeader(code int) {
	if code < 200 { // informational: not the answer yet
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if !w.decided {
		w.decided = true
		if code < 400 {
			w.err = w.record(code)
		}
	}
	if w.err == nil {
		w.ResponseWriter.WriteHeader(code)
	} else {
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition", "Location", "Etag"} {
			w.Header().Del(k)
		}
	}
}

func (w *auditWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *auditWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// auditID is the shape of an ID, purpose or category the log keeps from a
// request; anything else is left out rather than kept in clear.
var auditID = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,100}$`)

// pathID returns r's path value name if it has the shape of an ID.
func pathID(r *http.Request, name string) string {
	if v := r.PathValue(name); auditID.MatchString(v) {
		return v
	}
	return ""
}

// recordAccess appends the audit entries of a successful call.
func (s *server) recordAccess(r *http.Request, pattern string, rule auditRule, n *auditNote, status int) error {
	if n.account == nil && n.client == "" {
		return nil // nobody signed in: nothing personal was served
	}
	ctx := r.Context()
	actor := ""
	if n.account != nil {
		actor = n.account.PersonID
	}
	subjects := n.subjects
	if len(subjects) == 0 {
		switch {
		case pathID(r, "person") != "":
			subjects = []string{pathID(r, "person")}
		case rule.self:
			subjects = []string{actor}
		default:
			subjects = []string{""}
		}
	}
	hh := pathID(r, "hh")
	purpose := pathID(r, "purpose")
	if q := r.URL.Query().Get("purpose"); purpose == "" && auditID.MatchString(q) {
		purpose = q
	}
	method := hearth.MethodApp
	if !strings.HasPrefix(pattern[strings.IndexByte(pattern, ' ')+1:], "/v1/") {
		method = hearth.MethodWeb
	}
	typ := audit.Access
	if rule.admin {
		typ = audit.Admin
	}
	es := make([]hearth.LedgerEntry, 0, len(subjects))
	for _, subj := range subjects {
		d := audit.Details{Action: pattern, Status: status, Target: pathID(r, "id"), Category: pathID(r, "category")}
		if d.Target == "" {
			d.Target = pathID(r, "feature")
		}
		e := hearth.LedgerEntry{Type: typ, Person: subj, Actor: actor, HouseholdID: hh, Purpose: purpose, Method: method}
		switch {
		case n.client != "":
			e.Actor, e.Method, d.ActorKind, d.Via = "client:"+n.client, hearth.MethodAPI, audit.Client, actor
		case rule.admin:
			d.ActorKind = audit.Operator
		case subj == actor:
			d.ActorKind = audit.Self
		case subj != "" && hh != "" && s.isGuardian(ctx, actor, hh, subj):
			d.ActorKind = audit.Guardian
		default:
			d.ActorKind = audit.Member
		}
		e.Details = d.JSON()
		es = append(es, e)
	}
	return s.Audit.RecordAll(ctx, es...)
}

// isGuardian reports whether actor is subject's guardian in household hh.
// A failed look-up says no: the entry then names a member.
func (s *server) isGuardian(ctx context.Context, actor, hh, subject string) bool {
	ms, err := s.Households.Members(ctx, actor, hh)
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.PersonID == subject {
			return m.GuardianID == actor
		}
	}
	return false
}

// auditQueue names the people whose requests an operator's queue shows.
func auditQueue(r *http.Request, q []rightsRequestJSON) {
	for _, rr := range q {
		auditSubjects(r, rr.Person)
	}
}
