package policy_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayExerciseRights: each person exercises their own rights, a
// guardian their child's, the owner a profile's without an account, and
// nobody another adult's (RIGHT-REQUESTS, RIGHT-UNREGISTERED).
func TestMayExerciseRights(t *testing.T) {
	const hh = "hh_1"
	owner := policy.Party{PersonID: "owner", HouseholdID: hh, Role: hearth.RoleOwner}
	adult := policy.Party{PersonID: "adult", HouseholdID: hh, Role: hearth.RoleAdult}
	guest := policy.Party{PersonID: "guest", HouseholdID: hh, Role: hearth.RoleGuest}
	kid := policy.Party{PersonID: "kid", HouseholdID: hh, Role: hearth.RoleChild, GuardianID: "adult", Child: true}
	otherOwner := policy.Party{PersonID: "owner2", HouseholdID: "hh_2", Role: hearth.RoleOwner}
	tests := []struct {
		name           string
		actor, subject policy.Party
		hasAccount     bool
		want           policy.Reason
		check          hearth.IdentityCheck
	}{
		{"self", adult, adult, true, policy.ReasonSelf, hearth.CheckReauthenticated},
		{"owner for themselves", owner, owner, true, policy.ReasonSelf, hearth.CheckReauthenticated},
		{"owner for another adult", owner, adult, true, policy.ReasonNotYourRights, ""},
		{"adult for the owner", adult, owner, true, policy.ReasonNotYourRights, ""},
		{"guardian for child", adult, kid, false, policy.ReasonGuardian, hearth.CheckGuardian},
		{"owner, not guardian, for child", owner, kid, false, policy.ReasonNotYourRights, ""},
		{"child with an account for themselves", kid, kid, true, policy.ReasonNotYourRights, ""},
		{"owner for a profile without account", owner, guest, false, policy.ReasonOwnerForProfile, hearth.CheckOwner},
		{"adult for a profile without account", adult, guest, false, policy.ReasonNotYourRights, ""},
		{"other household's owner for a profile", otherOwner, guest, false, policy.ReasonNotYourRights, ""},
		{"unknown actor", policy.Party{}, adult, true, policy.ReasonUnknownParty, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.MayExerciseRights(tt.actor, tt.subject, tt.hasAccount)
			if d.Reason != tt.want || d.Allow != (tt.check != "") {
				t.Errorf("MayExerciseRights = %v (%s), want %s", d.Allow, d.Reason.Code(), tt.want.Code())
			}
			if got := policy.IdentityCheckOf(d); got != tt.check {
				t.Errorf("IdentityCheckOf = %q, want %q", got, tt.check)
			}
		})
	}
}

// TestRequestDeadline: one calendar month, the month's last day when the
// next month is shorter (RIGHT-REQUESTS).
func TestRequestDeadline(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	tests := []struct {
		created, want time.Time
	}{
		{at(2026, 3, 15), at(2026, 4, 15)},
		{at(2026, 1, 31), at(2026, 2, 28)},
		{at(2028, 1, 31), at(2028, 2, 29)},
		{at(2026, 3, 31), at(2026, 4, 30)},
		{at(2026, 12, 31), at(2027, 1, 31)},
		{at(2026, 12, 1).In(time.FixedZone("UTC+2", 7200)), at(2027, 1, 1)},
	}
	for _, tt := range tests {
		if got := policy.RequestDeadline(tt.created); !got.Equal(tt.want) {
			t.Errorf("RequestDeadline(%v) = %v, want %v", tt.created, got, tt.want)
		}
	}
}

// TestRightsOverPurposes: any declared purpose may be restricted
// (RIGHT-RESTRICT); only legitimate-interest, profiling and marketing
// purposes objected to (RIGHT-OBJECT, RIGHT-OBJECT-MKT), the refusal naming
// the purpose and what to do instead; only automated-decision purposes
// opted out of (RIGHT-ADM).
func TestRightsOverPurposes(t *testing.T) {
	e := rules(t)
	tests := []struct {
		name    string
		decide  func(string) policy.Decision
		purpose string
		want    policy.Reason
		allow   bool
	}{
		{"restrict core", e.Restrictable, "heating", policy.ReasonActive, true},
		{"restrict consent", e.Restrictable, "insights", policy.ReasonActive, true},
		{"restrict unknown", e.Restrictable, "nope", policy.ReasonUnknownPurpose, false},
		{"object legitimate interests", e.Objectable, "tips", policy.ReasonObjectable, true},
		{"object profiling", e.Objectable, "profile", policy.ReasonObjectable, true},
		{"object contract", e.Objectable, "heating", policy.ReasonNotObjectable, false},
		{"opt out of automated decision", e.ADMOptOutable, "scoring", policy.ReasonActive, true},
		{"opt out of a purpose deciding nothing", e.ADMOptOutable, "tips", policy.ReasonNotAutomated, false},
		{"opt out unknown", e.ADMOptOutable, "nope", policy.ReasonUnknownPurpose, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.decide(tt.purpose)
			if d.Allow != tt.allow || d.Reason != tt.want {
				t.Errorf("decision = %v %s, want %v %s", d.Allow, d.Reason.Code(), tt.allow, tt.want.Code())
			}
		})
	}
	if got, want := e.Explain(e.Objectable("heating")), "the lawful basis of heating gives no right to object"; len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("Explain(not objectable) = %q, want it to start %q", got, want)
	}
}

// TestMayRectifyReading: a reading about a person is corrected by whoever
// exercises their rights; the household's own readings by an owner
// (RIGHT-RECTIFY).
func TestMayRectifyReading(t *testing.T) {
	owner := policy.Party{PersonID: "owner", HouseholdID: "hh", Role: hearth.RoleOwner}
	adult := policy.Party{PersonID: "adult", HouseholdID: "hh", Role: hearth.RoleAdult}
	tests := []struct {
		name           string
		actor, subject policy.Party
		household      bool
		want           policy.Reason
	}{
		{"own reading", adult, adult, false, policy.ReasonSelf},
		{"another adult's reading", owner, adult, false, policy.ReasonNotYourRights},
		{"household reading by the owner", owner, policy.Party{}, true, policy.ReasonOwnerForHousehold},
		{"household reading by an adult", adult, policy.Party{}, true, policy.ReasonNotYourRights},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := policy.MayRectifyReading(tt.actor, tt.subject, true, tt.household); d.Reason != tt.want {
				t.Errorf("MayRectifyReading = %s, want %s", d.Reason.Code(), tt.want.Code())
			}
		})
	}
	if got := policy.IdentityCheckOf(policy.MayRectifyReading(owner, policy.Party{}, false, true)); got != hearth.CheckOwner {
		t.Errorf("identity check for the owner = %q, want owner", got)
	}
}
