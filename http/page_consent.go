package http

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/subject"
)

// consentPages registers the consent page of one person and its decision
// form: the API's consent routes (http/consent.go) as a page, with the
// same service calls and the same authorisation.
func (s *server) consentPages(handle func(pattern string, h http.Handler)) {
	handle("GET /households/{hh}/people/{person}/consents", s.page("consents", s.pageConsents()))
	handle("POST /households/{hh}/people/{person}/consents/{purpose}", s.page("consents", s.pageConsentDecision()))
}

// The consent moments a link to the consent page may name (?moment=), each
// with the banner saying why the person is asked now (CONSENT-MOMENTS).
const (
	momentSetup   = "setup"   // the household was just set up (the household pages)
	momentJoin    = "join"    // the person just joined a household (an invitation)
	momentFeature = "feature" // a feature that needs consent was just switched on
	momentChange  = "change"  // the processing changed (a notification)
)

// consentMoment returns the moment named by v, or "" for anything else.
func consentMoment(v string) string {
	switch v {
	case momentSetup, momentJoin, momentFeature, momentChange:
		return v
	}
	return ""
}

// consentPage is the content of the consent page.
type consentPage struct {
	Person personPage
	Moment string // a consent moment, or ""
	// Feature is, at the feature moment, the just-in-time notice of the
	// feature switched on (?feature=), with the consents it still needs.
	Feature  *subject.FeatureNotice
	Manifest string // the manifest version the requests come from
	ForChild bool   // the caller decides as the guardian of a child
	Purposes []purposeChoice
	History  []historyRow // every decision, newest first
	Receipts []receiptRow
	Receipt  string // where the receipts download as JSON (the API route)
	JSON     string // where the history downloads as JSON (the API route)
	Failed   string // the purpose whose form failed, to show its error there
}

// The modes of one purpose on the consent page: what the caller may do
// about it now.
const (
	choiceAsk     = "ask"      // the request is shown: give or refuse
	choiceGiven   = "given"    // consent is given: withdraw
	choiceCoolOff = "cool-off" // refused recently: not asked again yet (CONSENT-NO-NAG)
	choiceHeld    = "held"     // the caller may see the page but not decide (policy.MayConsent said no)
)

// purposeChoice is one consent-based purpose on the consent page.
type purposeChoice struct {
	ID        string
	Mode      string // one of the choice* modes
	Why       string // for choiceCoolOff and choiceHeld: the service's reason, as a sentence
	State     consent.PurposeState
	DecidedBy string // who made the latest decision: "you" or their name
	// Earlier is the notice version the latest decision was made under,
	// when it is not the one in force now (CONSENT-MOMENTS: a change).
	Earlier string
	View    consent.RequestView
}

// historyRow is one consent decision on the page.
type historyRow struct {
	consent.Decision
	Name, By string // the purpose's name; who decided: "you" or their name
}

// receiptRow is one consent receipt on the page.
type receiptRow struct {
	ID, Purpose, Type, Method string
	Time                      time.Time
}

// pageConsents shows a person's consent page: one section per
// consent-based purpose with the request's facts and the choice the caller
// may make now, the person's receipts, and the moment's banner. Like GET
// .../consents/{purpose}/request it records nothing: a page view, a
// prefetch or a crawler never writes to the ledger. That the request was
// shown is recorded when the person answers it (pageConsentDecision).
func (s *server) pageConsents() pageFunc {
	return s.forPersonPage("consents", func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		q := r.URL.Query()
		d, err := s.consentPageData(r.Context(), caller(r), pp, consentMoment(q.Get("moment")), q.Get("feature"))
		if err != nil {
			return err
		}
		p.Title, p.Data = consentTitle(pp), d
		return s.render(w, r, http.StatusOK, "consent", p)
	})
}

// consentTitle is the consent page's title.
func consentTitle(pp personPage) string {
	if pp.Self || pp.PersonName == "" {
		return "Your consents"
	}
	return "Consents for " + pp.PersonName
}

