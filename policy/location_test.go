package policy_test

import (
	"math"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/policy"
)

// TestCoarsenLocation shows location is stored no finer than the chosen
// granularity (MIN-LOCATION).
func TestCoarsenLocation(t *testing.T) {
	const lat, lon = 51.50135, -0.14189
	tests := []struct {
		g                policy.Granularity
		lat, lon         float64
		wantLat, wantLon float64
		ok               bool
	}{
		{policy.GranularityExact, lat, lon, lat, lon, true},
		{policy.GranularityStreet, lat, lon, 51.5015, -0.1415, true},
		{policy.GranularityCity, lat, lon, 51.55, -0.15, true},
		{policy.GranularityRegion, lat, lon, 51.5, -0.5, true},
		{policy.GranularityCountry, lat, lon, 55, -5, true},
		{policy.GranularityCountry, 89.9, 179.9, 85, 175, true},
		{policy.GranularityOff, lat, lon, 0, 0, false},
		{policy.Granularity(99), lat, lon, 0, 0, false},
		{policy.GranularityCity, 91, lon, 0, 0, false},
		{policy.GranularityCity, lat, -180.5, 0, 0, false},
		{policy.GranularityCity, math.NaN(), lon, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.g.String(), func(t *testing.T) {
			gotLat, gotLon, ok := policy.CoarsenLocation(tt.g, tt.lat, tt.lon)
			if ok != tt.ok || math.Abs(gotLat-tt.wantLat) > 1e-9 || math.Abs(gotLon-tt.wantLon) > 1e-9 {
				t.Errorf("CoarsenLocation(%v, %v, %v) = %v, %v, %v; want %v, %v, %v",
					tt.g, tt.lat, tt.lon, gotLat, gotLon, ok, tt.wantLat, tt.wantLon, tt.ok)
			}
		})
	}
}

// TestCoarsenLocationSameCell shows two points in one cell are stored
// alike: the stored value reveals only the cell (MIN-LOCATION).
func TestCoarsenLocationSameCell(t *testing.T) {
	aLat, aLon, _ := policy.CoarsenLocation(policy.GranularityCity, 51.501, -0.101)
	bLat, bLon, _ := policy.CoarsenLocation(policy.GranularityCity, 51.599, -0.199)
	if aLat != bLat || aLon != bLon {
		t.Errorf("points in one city cell stored as (%v, %v) and (%v, %v), want equal", aLat, aLon, bLat, bLon)
	}
}

// TestLocationPrecision shows location is stored no finer than the person
// chose for the feature, the person's overall setting, or the manifest
// declares, and not at all while off (MIN-LOCATION).
func TestLocationPrecision(t *testing.T) {
	e := rules(t)
	away, _ := e.FeatureBits("away-mode")
	tests := []struct {
		name     string
		location policy.Granularity // the overall setting
		features policy.Bits
		choice   policy.Granularity // for away-mode (declares city, region)
		category string
		want     policy.Granularity
	}{
		{"off", policy.GranularityOff, away, policy.GranularityCity, "location", policy.GranularityOff},
		{"feature off", policy.GranularityExact, policy.Bits{}, policy.GranularityCity, "location", policy.GranularityOff},
		{"no choice: the feature's coarsest", policy.GranularityExact, away, policy.GranularityOff, "location", policy.GranularityRegion},
		{"as chosen for the feature", policy.GranularityExact, away, policy.GranularityCity, "location", policy.GranularityCity},
		{"choice finer than the feature declares", policy.GranularityExact, away, policy.GranularityExact, "location", policy.GranularityCity},
		{"overall setting coarser", policy.GranularityCountry, away, policy.GranularityCity, "location", policy.GranularityCountry},
		{"not location data", policy.GranularityExact, away, policy.GranularityCity, "temp", policy.GranularityOff},
		{"undeclared", policy.GranularityExact, away, policy.GranularityCity, "gps", policy.GranularityOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := policy.Subject{Location: tt.location, Features: tt.features}
			s.FeatureLocation[away.First()] = tt.choice
			if got := e.LocationPrecision(&s, tt.category); got != tt.want {
				t.Errorf("LocationPrecision = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLocationPrecisionExample: on the fitness tracker, routes are stored
// at the precision chosen for workout maps (MIN-LOCATION).
func TestLocationPrecisionExample(t *testing.T) {
	e := example(t, examples.FitnessTrackerName)
	s := state{consented: []string{"workout-maps"}, features: []string{"maps"}, location: policy.GranularityExact}.subject(t, e)
	maps, _ := e.FeatureBits("maps")
	for _, choice := range []policy.Granularity{policy.GranularityExact, policy.GranularityStreet, policy.GranularityCity} {
		s.FeatureLocation[maps.First()] = choice
		if got := e.LocationPrecision(s, "route"); got != choice {
			t.Errorf("route precision with %v chosen = %v, want %v", choice, got, choice)
		}
	}
}

func TestParseGranularity(t *testing.T) {
	for _, name := range []string{"off", "country", "region", "city", "street", "precise"} {
		g, err := policy.ParseGranularity(name)
		if err != nil || g.String() != name {
			t.Errorf("ParseGranularity(%q) = %v, %v; want it to round-trip", name, g, err)
		}
	}
	if _, err := policy.ParseGranularity("house"); err == nil {
		t.Error(`ParseGranularity("house"): no error, want one`)
	}
}
