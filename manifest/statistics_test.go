package manifest_test

import (
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestStatisticsPurpose: PET-DP: the analytics purpose rests on consent,
// makes statistics only, and declares a budget the parser checks.
func TestStatisticsPurpose(t *testing.T) {
	base := string(examples.Thermostat)
	const stats = "purposes[4]"
	tests := []struct{ name, old, new, want string }{
		{"not on consent", "    basis: consent\n    categories: [room-temperature, setpoint]\n    statistics:",
			"    basis: legitimate-interests\n    categories: [room-temperature, setpoint]\n    statistics:",
			stats + ".basis: the analytics purpose counts only people who consented to it: use basis consent (PET-DP)"},
		{"profiling", "    statistics:\n      epsilon: 4", "    profiling: true\n    effect: x\n    statistics:\n      epsilon: 4",
			stats + ".statistics: the analytics purpose makes aggregate statistics only: remove profiling"},
		{"recipients", "    statistics:\n      epsilon: 4", "    recipients: [cloud-host]\n    statistics:\n      epsilon: 4",
			stats + ".recipients: the analytics purpose discloses no personal data"},
		{"no epsilon", "      epsilon: 4\n", "",
			stats + ".statistics.epsilon: must be a number greater than 0 and at most 10"},
		{"epsilon too large", "      epsilon: 4\n", "      epsilon: 11\n",
			stats + ".statistics.epsilon: must be a number greater than 0 and at most 10"},
		{"delta too large", "      epsilon: 4\n", "      epsilon: 4\n      delta: 0.01\n",
			stats + ".statistics.delta: must be at least 0 and at most 1e-05"},
		{"group of one", "      min_group: 10", "      min_group: 1",
			stats + ".statistics.min_group: must be at least 2"},
		{"two analytics purposes", "    security: true\n", "    security: true\n    statistics: {epsilon: 1}\n",
			"purposes[4].statistics: purpose product-statistics declares statistics too: only one purpose, device-security, may be the analytics purpose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replaced(t, base, tt.old, tt.new)
			m, ps := manifest.Check("t.yaml", []byte(doc))
			if got := ps.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("problems = %q, want one containing %q", got, tt.want)
			}
			if m != nil {
				t.Errorf("manifest accepted, want refused")
			}
		})
	}
	t.Run("the example declares it", func(t *testing.T) {
		m, ps := manifest.Check("t.yaml", []byte(base))
		if m == nil {
			t.Fatal(ps)
		}
		p, ok := m.StatisticsPurpose()
		if !ok || p.ID != "product-statistics" || p.Statistics.Epsilon != 4 || p.Statistics.Groups() != 10 {
			t.Errorf("StatisticsPurpose = %+v, %v; want product-statistics with epsilon 4 and groups of 10", p, ok)
		}
	})
}
