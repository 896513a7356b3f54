package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayExport: RIGHT-ACCESS for oneself, a guardian for their child,
// RIGHT-UNREGISTERED an owner for a profile without an account, and
// RIGHT-ACCESS-OTHERS nobody else, whatever their role.
func TestMayExport(t *testing.T) {
	owner := policy.Party{PersonID: "p_owner", HouseholdID: "hh_1", Role: hearth.RoleOwner}
	adult := policy.Party{PersonID: "p_adult", HouseholdID: "hh_1", Role: hearth.RoleAdult}
	child := policy.Party{PersonID: "p_child", HouseholdID: "hh_1", Role: hearth.RoleChild, GuardianID: "p_adult", Child: true}
	guest := policy.Party{PersonID: "p_guest", HouseholdID: "hh_1", Role: hearth.RoleGuest}
	elsewhere := policy.Party{PersonID: "p_owner2", HouseholdID: "hh_2", Role: hearth.RoleOwner}
	tests := []struct {
		name           string
		actor, subject policy.Party
		hasAccount     bool
		want           policy.RightsReason
		allow          bool
	}{
		{"self", adult, adult, true, policy.RightsSelf, true},
		{"child for themselves", child, child, false, policy.RightsSelf, true},
		{"guardian for child", adult, child, false, policy.RightsGuardian, true},
		{"owner for profile without account", owner, guest, false, policy.RightsOwnerForProfile, true},
		{"owner for adult with account", owner, adult, true, policy.RightsNotYours, false},
		{"adult for another adult", adult, owner, true, policy.RightsNotYours, false},
		{"owner for child who is not theirs and has an account", owner, child, true, policy.RightsNotYours, false},
		{"owner of another household for a profile", elsewhere, guest, false, policy.RightsNotYours, false},
		{"guest for owner", guest, owner, true, policy.RightsNotYours, false},
		{"unknown actor", policy.Party{}, adult, true, policy.RightsUnknownParty, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.MayExport(tt.actor, tt.subject, tt.hasAccount)
			if d.Allow != tt.allow || d.Reason != tt.want {
				t.Errorf("MayExport = %v %v, want %v %v", d.Allow, d.Reason.Code(), tt.allow, tt.want.Code())
			}
			if (d.Err() == nil) != tt.allow {
				t.Errorf("Err() = %v with Allow %v", d.Err(), d.Allow)
			}
		})
	}
}

// TestMayImport: RIGHT-PORT restores a person only into an owner's household.
func TestMayImport(t *testing.T) {
	for _, tt := range []struct {
		role  hearth.Role
		allow bool
	}{{hearth.RoleOwner, true}, {hearth.RoleAdult, false}, {hearth.RoleChild, false}, {hearth.RoleGuest, false}} {
		if d := policy.MayImport(policy.Party{PersonID: "p_1", HouseholdID: "hh_1", Role: tt.role}); d.Allow != tt.allow {
			t.Errorf("MayImport(%s) = %v, want %v", tt.role, d.Allow, tt.allow)
		}
	}
}

// TestRightsReasonsHaveText: every reason has a sentence and a code.
func TestRightsReasonsHaveText(t *testing.T) {
	for r := policy.RightsSelf; r <= policy.RightsOwnersOnly; r++ {
		if r.String() == "unknown reason" || r.Code() == "unknown" || r.String() == "" {
			t.Errorf("reason %d has no text or code", r)
		}
	}
}
