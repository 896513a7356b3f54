package policy_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestMayErase covers who may erase whose data (RIGHT-ERASE,
// RIGHT-UNREGISTERED, SEC-AUTHZ).
func TestMayErase(t *testing.T) {
	owner := policy.Party{PersonID: "p_owner", HouseholdID: "hh_1", Role: hearth.RoleOwner}
	adult := policy.Party{PersonID: "p_adult", HouseholdID: "hh_1", Role: hearth.RoleAdult}
	child := policy.Party{PersonID: "p_child", HouseholdID: "hh_1", Role: hearth.RoleChild, GuardianID: "p_adult", Child: true}
	guest := policy.Party{PersonID: "p_guest", HouseholdID: "hh_1", Role: hearth.RoleGuest}
	otherOwner := policy.Party{PersonID: "p_other", HouseholdID: "hh_2", Role: hearth.RoleOwner}
	tests := []struct {
		name           string
		actor, subject policy.Party
		hasAccount     bool
		want           policy.EraseBasis
	}{
		{"self", adult, adult, true, policy.EraseSelf},
		{"child erases own data", child, child, false, policy.EraseSelf},
		{"guardian for child", adult, child, false, policy.EraseGuardian},
		{"owner who is not the guardian, child without account", owner, child, false, policy.EraseDenied},
		{"owner for a profile without account", owner, guest, false, policy.EraseOwnerForProfile},
		{"owner for an account holder", owner, adult, true, policy.EraseDenied},
		{"owner for a guest with an account", owner, guest, true, policy.EraseDenied},
		{"adult for another adult", adult, owner, true, policy.EraseDenied},
		{"adult for a profile", adult, guest, false, policy.EraseDenied},
		{"child for guardian", child, adult, true, policy.EraseDenied},
		{"owner of another household", otherOwner, guest, false, policy.EraseDenied},
		{"unknown actor", policy.Party{}, guest, false, policy.EraseDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.MayErase(tt.actor, tt.subject, tt.hasAccount)
			if got != tt.want {
				t.Errorf("MayErase = %v, want %v", got, tt.want)
			}
			if got.String() == "" {
				t.Errorf("basis %d has no sentence", got)
			}
		})
	}
}

// TestDeletionCutoff covers periodic deletion periods (RETENTION).
func TestDeletionCutoff(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		p    hearth.DeletionPeriod
		want time.Time
		ok   bool
	}{
		{hearth.DeleteWeekly, time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC), true},
		{hearth.DeleteMonthly, time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), true}, // Feb 31 normalises
		{hearth.DeleteYearly, time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC), true},
		{"daily", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := policy.DeletionCutoff(tt.p, now)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("DeletionCutoff(%q) = %v, %v; want %v, %v", tt.p, got, ok, tt.want, tt.ok)
		}
	}
}
