package device_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/device"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

var msgIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// TestTelemetryFollowsProtocol checks that a day of simulated telemetry
// obeys the device protocol: unique valid message IDs, RFC 3339 times,
// non-empty values, payloads under the size limit, and only categories the
// example manifest declares for the model (MIN-GATE, INT-DEVICES).
func TestTelemetryFollowsProtocol(t *testing.T) {
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse example manifest: %v", err)
	}
	for model := range device.ModelCategories {
		t.Run(model, func(t *testing.T) {
			declared := map[string]bool{}
			mod, ok := m.Model(model)
			if !ok {
				t.Fatalf("model %q not in the example manifest", model)
			}
			for _, c := range mod.Categories {
				declared[c] = true
			}
			g, err := device.NewTelemetry(model, []string{"pe_a"}, 1)
			if err != nil {
				t.Fatalf("NewTelemetry: %v", err)
			}
			seen := map[string]bool{}
			counts := map[string]int{}
			start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
			for i := range 24 * 12 { // a day, every 5 minutes
				for _, r := range g.Sample(start.Add(time.Duration(i) * 5 * time.Minute)) {
					checkReading(t, r, declared, seen)
					counts[r.Category]++
				}
			}
			for c := range declared {
				if counts[c] == 0 {
					t.Errorf("category %s: no readings in a day, want some", c)
				}
			}
		})
	}
}

func checkReading(t *testing.T, r device.Reading, declared, seen map[string]bool) {
	t.Helper()
	if !msgIDRE.MatchString(r.ID) || seen[r.ID] {
		t.Errorf("message ID %q invalid or repeated", r.ID)
	}
	seen[r.ID] = true
	if _, err := time.Parse(time.RFC3339, r.Time); err != nil {
		t.Errorf("time %q: %v", r.Time, err)
	}
	if !declared[r.Category] {
		t.Errorf("category %q not declared for the model", r.Category)
	}
	if len(r.Values) == 0 {
		t.Errorf("reading %s has no values", r.ID)
	}
	b, err := json.Marshal(r)
	if err != nil || len(b) > hearth.MaxReadingSize {
		t.Errorf("payload %d bytes, err %v; want under %d", len(b), err, hearth.MaxReadingSize)
	}
}

// TestTelemetryRealistic checks the temperature curve stays in a plausible
// indoor range and that different boots give different message IDs.
func TestTelemetryRealistic(t *testing.T) {
	g, err := device.NewTelemetry("ember-t1", nil, 7)
	if err != nil {
		t.Fatalf("NewTelemetry: %v", err)
	}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	for i := range 24 * 60 {
		for _, r := range g.Sample(start.Add(time.Duration(i) * time.Minute)) {
			if r.Category != "room-temperature" {
				continue
			}
			if c := r.Values["celsius"].(float64); c < 14 || c > 27 {
				t.Fatalf("temperature at minute %d = %v, want 14..27", i, c)
			}
		}
	}
	g2, _ := device.NewTelemetry("ember-t1", nil, 8)
	if a, b := g.Sample(start)[0].ID, g2.Sample(start)[0].ID; a == b {
		t.Errorf("two devices produced the same message ID %q", a)
	}
}

func TestNewTelemetryUnknownModel(t *testing.T) {
	if _, err := device.NewTelemetry("toaster", nil, 1); err == nil {
		t.Fatal("NewTelemetry(toaster): no error, want unknown model")
	}
}
