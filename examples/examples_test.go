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
}
