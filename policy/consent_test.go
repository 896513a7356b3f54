package policy_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

func TestMayConsent(t *testing.T) {
	adult := policy.Party{PersonID: "ps_a", HouseholdID: "hh_1", Role: hearth.RoleOwner}
	other := policy.Party{PersonID: "ps_b", HouseholdID: "hh_1", Role: hearth.RoleAdult}
	child := policy.PartyOf(hearth.Member{PersonID: "ps_c", HouseholdID: "hh_1", Role: hearth.RoleChild, GuardianID: "ps_a"})
	sibling := policy.PartyOf(hearth.Member{PersonID: "ps_d", HouseholdID: "hh_1", Role: hearth.RoleChild, GuardianID: "ps_c"})
	elsewhere := adult
	elsewhere.HouseholdID = "hh_2"
	tests := []struct {
		name           string
		actor, subject policy.Party
		want           want
	}{
		// CONSENT-MULTIUSER: each member consents for their own data only.
		{"self", adult, adult, want{true, policy.ReasonSelf, ""}},
		{"another adult", adult, other, want{false, policy.ReasonNotYourData, ""}},
		{"an adult for the owner", other, adult, want{false, policy.ReasonNotYourData, ""}},
		// CONSENT-CHILD: a child's consent comes from their guardian.
		{"guardian for child", adult, child, want{true, policy.ReasonGuardian, ""}},
		{"child for self", child, child, want{false, policy.ReasonChildNeedsGuardian, ""}},
		{"another adult for child", other, child, want{false, policy.ReasonChildNeedsGuardian, ""}},
		{"a child as guardian", child, sibling, want{false, policy.ReasonChildNeedsGuardian, ""}},
		{"guardian from another household", elsewhere, child, want{false, policy.ReasonChildNeedsGuardian, ""}},
		{"unidentified actor", policy.Party{}, adult, want{false, policy.ReasonUnknownParty, ""}},
		{"unidentified subject", adult, policy.Party{Child: true}, want{false, policy.ReasonUnknownParty, ""}},
	}
	e := rules(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e, policy.MayConsent(tt.actor, tt.subject), tt.want)
		})
	}
}

// TestConsentRequestAllowed shows a refused request is not asked again
// before the cool-off set in the manifest (CONSENT-NO-NAG).
func TestConsentRequestAllowed(t *testing.T) {
	e := rules(t)
	coolOff := e.CoolOff()
	if want := 14 * 24 * time.Hour; coolOff != want {
		t.Fatalf("CoolOff = %v, want the manifest's %v", coolOff, want)
	}
	tests := []struct {
		name        string
		lastRefused time.Time
		want        want
	}{
		{"never refused", time.Time{}, want{true, policy.ReasonMayAsk, ""}},
		{"refused just now", now, want{false, policy.ReasonCoolOff, ""}},
		{"refused a day ago", now.Add(-24 * time.Hour), want{false, policy.ReasonCoolOff, ""}},
		{"refused a second before the cool-off ends", now.Add(-coolOff + time.Second), want{false, policy.ReasonCoolOff, ""}},
		{"cool-off just ended", now.Add(-coolOff), want{true, policy.ReasonMayAsk, ""}},
		{"refused long ago", now.AddDate(-1, 0, 0), want{true, policy.ReasonMayAsk, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e, policy.ConsentRequestAllowed(tt.lastRefused, coolOff, now), tt.want)
		})
	}
}

func TestCoolOffDefault(t *testing.T) {
	e := rules(t, "consent:\n  cool_off: 14d\n", "")
	if got, want := e.CoolOff(), 30*24*time.Hour; got != want {
		t.Errorf("CoolOff without a manifest setting = %v, want the default %v", got, want)
	}
}

func TestConsentable(t *testing.T) {
	e := rules(t)
	tests := []struct {
		purpose string
		want    want
	}{
		// CONSENT-GRANULAR: one decision per declared consent purpose.
		{"insights", want{true, policy.ReasonConsentable, "insights"}},
		{"resale", want{false, policy.ReasonUnknownPurpose, ""}},
		// CONSENT-NOT-PRECONDITION: a contract purpose is not consented to.
		{"heating", want{false, policy.ReasonNotConsentBased, "heating"}},
		// CONSENT-EXPLICIT: special data needs the statement shown.
		{"heart", want{true, policy.ReasonConsentable, "heart"}},
		{"heart-nostmt", want{false, policy.ReasonNoExplicitStatement, "heart-nostmt"}},
	}
	for _, tt := range tests {
		t.Run(tt.purpose, func(t *testing.T) {
			check(t, e, e.Consentable(tt.purpose), tt.want)
		})
	}
}

func TestExplicit(t *testing.T) {
	e := rules(t)
	tests := []struct {
		purpose   string
		statement string
		required  bool
	}{
		// CONSENT-EXPLICIT: the statement to record verbatim.
		{"heart", "I agree that my heart rate is used to monitor my fitness.", true},
		{"heart-nostmt", "", true},
		{"insights", "", false},
		{"resale", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.purpose, func(t *testing.T) {
			s, req := e.Explicit(tt.purpose)
			if s != tt.statement || req != tt.required {
				t.Errorf("Explicit(%s) = %q, %v; want %q, %v", tt.purpose, s, req, tt.statement, tt.required)
			}
		})
	}
}

func TestObjectable(t *testing.T) {
	e := rules(t)
	tests := []struct {
		purpose string
		want    want
	}{
		// RIGHT-OBJECT: legitimate interests and profiling.
		{"tips", want{true, policy.ReasonObjectable, "tips"}},
		{"profile", want{true, policy.ReasonObjectable, "profile"}},
		// RIGHT-OBJECT-MKT: marketing, whatever its basis.
		{"marketing", want{true, policy.ReasonObjectable, "marketing"}},
		{"heating", want{false, policy.ReasonNotObjectable, "heating"}},
		{"insights", want{false, policy.ReasonNotObjectable, "insights"}},
		{"resale", want{false, policy.ReasonUnknownPurpose, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.purpose, func(t *testing.T) {
			check(t, e, e.Objectable(tt.purpose), tt.want)
		})
	}
}
