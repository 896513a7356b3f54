package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/policy"
)

// TestCounted: PET-DP: statistics count only people who consented to the
// analytics purpose, and stop counting them once they withdraw, restrict
// or object; household data counts only once every member consented.
func TestCounted(t *testing.T) {
	e := example(t, examples.ThermostatName)
	const stats = "product-statistics"
	if got := e.StatisticsPurpose(); got != stats {
		t.Fatalf("StatisticsPurpose = %q, want %q", got, stats)
	}
	tests := []struct {
		name     string
		st       state
		category string
		want     want
	}{
		{"no consent", state{}, "room-temperature", want{false, policy.ReasonNoConsent, stats}},
		{"consented", state{consented: []string{stats}}, "room-temperature", want{true, policy.ReasonActive, stats}},
		{"consented, counted as a person", state{consented: []string{stats}}, "", want{true, policy.ReasonActive, stats}},
		{"withdrawn", state{refused: []string{stats}}, "", want{false, policy.ReasonConsentRefused, stats}},
		{"category the purpose does not use", state{consented: []string{stats}}, "occupancy", want{false, policy.ReasonNotUsedByPurpose, stats}},
		{"restricted", state{consented: []string{stats}, restricted: []string{stats}}, "setpoint", want{false, policy.ReasonRestricted, stats}},
		{"all restricted", state{consented: []string{stats}, restrictAll: true}, "setpoint", want{false, policy.ReasonRestrictedAll, stats}},
		{"objected", state{consented: []string{stats}, objected: []string{stats}}, "setpoint", want{false, policy.ReasonObjected, stats}},
		{"a child with a guardian's consent", state{consented: []string{stats}, child: true}, "setpoint", want{true, policy.ReasonActive, stats}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e, e.Counted(tt.st.subject(t, e), tt.category, now), tt.want)
		})
	}
	t.Run("household data needs every member", func(t *testing.T) {
		yes := state{consented: []string{stats}}.subject(t, e)
		no := state{}.subject(t, e)
		owner := policy.Party{PersonID: "a", HouseholdID: "h", Role: hearth.RoleOwner}
		adult := policy.Party{PersonID: "b", HouseholdID: "h", Role: hearth.RoleAdult}
		one := e.HouseholdOf([]policy.Member{{Party: owner, State: *yes}, {Party: adult, State: *no}}, hearth.ModeCloud)
		check(t, e, e.Counted(&one, "room-temperature", now), want{false, policy.ReasonNoConsent, stats})
		both := e.HouseholdOf([]policy.Member{{Party: owner, State: *yes}, {Party: adult, State: *yes}}, hearth.ModeCloud)
		check(t, e, e.Counted(&both, "room-temperature", now), want{true, policy.ReasonActive, stats})
	})
	t.Run("no analytics purpose", func(t *testing.T) {
		e := rules(t)
		d := e.Counted(state{}.subject(t, e), "", now)
		if d.Allow || d.Reason != policy.ReasonNoStatistics {
			t.Errorf("Counted = %v %v, want refused with ReasonNoStatistics", d.Allow, d.Reason)
		}
	})
}
