package examples_test

import (
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestThermostatParses keeps the embedded example valid: the demo and the
// default server refuse a manifest with problems (BASIS-DECLARED, LIFETIME-CLEAR).
func TestThermostatParses(t *testing.T) {
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, id := range []string{"ember-t1", "ember-s1"} {
		if _, ok := m.Model(id); !ok {
			t.Errorf("Model(%q) not found, want it declared", id)
		}
	}
	for _, id := range []string{"room-temperature", "humidity", "setpoint", "occupancy", "device-health"} {
		if _, ok := m.Category(id); !ok {
			t.Errorf("Category(%q) not found, want it declared", id)
		}
	}
	if !m.ChildrenLikely {
		t.Error("ChildrenLikely = false, want true: a family home (DEFAULT-PRIVATE)")
	}
}

// TestExamplesLintClean keeps every example free of problems: Hearth
// refuses to serve a manifest that has any (BASIS-DECLARED,
// CONSENT-EXPLICIT, CONSENT-NOT-PRECONDITION, ADS-CONSENT, PECR-TERMINAL,
// RIGHT-ADM, DEFAULT-PRIVATE, MIN-LOCATION, TOS-DURATION, LIFETIME-CLEAR).
func TestExamplesLintClean(t *testing.T) {
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			m, ps := manifest.Check(ex.Name, ex.Data)
			if len(ps) > 0 {
				t.Fatalf("Check found problems, want none:\n%v", ps)
			}
			if m == nil {
				t.Fatal("Check returned no manifest")
			}
		})
	}
}

// TestExamplesCoverIssue checks each example declares what it is an
// example of (issue 3 item 1): special data on explicit consent, location
// with granularities, recipients of each role.
func TestExamplesCoverIssue(t *testing.T) {
	tests := []struct {
		name, data                  string
		special, purpose, recipient string
		role                        string
	}{
		{examples.SmartSpeakerName, string(examples.SmartSpeaker), "voiceprint", "voice-id", "speech-co", manifest.RoleProcessor},
		{examples.FitnessTrackerName, string(examples.FitnessTracker), "heart-rate", "health-insights", "insurer", manifest.RoleIndependentController},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifest.Parse(tt.name, []byte(tt.data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c, ok := m.Category(tt.special)
			if !ok || !c.Special() {
				t.Errorf("Category(%q) special = %v, want a declared special category", tt.special, ok && c.Special())
			}
			p, ok := m.Purpose(tt.purpose)
			if !ok || p.Art9Condition != manifest.Art9ExplicitConsent || p.Explicit == "" {
				t.Errorf("Purpose(%q) = %+v, want explicit consent with a statement", tt.purpose, p)
			}
			r, ok := m.Recipient(tt.recipient)
			if !ok || r.Role != tt.role {
				t.Errorf("Recipient(%q) role = %v, want %q", tt.recipient, r, tt.role)
			}
		})
	}
}
