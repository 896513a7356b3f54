package rights_test

import (
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// TestAutomatedDecisions: a person opts out of a purpose's solely automated
// decisions, which stops it for them, and asks for a human review, which
// waits in the operators' queue; a purpose that decides nothing is refused
// with the policy's reason (RIGHT-ADM, RIGHT-REQUESTS).
func TestAutomatedDecisions(t *testing.T) {
	e := newEnv(t)
	c := rights.Change{Actor: e.adult, HouseholdID: e.hh, PersonID: e.adult, Password: password}
	ctl, r, err := e.svc.OptOutADM(t.Context(), c, "insurer-sharing", true)
	must(t, err)
	if r.Type != hearth.RequestADMOptOut || r.Status != hearth.StatusDone || r.Scope != "purpose:insurer-sharing" {
		t.Errorf("opt-out request = %+v, want a done adm-opt-out of insurer-sharing", r)
	}
	if len(ctl.ADMOptOut) != 1 || ctl.ADMOptOut[0] != "insurer-sharing" {
		t.Errorf("controls opt-outs = %v, want insurer-sharing", ctl.ADMOptOut)
	}
	for _, p := range ctl.Purposes {
		if p.ID == "insurer-sharing" && (!p.Automated || p.Active || p.Reason == "") {
			t.Errorf("insurer-sharing controls = %+v, want automated, inactive with a reason", p)
		}
	}
	s, err := e.cache.Person(t.Context(), e.hh, e.adult)
	must(t, err)
	if s.ADMOptOut.IsZero() {
		t.Errorf("subject after opt-out: no ADMOptOut bit, want it set at once")
	}

	const view = "My premium rose after one bad week of sleep.\nPlease look again."
	if _, err := e.svc.RequestReview(t.Context(), c, "insurer-sharing", "bell\a"); hearth.ErrorField(err) != "statement" {
		t.Errorf("a view with a control character: %v, want EINVALID on statement", err)
	}
	review, err := e.svc.RequestReview(t.Context(), c, "insurer-sharing", view)
	must(t, err)
	stored, err := e.db.RightsRequest(t.Context(), review.ID)
	must(t, err)
	if strings.Contains(string(stored.Statement), "premium") {
		t.Errorf("the view is stored in clear: %q", stored.Statement)
	}
	if got, erased, err := e.svc.Statement(t.Context(), stored); err != nil || erased || got != view {
		t.Errorf("Statement = %q, %v, %v; want the view", got, erased, err)
	}
	// The same review again while it waits (a form sent twice): refused,
	// nothing recorded.
	if _, err := e.svc.RequestReview(t.Context(), c, "insurer-sharing", view); hearth.ErrorCode(err) != hearth.ECONFLICT || !strings.Contains(hearth.ErrorMessage(err), "already waiting") {
		t.Errorf("a second review while the first waits: %v, want ECONFLICT saying it is waiting", err)
	}
	q, err := e.svc.Queue(t.Context(), 0)
	must(t, err)
	if len(q) != 1 || q[0].ID != review.ID || q[0].Type != hearth.RequestADMReview || q[0].Status != hearth.StatusReceived {
		t.Errorf("queue = %+v, want the open adm-review", q)
	}

	_, _, err = e.svc.OptOutADM(t.Context(), c, "activity-tracking", true)
	if hearth.ErrorCode(err) != hearth.EREFUSED || hearth.ErrorMessage(err) == "" {
		t.Errorf("opt-out of a purpose deciding nothing: %v, want EREFUSED with the reason", err)
	}
	if _, err := e.svc.RequestReview(t.Context(), c, "activity-tracking", ""); hearth.ErrorCode(err) != hearth.EREFUSED {
		t.Errorf("review of a purpose deciding nothing: %v, want EREFUSED", err)
	}
	if _, _, err := e.svc.OptOutADM(t.Context(), c, "no-such-purpose", true); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("unknown purpose: %v, want ENOTFOUND", err)
	}
	rs, err := e.db.RightsRequestsOf(t.Context(), e.adult)
	must(t, err)
	got := map[string]int{}
	for _, r := range rs {
		got[string(r.Type)+"/"+string(r.Status)]++
	}
	if len(rs) != 3 || got["adm-opt-out/done"] != 1 || got["adm-review/received"] != 1 || got["adm-opt-out/refused"] != 1 {
		t.Errorf("log = %v, want the opt-out, the review and the refused opt-out only", got)
	}

	// RIGHT-ERASE: once the person's key is destroyed, the request stays
	// and its view is unreadable.
	must(t, e.keys.Shred(t.Context(), e.adult))
	if got, erased, err := e.svc.Statement(t.Context(), stored); err != nil || !erased || got != "" {
		t.Errorf("Statement after the key is destroyed = %q, %v, %v; want erased", got, erased, err)
	}
}

// TestControlsKeptBySettings: changing features or location through the
// settings keeps the restrictions, and a guardian restricts for their child
// but not the owner (RIGHT-RESTRICT).
func TestControlsKeptBySettings(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.svc.Restrict(t.Context(), rights.Change{Actor: e.adult, HouseholdID: e.hh, PersonID: e.kid, Password: password}, "", true)
	must(t, err)
	_, _, err = e.svc.Restrict(t.Context(), rights.Change{Actor: e.owner, HouseholdID: e.hh, PersonID: e.kid, Password: password}, "", false)
	if hearth.ErrorCode(err) != hearth.EFORBIDDEN {
		t.Errorf("owner lifts the child's restriction: %v, want EFORBIDDEN", err)
	}
	if _, err := e.cache.PutSettings(t.Context(), e.adult, e.hh, e.kid, hearth.PersonSettings{Features: []string{"health"}}); err != nil {
		t.Fatalf("PutSettings: %v", err)
	}
	ctl, err := e.svc.Controls(t.Context(), e.adult, e.hh, e.kid)
	must(t, err)
	if !ctl.RestrictAll {
		t.Errorf("after a settings change: restrict_all off, want it kept")
	}
	for _, p := range ctl.Purposes {
		if p.Active {
			t.Errorf("purpose %s active with all processing restricted", p.ID)
		}
	}
}
