package policy_test

import (
	"math"
	"testing"

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

func TestLocationPrecision(t *testing.T) {
	e := rules(t)
	tests := []struct {
		name     string
		choice   policy.Granularity
		category string
		want     policy.Granularity
	}{
		// MIN-LOCATION: off by default; never finer than chosen or declared.
		{"off", policy.GranularityOff, "location", policy.GranularityOff},
		{"coarser than declared", policy.GranularityCountry, "location", policy.GranularityCountry},
		{"as chosen", policy.GranularityCity, "location", policy.GranularityCity},
		{"finer than declared", policy.GranularityExact, "location", policy.GranularityStreet},
		{"not location data", policy.GranularityExact, "temp", policy.GranularityOff},
		{"undeclared", policy.GranularityExact, "gps", policy.GranularityOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := policy.Subject{Location: tt.choice}
			if got := e.LocationPrecision(&s, tt.category); got != tt.want {
				t.Errorf("LocationPrecision(%v, %s) = %v, want %v", tt.choice, tt.category, got, tt.want)
			}
		})
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
