package policy_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/policy"
)

// TestAdmit decides whole readings on the fitness tracker's manifest: the
// values must match the category's declared shape (MIN-GATE: an undeclared
// field is refused like an undeclared category, so heart rate or a
// position cannot ride on steps), a reading past its retention is refused
// (RETENTION), a model only sends its categories, and location is
// coarsened to the precision allowed (MIN-LOCATION).
func TestAdmit(t *testing.T) {
	e := example(t, examples.FitnessTrackerName)
	adult := state{}.subject(t, e)
	maps := state{consented: []string{"workout-maps"}, features: []string{"maps"}, location: policy.GranularityCity}.subject(t, e)
	tests := []struct {
		name     string
		s        *policy.Subject
		model    string
		category string
		age      time.Duration
		values   string
		want     policy.Reason
		stored   string
	}{
		{"declared steps", adult, "", "steps", 0, `{"steps":5000,"active_minutes":31}`, policy.ReasonActive, `{"steps":5000,"active_minutes":31}`},
		{"heart rate riding on steps", adult, "", "steps", 0, `{"steps":10,"bpm":131}`, policy.ReasonUndeclaredField, ""},
		{"a position riding on steps", adult, "", "steps", 0, `{"steps":5000,"lat":53.796512,"lon":-1.547834}`, policy.ReasonUndeclaredField, ""},
		{"escaped key", adult, "", "steps", 0, `{"st\u0065ps":5000}`, policy.ReasonUndeclaredField, ""},
		{"string for an integer", adult, "", "steps", 0, `{"steps":"5000"}`, policy.ReasonWrongType, ""},
		{"fraction for an integer", adult, "", "steps", 0, `{"steps":50.5}`, policy.ReasonWrongType, ""},
		{"object for an integer", adult, "", "steps", 0, `{"steps":{"n":1}}`, policy.ReasonWrongType, ""},
		{"null", adult, "", "steps", 0, `{"steps":null}`, policy.ReasonWrongType, ""},
		{"integer for a number", adult, "", "device-health", 0, `{"battery_percent":80,"firmware":"1.2"}`, policy.ReasonActive, `{"battery_percent":80,"firmware":"1.2"}`},
		{"undeclared category", adult, "", "weight", 0, `{"kg":80}`, policy.ReasonUndeclaredCategory, ""},
		{"past retention (2y)", adult, "", "steps", 2 * 366 * 24 * time.Hour, `{"steps":1}`, policy.ReasonPastRetention, ""},
		{"just within retention", adult, "", "steps", 700 * 24 * time.Hour, `{"steps":1}`, policy.ReasonActive, `{"steps":1}`},
		{"model that does not produce it", adult, "stride-band-2", "weight", 0, `{"kg":80}`, policy.ReasonUndeclaredCategory, ""},
		{"location off", adult, "", "route", 0, `{"lat":53.796512,"lon":-1.547834}`, policy.ReasonLocationOff, ""},
		{"location coarsened to city", maps, "", "route", 0, `{"lat":53.796512,"lon":-1.547834}`, policy.ReasonActive, `{"lat":53.75,"lon":-1.55,"precision":"city"}`},
		{"location with an extra field", maps, "", "route", 0, `{"lat":53.7,"lon":-1.5,"name":"home"}`, policy.ReasonUndeclaredField, ""},
		{"location out of range", maps, "", "route", 0, `{"lat":91,"lon":0}`, policy.ReasonBadLocation, ""},
		{"location missing lon", maps, "", "route", 0, `{"lat":53.7}`, policy.ReasonBadLocation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.Admit(tt.s, &policy.Reading{Model: tt.model, Category: tt.category, Time: now.Add(-tt.age), Values: []byte(tt.values)}, now)
			if a.Reason != tt.want || a.Allow != (tt.want == policy.ReasonActive) {
				t.Fatalf("Admit = %v %s, want %s", a.Allow, a.Reason.Code(), tt.want.Code())
			}
			if string(a.Values) != tt.stored {
				t.Errorf("Values = %s, want %s", a.Values, tt.stored)
			}
		})
	}
}

// TestAdmitModel: a model of the catalogue sends only the categories it
// lists (MIN-GATE).
func TestAdmitModel(t *testing.T) {
	e := example(t, examples.ThermostatName)
	s := state{}.subject(t, e)
	r := &policy.Reading{Model: "ember-s1", Category: "setpoint", Time: now, Values: []byte(`{"celsius":20}`)}
	if a := e.Admit(s, r, now); a.Reason != policy.ReasonModelCategory {
		t.Errorf("ember-s1 sending a setpoint: %s, want model_category", a.Reason.Code())
	}
	r.Model = "ember-t1"
	if a := e.Admit(s, r, now); !a.Allow {
		t.Errorf("ember-t1 sending a setpoint: %s, want allowed", a.Reason.Code())
	}
}

// BenchmarkAdmit measures the whole ingest decision for a plain reading,
// with its shape check: the gate of every reading (no allocation).
func BenchmarkAdmit(b *testing.B) {
	e, s := benchEngine(b)
	r := &policy.Reading{Model: "ember-t1", Category: "setpoint", Time: now, Values: []byte(`{"celsius":21.5,"source":"app"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if !e.Admit(s, r, now).Allow {
			b.Fatal("Admit refused, want allowed")
		}
	}
}

// FuzzShape checks the shape check against encoding/json on any valid
// JSON object without escapes (MIN-GATE): allowed exactly when every
// member is a declared field of its declared type.
func FuzzShape(f *testing.F) {
	for _, s := range []string{`{"steps":1}`, `{"steps":1.5}`, `{"steps":10,"bpm":131}`, `{"active_minutes":3,"steps":-0}`,
		`{"steps":true}`, `{"steps":"x"}`, `{ "steps" : 1e3 }`, `{"steps":[1]}`, `{}`, `{"steps":1,"steps":2}`} {
		f.Add([]byte(s))
	}
	e := example(f, examples.FitnessTrackerName)
	s := state{}.subject(f, e)
	declared := map[string]string{"steps": "integer", "active_minutes": "integer"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var members map[string]json.RawMessage
		if !json.Valid(data) || strings.Contains(string(data), `\`) || json.Unmarshal(data, &members) != nil || members == nil {
			return
		}
		if len(members) == 0 {
			return // an empty object is refused by the payload parser, not here
		}
		want := true
		for k, raw := range members {
			if typ, ok := declared[k]; !ok || typ != jsonKind(raw) {
				want = false
			}
		}
		r := &policy.Reading{Category: "steps", Time: now, Values: data}
		if got := e.Admit(s, r, now); got.Allow != want {
			t.Errorf("Admit(%s) = %v (%s), want %v", data, got.Allow, got.Reason.Code(), want)
		}
	})
}

// jsonKind returns "integer" for a number without fraction or exponent,
// "number" for other numbers, and "other" for anything else.
func jsonKind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return "other"
	}
	if strings.ContainsAny(s, ".eE") {
		return "number"
	}
	return "integer"
}
