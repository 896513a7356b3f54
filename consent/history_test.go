package consent_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// CONSENT-LEDGER: the history lists every decision, refusals and
// withdrawals included, with who made it, how, when and the notice
// version; a guardian's decision for a child names the guardian. Requests
// shown are not decisions.
func TestHistory(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if got, err := e.svc.History(ctx, e.adult); err != nil || len(got) != 0 {
		t.Fatalf("History of a new person = %v, %v; want none", got, err)
	}
	if _, err := e.svc.Request(ctx, e.adult, e.adult, "insights", hearth.MethodWeb); err != nil {
		t.Fatalf("Request: %v", err)
	}
	steps := []struct {
		decide func() (consent.PurposeState, error)
		want   consent.Status
	}{
		{func() (consent.PurposeState, error) {
			return e.svc.Give(ctx, e.adult, e.adult, "insights", hearth.MethodWeb, statement)
		}, consent.StatusGiven},
		{func() (consent.PurposeState, error) {
			return e.svc.Refuse(ctx, e.adult, e.adult, "challenges", hearth.MethodApp)
		}, consent.StatusRefused},
		{func() (consent.PurposeState, error) {
			return e.svc.Withdraw(ctx, e.adult, e.adult, "insights", hearth.MethodVoice)
		}, consent.StatusWithdrawn},
	}
	for _, s := range steps {
		e.clock = e.clock.Add(time.Minute)
		if _, err := s.decide(); err != nil {
			t.Fatalf("decision %s: %v", s.want, err)
		}
	}
	got, err := e.svc.History(ctx, e.adult)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	for i := range got {
		got[i].Seq = 0
	}
	at := func(m int) time.Time { return time.Date(2025, 3, 1, 12, m, 0, 0, time.UTC) }
	want := []consent.Decision{
		{Purpose: "insights", Status: consent.StatusGiven, Time: at(1), Actor: e.adult, Method: hearth.MethodWeb, NoticeVersion: "2025.1", Explicit: true},
		{Purpose: "challenges", Status: consent.StatusRefused, Time: at(2), Actor: e.adult, Method: hearth.MethodApp, NoticeVersion: "2025.1"},
		{Purpose: "insights", Status: consent.StatusWithdrawn, Time: at(3), Actor: e.adult, Method: hearth.MethodVoice, NoticeVersion: "2025.1"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("History (-want +got):\n%s", d)
	}

	if _, err := e.svc.Refuse(ctx, e.owner, e.child, "challenges", hearth.MethodWeb); err != nil {
		t.Fatalf("the guardian's Refuse: %v", err)
	}
	if got, err := e.svc.History(ctx, e.child); err != nil || len(got) != 1 || got[0].Actor != e.owner {
		t.Errorf("the child's history = %+v, %v; want the guardian's refusal", got, err)
	}
}

// CONSENT-GRANULAR: Describe gives a purpose's request facts from the
// manifest, whatever anyone decided, and refuses a purpose that is not
// declared or does not rely on consent.
func TestDescribe(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Give(t.Context(), e.adult, e.adult, "insights", hearth.MethodWeb, statement); err != nil {
		t.Fatalf("Give: %v", err)
	}
	v, err := e.svc.Describe("insights")
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if !v.Explicit || v.Statement != statement || v.Withdraw == "" || len(v.ThirdPartyControllers) != 1 || v.Subject != "" {
		t.Errorf("Describe = %+v; want the statement, how to withdraw, the third party and no person", v)
	}
	for purpose, code := range map[string]string{"selling": hearth.ENOTFOUND, "tracking": hearth.EINVALID} {
		if _, err := e.svc.Describe(purpose); hearth.ErrorCode(err) != code || hearth.ErrorField(err) != "purpose" {
			t.Errorf("Describe(%q) = %v, want %s on purpose", purpose, err, code)
		}
	}
}
