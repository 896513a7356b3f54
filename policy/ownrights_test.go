package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayExerciseOwnRights: without a household, only a person with an
// account acts, for themselves only, in a household or in none; a child
// in any household goes through their guardian (RIGHT-REQUESTS,
// RIGHT-ACCESS, RIGHT-ERASE, SEC-AUTHZ).
func TestMayExerciseOwnRights(t *testing.T) {
	adult := policy.Party{PersonID: "p", HouseholdID: "hh_1", Role: hearth.RoleAdult}
	kid := policy.Party{PersonID: "p", HouseholdID: "hh_2", Role: hearth.RoleChild, GuardianID: "g", Child: true}
	tests := []struct {
		name           string
		actor, subject string
		hasAccount     bool
		memberships    []policy.Party
		want           policy.Reason
	}{
		{"self in no household", "p", "p", true, nil, policy.ReasonSelf},
		{"self still a member", "p", "p", true, []policy.Party{adult}, policy.ReasonSelf},
		{"another account", "q", "p", true, nil, policy.ReasonNotYourRights},
		{"a profile without an account", "p", "p", false, nil, policy.ReasonNotYourRights},
		{"a child in one household", "p", "p", true, []policy.Party{adult, kid}, policy.ReasonNotYourRights},
		{"unknown actor", "", "p", true, nil, policy.ReasonUnknownParty},
		{"unknown subject", "p", "", true, nil, policy.ReasonUnknownParty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.MayExerciseOwnRights(tt.actor, tt.subject, tt.hasAccount, tt.memberships)
			if d.Reason != tt.want || d.Allow != (tt.want == policy.ReasonSelf) {
				t.Errorf("decision = %v (allow %t), want %v", d.Reason, d.Allow, tt.want)
			}
			if tt.want == policy.ReasonSelf && policy.IdentityCheckOf(d) != hearth.CheckReauthenticated {
				t.Errorf("identity check = %q, want reauthenticated", policy.IdentityCheckOf(d))
			}
		})
	}
}
