package manifest_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestLookups checks the index helpers policy and consent rely on
// (MIN-GATE: PurposesUsing decides which purposes can keep a reading).
func TestLookups(t *testing.T) {
	m, err := manifest.Parse(examples.FitnessTrackerName, examples.FitnessTracker)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var got []string
	for _, p := range m.PurposesUsing("heart-rate") {
		got = append(got, p.ID)
	}
	if want := []string{"health-insights", "insurer-sharing"}; !equal(got, want) {
		t.Errorf("PurposesUsing(heart-rate) = %v, want %v", got, want)
	}
	if ps := m.PurposesUsing("nope"); ps != nil {
		t.Errorf("PurposesUsing(nope) = %v, want nil", ps)
	}
	if p, ok := m.Purpose("insurer-sharing"); !ok || !p.OnConsent() || !p.AutomatedDecision {
		t.Errorf("Purpose(insurer-sharing) = %+v, %v; want on consent, automated", p, ok)
	}
	if f, ok := m.Feature("maps"); !ok || len(f.Granularities) != 3 {
		t.Errorf("Feature(maps) = %+v, %v; want three granularities", f, ok)
	}
	if r, ok := m.Recipient("insurer"); !ok || r.Role != manifest.RoleIndependentController {
		t.Errorf("Recipient(insurer) = %+v, %v; want an independent controller", r, ok)
	}
	if fs := m.FeaturesFor("workout-maps"); len(fs) != 1 || fs[0].ID != "maps" {
		t.Errorf("FeaturesFor(workout-maps) = %v, want [maps]", fs)
	}
	if got, want := m.CoolOffPeriod(), 60*24*time.Hour; got != want {
		t.Errorf("CoolOffPeriod = %v, want %v", got, want)
	}
	d, _ := m.Model("stride-band-2")
	if got, want := d.ServiceLifetimePeriod(), 5*365*24*time.Hour; got != want {
		t.Errorf("ServiceLifetimePeriod = %v, want %v", got, want)
	}
	if got, want := m.Terms[0].ExpectedDurationPeriod(), 5*365*24*time.Hour; got != want {
		t.Errorf("ExpectedDurationPeriod = %v, want %v", got, want)
	}
	if got, want := m.Terms[0].EffectiveDate(), time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("EffectiveDate = %v, want %v", got, want)
	}
}

// TestCoolOffDefault checks the default cool-off (CONSENT-NO-NAG).
func TestCoolOffDefault(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := m.CoolOffPeriod(), manifest.DefaultCoolOff; got != want {
		t.Errorf("CoolOffPeriod = %v, want %v", got, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
