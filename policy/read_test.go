package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayRead pins who reads whose data: each person their own, adults the
// household's, a guardian their child's, the owner a profile without an
// account, and nobody another adult's unless shared (SEC-AUTHZ,
// RIGHT-ACCESS-OTHERS, RIGHT-UNREGISTERED).
func TestMayRead(t *testing.T) {
	const hh = "hh1"
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
		shared         bool
		want           policy.Reason
		allow          bool
	}{
		{"own data", adultB, adultB, false, policy.ReasonOwnData, true},
		{"owner reads another adult", owner, adultA, false, policy.ReasonNotShared, false},
		{"adult reads another adult", adultB, adultA, false, policy.ReasonNotShared, false},
		{"adult reads what was shared", adultB, adultA, true, policy.ReasonShared, true},
		{"adult reads the household's data", adultB, home, false, policy.ReasonHouseholdData, true},
		{"owner reads the household's data", owner, home, false, policy.ReasonHouseholdData, true},
		{"child does not read the household's data", child, home, false, policy.ReasonNotYourData, false},
		{"guest does not read the household's data", guest, home, false, policy.ReasonNotYourData, false},
		{"guardian reads their child", adultA, child, false, policy.ReasonChildData, true},
		{"another adult does not read the child", adultB, child, false, policy.ReasonNotShared, false},
		{"child does not read their guardian", child, adultA, false, policy.ReasonNotShared, false},
		{"owner reads a profile without an account", owner, profile, false, policy.ReasonManagedProfile, true},
		{"adult does not read a profile", adultB, profile, false, policy.ReasonNotShared, false},
		{"other household, even shared", outsider, adultA, true, policy.ReasonNotMember, false},
		{"other household's data", outsider, home, false, policy.ReasonNotMember, false},
		{"unidentified actor", policy.Party{HouseholdID: hh}, adultA, true, policy.ReasonUnknownParty, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.MayRead(tt.actor, tt.subject, tt.shared)
			if d.Allow != tt.allow || d.Reason != tt.want {
				t.Errorf("MayRead = %v %s, want %v %s", d.Allow, d.Reason.Code(), tt.allow, tt.want.Code())
			}
		})
	}
}