// consentPageData gathers the consent page: the person's state per
// purpose, what actor may do about each (asked of the service through
// Preview, which decides who may consent and the cool-off), the receipts
// and, at the feature moment, the notice of the feature (an unknown
// feature is left out).
func (s *server) consentPageData(ctx context.Context, actor string, pp personPage, moment, feature string) (consentPage, error) {
	api := "/v1/households/" + url.PathEscape(pp.Household.ID) + "/people/" + url.PathEscape(pp.PersonID) + "/consents"
	d := consentPage{Person: pp, Moment: moment, Receipt: api + "/receipts", JSON: api + "/history"}
	if moment == momentFeature && feature != "" {
		n, err := s.Subjects.PreviewFeature(ctx, actor, pp.Household.ID, pp.PersonID, feature)
		switch hearth.ErrorCode(err) {
		case "":
			d.Feature = &n
		case hearth.ENOTFOUND:
		default:
			return d, err
		}
	}
	states, err := s.Consents.State(ctx, pp.PersonID)
	if err != nil {
		return d, err
	}
	names, err := s.memberNames(ctx, actor, pp, &d)
	if err != nil {
		return d, err
	}
	for id, st := range states {
		c, err := s.purposeChoice(ctx, actor, pp.PersonID, id)
		if err != nil {
			return d, err
		}
		c.State = st
		if c.DecidedBy = names[st.Actor]; st.Actor == actor {
			c.DecidedBy = "you"
		}
		d.Manifest = c.View.ManifestVersion
		d.Purposes = append(d.Purposes, c)
	}
	sort.Slice(d.Purposes, func(i, j int) bool { return d.Purposes[i].View.Purpose.Name < d.Purposes[j].View.Purpose.Name })
	if d.History, err = s.consentHistory(ctx, actor, pp.PersonID, names, d.Purposes); err != nil {
		return d, err
	}
	markEarlier(d.Purposes, d.History)
	rs, err := s.Consents.Receipts(ctx, pp.PersonID)
	if err != nil {
		return d, err
	}
	for i := len(rs) - 1; i >= 0; i-- { // newest first
		d.Receipts = append(d.Receipts, receiptRowOf(rs[i]))
	}
	return d, nil
}

