package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayImport: RIGHT-PORT restores a person only into an owner's household.
func TestMayImport(t *testing.T) {
	for _, tt := range []struct {
		actor policy.Party
		want  policy.Reason
	}{
		{policy.Party{PersonID: "p_1", HouseholdID: "hh_1", Role: hearth.RoleOwner}, policy.ReasonOwnerForProfile},
		{policy.Party{PersonID: "p_1", HouseholdID: "hh_1", Role: hearth.RoleAdult}, policy.ReasonOwnersOnly},
		{policy.Party{PersonID: "p_1", HouseholdID: "hh_1", Role: hearth.RoleChild}, policy.ReasonOwnersOnly},
		{policy.Party{PersonID: "p_1", HouseholdID: "hh_1", Role: hearth.RoleGuest}, policy.ReasonOwnersOnly},
		{policy.Party{}, policy.ReasonUnknownParty},
	} {
		d := policy.MayImport(tt.actor)
		if d.Reason != tt.want || d.Allow != (tt.want == policy.ReasonOwnerForProfile) {
			t.Errorf("MayImport(%s) = %v %s, want %s", tt.actor.Role, d.Allow, d.Reason.Code(), tt.want.Code())
		}
	}
}
