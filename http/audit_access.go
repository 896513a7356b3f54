package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
)

// auditRoutes registers the routes of the audit log: the accesses to a
// person's data, for the person (or whoever exercises their rights).
func (s *server) auditRoutes(handle func(pattern string, h http.Handler)) {
	handle("GET /v1/households/{hh}/people/{person}/accesses", s.authed(s.handleAccesses()))
	handle("GET /v1/me/accesses", s.authed(asSelf(s.handleAccesses())))
}

// accessesLimit is the most accesses one call returns.
const accessesLimit = 1000

// accessJSON is one access to a person's data: an audit entry about them.
type accessJSON struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`      // a person ID, or "client:<id>"
	ActorKind string    `json:"actor_kind"` // self, member, guardian, operator, client, recipient, system
	Via       string    `json:"via,omitempty"`
	Action    string    `json:"action"`
	Purpose   string    `json:"purpose,omitempty"`
	Method    string    `json:"method,omitempty"`
	Household string    `json:"household,omitempty"`
}

// handleAccesses answers GET .../people/{person}/accesses and GET
// /v1/me/accesses: who accessed the person's data, when, how and for
// which purpose, newest first (AUDIT). The person, a child's guardian or
// the owner for a profile without an account may ask (as for rights
// requests). Query: limit, 1 to 1000 (default 100).
func (s *server) handleAccesses() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := 100
		if q := r.URL.Query().Get("limit"); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 || n > accessesLimit {
				s.writeError(w, r, hearth.FieldError("limit", "give a number from 1 to %d", accessesLimit))
				return
			}
			limit = n
		}
		hh, person := r.PathValue("hh"), r.PathValue("person")
		as, err := s.accesses(r.Context(), caller(r), hh, person, limit)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "accesses": as})
	})
}

// accesses returns up to limit of the audit entries about person, newest
// first, once actor is allowed to see them.
func (s *server) accesses(ctx context.Context, actor, hh, person string, limit int) ([]accessJSON, error) {
	if s.Audit == nil || s.Rights == nil {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "the audit log is not served here")
	}
	if _, err := s.Rights.Authorize(ctx, actor, hh, person); err != nil {
		return nil, err
	}
	es, err := s.Audit.Latest(ctx, person, limit)
	if err != nil {
		return nil, err
	}
	out := make([]accessJSON, len(es))
	for i, e := range es {
		d := audit.ParseDetails(e.Details)
		out[i] = accessJSON{Seq: e.Seq, Time: e.Time, Type: string(e.Type), Actor: e.Actor, ActorKind: string(d.ActorKind),
			Via: d.Via, Action: d.Action, Purpose: e.Purpose, Method: string(e.Method), Household: e.HouseholdID}
	}
	return out, nil
}

// accessRow is an access in words, for the page.
type accessRow struct {
	Time    time.Time
	Who     string
	What    string
	Purpose string
	How     string
}

// accessWords turns accesses into rows: who in words (you, a member by
// name, the operator, a client), what they did and for which purpose.
func accessWords(as []accessJSON, viewer, subject string, names, purposes, clients map[string]string) []accessRow {
	out := make([]accessRow, len(as))
	for i, a := range as {
		row := accessRow{Time: a.Time, What: actionWords(a.Action), Purpose: nameOf(purposes, a.Purpose), How: methodWords[a.Method]}
		switch {
		case a.ActorKind == string(audit.Client):
			forWhom := personWords(a.Via, viewer, subject, names)
			if forWhom == "You" {
				forWhom = "you"
			}
			id := strings.TrimPrefix(a.Actor, "client:")
			row.Who = "The app " + id + ", for " + forWhom
			if n := clients[id]; n != "" {
				row.Who = "The app “" + n + "” (" + id + "), for " + forWhom
			}
		case a.ActorKind == string(audit.Operator):
			row.Who = "The service's operator"
		case a.ActorKind == string(audit.Recipient):
			row.Who = "The recipient " + strings.TrimPrefix(a.Actor, "recipient:")
		case a.ActorKind == string(audit.System):
			row.Who = "Hearth itself"
		default:
			row.Who = personWords(a.Actor, viewer, subject, names)
			if a.ActorKind == string(audit.Guardian) {
				row.Who += " (guardian)"
			}
		}
		if row.Purpose == "" {
			row.Purpose = "none named"
		}
		out[i] = row
	}
	return out
}

// clientNames returns the names of the clients among as, by client ID;
// a client removed since keeps its ID alone.
func (s *server) clientNames(ctx context.Context, as []accessJSON) map[string]string {
	out := map[string]string{}
	if s.OAuth == nil {
		return out
	}
	for _, a := range as {
		id, ok := strings.CutPrefix(a.Actor, "client:")
		if _, seen := out[id]; !ok || seen {
			continue
		}
		out[id] = ""
		if c, err := s.OAuth.Client(ctx, id); err == nil {
			out[id] = c.Name
		}
	}
	return out
}

// personWords names a person for the viewer.
func personWords(id, viewer, subject string, names map[string]string) string {
	switch {
	case id == viewer:
		return "You"
	case names[id] != "":
		return names[id]
	case id == subject:
		return "They themselves"
	}
	return "Someone no longer in the household"
}

// methodWords says how an access came.
var methodWords = map[string]string{
	string(hearth.MethodWeb): "web pages", string(hearth.MethodApp): "the app or API",
	string(hearth.MethodAPI): "a connected app", string(hearth.MethodVoice): "voice", "cli": "command line", "system": "automatically",
}

// actionAreas names, by a word of a route's path, what the route touches;
// the first match, from the end of the path, wins.
var actionAreas = map[string]string{
	"readings": "readings", "rectification": "a reading", "correct": "a reading", "dispute": "a reading",
	"consents": "consents", "receipts": "consent receipts", "history": "consent history", "request": "a consent request",
	"settings": "privacy settings", "privacy": "privacy settings", "features": "a feature", "controls": "restrictions and objections",
	"restrictions": "restrictions", "objections": "objections", "marketing": "objections", "automated-decisions": "automated decisions",
	"review": "automated decisions", "location": "location settings", "deletion-schedules": "deletion schedules",
	"requests": "rights requests", "exports": "a copy of the data", "export": "a copy of the data", "imports": "imported data",
	"import": "imported data", "erasures": "erasure", "erase": "erasure", "preview": "erasure", "erasure": "erasure",
	"erasure-notices": "erasure notices", "shares": "shares", "readers": "who can see the data", "access": "who can see the data",
	"accesses": "who accessed the data", "notifications": "notifications", "display-name": "the name", "name": "the name",
	"data": "the data", "members": "household membership", "role": "household membership", "remove": "household membership",
	"log": "a device's log", "devices": "devices", "ledger": "the consent ledger",
}

// actionWords turns a route pattern into what was done, in words.
func actionWords(action string) string {
	method, path, _ := strings.Cut(action, " ")
	verb := "Changed"
	if method == "GET" {
		verb = "Viewed"
	}
	segs := strings.Split(path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if a, ok := actionAreas[segs[i]]; ok {
			return verb + " " + a
		}
	}
	return verb + " the data"
}