// consentHistory returns subject's consent decisions, newest first, with
// the purposes' and deciders' names (a purpose no longer declared keeps
// its ID; someone no longer a member is not named).
func (s *server) consentHistory(ctx context.Context, actor, subject string, names map[string]string, purposes []purposeChoice) ([]historyRow, error) {
	ds, err := s.Consents.History(ctx, subject)
	if err != nil {
		return nil, err
	}
	purposeNames := map[string]string{}
	for _, c := range purposes {
		purposeNames[c.ID] = c.View.Purpose.Name
	}
	rows := make([]historyRow, 0, len(ds))
	for i := len(ds) - 1; i >= 0; i-- {
		row := historyRow{Decision: ds[i], Name: purposeNames[ds[i].Purpose], By: names[ds[i].Actor]}
		if row.Name == "" {
			row.Name = ds[i].Purpose
		}
		if ds[i].Actor == actor {
			row.By = "you"
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// markEarlier sets Earlier on each purpose whose latest decision (the
// first of history, newest first) was made under another notice version
// than the one its request shows now.
func markEarlier(purposes []purposeChoice, history []historyRow) {
	seen := map[string]bool{}
	for _, h := range history {
		if seen[h.Purpose] {
			continue
		}
		seen[h.Purpose] = true
		for i := range purposes {
			if c := &purposes[i]; c.ID == h.Purpose && h.NoticeVersion != "" && h.NoticeVersion != c.View.NoticeVersion {
				c.Earlier = h.NoticeVersion
			}
		}
	}
}

// memberNames returns the household's members' names by person ID, and
// sets d.ForChild when the person is a child and the caller someone else
// (their guardian: forPersonPage let them in).
func (s *server) memberNames(ctx context.Context, actor string, pp personPage, d *consentPage) (map[string]string, error) {
	members, err := s.Households.Members(ctx, actor, pp.Household.ID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, m := range members {
		names[m.PersonID] = m.DisplayName
		if m.PersonID == pp.PersonID && m.Role == hearth.RoleChild && !pp.Self {
			d.ForChild = true
		}
	}
	return names, nil
}

// purposeChoice asks the consent service what actor may do about purpose
// for subject now: Preview answers with the request when it may be shown,
// ECONFLICT when consent is given, ETOOMANY inside a refusal's cool-off
// and EFORBIDDEN when actor may not decide for subject.
func (s *server) purposeChoice(ctx context.Context, actor, subject, purpose string) (purposeChoice, error) {
	c := purposeChoice{ID: purpose, Mode: choiceAsk}
	v, err := s.Consents.Preview(ctx, actor, subject, purpose, hearth.MethodWeb)
	switch hearth.ErrorCode(err) {
	case "":
		c.View = v
		return c, nil
	case hearth.ECONFLICT:
		c.Mode = choiceGiven
	case hearth.ETOOMANY:
		c.Mode, c.Why = choiceCoolOff, sentence(hearth.ErrorMessage(err))
	case hearth.EFORBIDDEN:
		c.Mode, c.Why = choiceHeld, sentence(hearth.ErrorMessage(err))
	default:
		return c, err
	}
	if c.View, err = s.Consents.Describe(purpose); err != nil {
		return c, err
	}
	return c, nil
}

// receiptRowOf is the row of one receipt.
func receiptRowOf(r consent.Receipt) receiptRow {
	row := receiptRow{ID: r.ConsentReceiptID, Time: time.Unix(r.ConsentTimestamp, 0), Method: r.CollectionMethod}
	for _, sv := range r.Services {
		for _, p := range sv.Purposes {
			row.Purpose, row.Type = p.Purpose, p.ConsentType
		}
	}
	return row
}

// pageConsentDecision gives, refuses or withdraws consent for {purpose}
// (form field "decision"; "statement" carries the explicit statement
// shown, for a purpose that needs one), with the calls of POST
// .../consents/{purpose}. Before giving or refusing it records that the
// request was shown, as POST .../consents/{purpose}/request does: the
// person answered the request on the page, so it was shown. When the
// service declines to record it (consent given already, a refusal inside
// the cool-off, or its bound on recordings) the decision still goes on:
// a double submit then changes nothing.
func (s *server) pageConsentDecision() pageFunc {
	return s.forPersonPage("consents", func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		f, purpose, actor := r.PostForm, r.PathValue("purpose"), caller(r)
		moment, feature := consentMoment(f.Get("moment")), f.Get("feature")
		before, err := s.Consents.State(r.Context(), pp.PersonID)
		if err != nil {
			return err
		}
		st, err := s.decideConsent(r.Context(), actor, pp.PersonID, purpose, f.Get("decision"), f.Get("statement"))
		if err != nil {
			return s.consentFailed(w, r, p, pp, moment, feature, purpose, err)
		}
		v, err := s.Consents.Describe(purpose)
		if err != nil {
			return err
		}
		to := "/households/" + url.PathEscape(pp.Household.ID) + "/people/" + url.PathEscape(pp.PersonID) + "/consents"
		if moment != "" {
			to += "?moment=" + moment
		}
		if moment == momentFeature && feature != "" {
			to += "&feature=" + url.QueryEscape(feature)
		}
		s.redirect(w, r, to+"#purpose-"+url.PathEscape(purpose), decisionFlash(v.Purpose.Name, st, st.Seq != before[purpose].Seq))
		return nil
	})
}

// decideConsent validates decision as the API does and records it.
func (s *server) decideConsent(ctx context.Context, actor, subject, purpose, decision, statement string) (consent.PurposeState, error) {
	req := consentRequest{Decision: decision, Method: hearth.MethodWeb, Statement: statement}
	if problems := req.Valid(ctx); len(problems) > 0 {
		return consent.PurposeState{}, hearth.FieldError("decision", "choose give, refuse or withdraw")
	}
	if decision == decisionWithdraw {
		return s.Consents.Withdraw(ctx, actor, subject, purpose, hearth.MethodWeb)
	}
	if _, err := s.Consents.Request(ctx, actor, subject, purpose, hearth.MethodWeb); err != nil {
		switch hearth.ErrorCode(err) {
		case hearth.ECONFLICT, hearth.ETOOMANY: // not shown as a new request: see pageConsentDecision
		default:
			return consent.PurposeState{}, err
		}
	}
	if decision == decisionGive {
		return s.Consents.Give(ctx, actor, subject, purpose, hearth.MethodWeb, statement)
	}
	return s.Consents.Refuse(ctx, actor, subject, purpose, hearth.MethodWeb)
}

// decisionFlash says what a decision did, or that it changed nothing.
func decisionFlash(name string, st consent.PurposeState, changed bool) string {
	q := "“" + name + "”"
	if !changed {
		return "Nothing changed: consent for " + q + " is " + strings.ReplaceAll(string(st.Status), "-", " ") + "."
	}
	switch st.Status {
	case consent.StatusGiven:
		return "Consent given for " + q + ". You can withdraw it on this page at any time."
	case consent.StatusRefused:
		return "Refused: " + q + " stays off. This page will not ask again during the cool-off shown below."
	case consent.StatusWithdrawn:
		return "Consent withdrawn for " + q + ". Processing for it stops with the next message from the devices."
	}
	return "Recorded: " + q + " is now " + string(st.Status) + "."
}

// consentFailed shows the consent page again after a decision failed: the
// person's mistakes (a statement not as shown, a decision that does not
// apply) beside the purpose they were about, with their status; a purpose
// that does not exist gets the not-found page, as the API's 404.
func (s *server) consentFailed(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage, moment, feature, purpose string, err error) error {
	switch hearth.ErrorCode(err) {
	case hearth.EINVALID, hearth.ECONFLICT, hearth.ETOOMANY:
	default:
		return err
	}
	d, derr := s.consentPageData(r.Context(), caller(r), pp, moment, feature)
	if derr != nil {
		return derr
	}
	field := "" // the form as a whole, above the sections
	for _, c := range d.Purposes {
		if c.ID == purpose {
			d.Failed, field = purpose, "decision"
			if hearth.ErrorField(err) == "statement" {
				field = "statement"
			}
		}
	}
	p.Title, p.Data = consentTitle(pp), d
	return s.formFailed(w, r, p, "consent", &hearth.Error{Code: hearth.ErrorCode(err), Field: field, Message: hearth.ErrorMessage(err), Err: err})
}
