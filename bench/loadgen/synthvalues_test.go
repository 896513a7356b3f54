package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// TestSynthValues: with --synth-manifest, payloads carry synth's values
// for the category, which pass the server's own shape check (with the pad
// field bench/manifest.yaml declares) and follow the time of day: rooms
// are warmer in the afternoon than before dawn (PET-SYNTH).
func TestSynthValues(t *testing.T) {
	const file = "../manifest.yaml"
	v, err := newSynthValues(file, "room-temperature", 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	m, err := manifest.Parse(file, b)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(hour int) float64 {
		g := &payloadGen{runID: "r", category: "room-temperature", size: 256, values: v}
		at := time.Date(2026, 12, 1, hour, 0, 0, 0, time.UTC)
		sum := 0.0
		for seq := range uint64(200) {
			var r reading
			p := g.build(nil, seq, at.Add(time.Duration(seq)*time.Second))
			if err := json.Unmarshal(p, &r); err != nil {
				t.Fatalf("payload %s: %v", p, err)
			}
			if a := eng.Conforms(r.Category, r.Values); !a.Allow {
				t.Fatalf("values %s refused: %v", r.Values, a.Reason)
			}
			var vals struct{ Celsius float64 }
			json.Unmarshal(r.Values, &vals)
			sum += vals.Celsius
		}
		return sum / 200
	}
	if day, night := mean(15), mean(4); !(day > night+1) {
		t.Errorf("mean room temperature %.1f °C at 15:00, %.1f °C at 04:00; want the afternoon warmer by over a degree", day, night)
	}
	for _, tt := range []struct{ category, want string }{
		{"toaster", "not declared"},
		{"home-area", "no model"},
	} {
		if _, err := newSynthValues("../../examples/thermostat.yaml", tt.category, 1); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("category %s: %v, want an error saying %q", tt.category, err, tt.want)
		}
	}
	if _, err := newSynthValues("../../examples/thermostat.yaml", "occupancy", 1); err != nil {
		t.Errorf("occupancy, a state: %v", err)
	}
}
