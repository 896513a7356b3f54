package policy_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayRead pins who reads whose data: each person their own, adults the
// household's, a guardian their child's, the owner a profile without an
// account, and nobody another adult's unless shared (SEC-AUTHZ,
// RIGHT-ACCESS-OTHERS, RIGHT-UNREGISTERED).
func TestMayRead(t *testing.T) {
	const hh = "hh1"
	var never time.Time
	shared := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	owner := policy.Party{PersonID: "owner", HouseholdID: hh, Role: hearth.RoleOwner}
	adultA := policy.Party{PersonID: "a", HouseholdID: hh, Role: hearth.RoleAdult}
	adultB := policy.Party{PersonID: "b", HouseholdID: hh, Role: hearth.RoleAdult}
	child := policy.Party{PersonID: "kid", HouseholdID: hh, Role: hearth.RoleChild, Child: true, GuardianID: "a"}
	guest := policy.Party{PersonID: "guest", HouseholdID: hh, Role: hearth.RoleGuest}
	profile := policy.Party{PersonID: "gran", HouseholdID: hh, Role: hearth.RoleAdult, Profile: true}
	home := policy.Party{HouseholdID: hh}
	outsider := policy.Party{PersonID: "x", HouseholdID: "hh2", Role: hearth.RoleOwner}
	tests := []struct {
		name           string
		actor, subject policy.Party
		shared         time.Time
		want           policy.Reason
		allow          bool
	}{
		{"own data", adultB, adultB, never, policy.ReasonOwnData, true},
		{"owner reads another adult", owner, adultA, never, policy.ReasonNotShared, false},
		{"adult reads another adult", adultB, adultA, never, policy.ReasonNotShared, false},
		{"adult reads what was shared", adultB, adultA, shared, policy.ReasonShared, true},
		{"adult reads the household's data", adultB, home, never, policy.ReasonHouseholdData, true},
		{"owner reads the household's data", owner, home, never, policy.ReasonHouseholdData, true},
		{"child does not read the household's data", child, home, never, policy.ReasonNotYourData, false},
		{"guest does not read the household's data", guest, home, never, policy.ReasonNotYourData, false},
		{"guardian reads their child", adultA, child, never, policy.ReasonChildData, true},
		{"another adult does not read the child", adultB, child, never, policy.ReasonNotShared, false},
		{"child does not read their guardian", child, adultA, never, policy.ReasonNotShared, false},
		{"owner reads a profile without an account", owner, profile, never, policy.ReasonManagedProfile, true},
		{"adult does not read a profile", adultB, profile, never, policy.ReasonNotShared, false},
		{"other household, even shared", outsider, adultA, shared, policy.ReasonNotMember, false},
		{"other household's data", outsider, home, never, policy.ReasonNotMember, false},
		{"unidentified actor", policy.Party{HouseholdID: hh}, adultA, shared, policy.ReasonUnknownParty, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.actor.Since, tt.subject.Since = shared.Add(-time.Hour), shared.Add(-time.Hour)
			d := policy.MayRead(tt.actor, tt.subject, tt.shared)
			if d.Allow != tt.allow || d.Reason != tt.want {
				t.Errorf("MayRead = %v %s, want %v %s", d.Allow, d.Reason.Code(), tt.allow, tt.want.Code())
			}
		})
	}
}

// TestShareInForce: a share counts only while both people stay members of
// the household together without a break, so one granted before either's
// current membership began reads nothing (RIGHT-ACCESS-OTHERS, SEC-AUTHZ).
func TestShareInForce(t *testing.T) {
	const hh = "hh1"
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	party := func(id string, since time.Time) policy.Party {
		return policy.Party{PersonID: id, HouseholdID: hh, Role: hearth.RoleAdult, Since: since}
	}
	tests := []struct {
		name            string
		granted         time.Time
		reader, subject policy.Party
		want            bool
	}{
		{"granted while both are members", t0, party("b", t0.Add(-time.Hour)), party("a", t0.Add(-2*time.Hour)), true},
		{"granted the moment the reader joined", t0, party("b", t0), party("a", t0.Add(-time.Hour)), true},
		{"same millisecond, finer clock", t0, party("b", t0.Add(500*time.Microsecond)), party("a", t0), true},
		{"reader removed and invited again", t0, party("b", t0.Add(time.Millisecond)), party("a", t0.Add(-time.Hour)), false},
		{"sharer left and came back", t0, party("b", t0.Add(-time.Hour)), party("a", t0.Add(time.Minute)), false},
		{"never shared", time.Time{}, party("b", time.Time{}), party("a", time.Time{}), false},
		{"reader in another household", t0, policy.Party{PersonID: "b", HouseholdID: "hh2", Since: t0.Add(-time.Hour)}, party("a", t0.Add(-time.Hour)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.ShareInForce(tt.granted, tt.reader, tt.subject); got != tt.want {
				t.Errorf("ShareInForce = %v, want %v", got, tt.want)
			}
			d := policy.MayRead(tt.reader, tt.subject, tt.granted)
			if d.Allow != tt.want {
				t.Errorf("MayRead = %v %s, want allow %v", d.Allow, d.Reason.Code(), tt.want)
			}
		})
	}
}
