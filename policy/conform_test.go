package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/policy"
)

// TestConformsAndCorrect: data that arrives by import or correction meets
// the category's declared shape (MIN-GATE, RIGHT-PORT, RIGHT-RECTIFY), and
// a corrected location is coarsened as at ingestion (MIN-LOCATION).
func TestConformsAndCorrect(t *testing.T) {
	e := example(t, examples.FitnessTrackerName)
	tests := []struct {
		name, category, values string
		reason                 string // "" allows
	}{
		{"declared fields", "steps", `{"steps":5000}`, ""},
		{"an undeclared field", "steps", `{"steps":10,"bpm":131}`, "undeclared_field"},
		{"location smuggled into steps", "steps", `{"steps":5000,"lat":53.796512,"lon":-1.547834}`, "undeclared_field"},
		{"a wrong type", "steps", `{"steps":"many"}`, "wrong_type"},
		{"an undeclared category", "mood", `{"steps":1}`, "undeclared_category"},
		{"a location", "route", `{"lat":53.796512,"lon":-1.547834}`, ""},
		{"a location out of range", "route", `{"lat":91,"lon":0}`, "bad_location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.Conforms(tt.category, []byte(tt.values))
			if got := reasonOf(a); got != tt.reason {
				t.Errorf("Conforms = %q (%v), want %q", got, a.Decision, tt.reason)
			}
			if a.Allow && string(a.Values) != tt.values {
				t.Errorf("Conforms changed the values: %s", a.Values)
			}
		})
	}
	s := e.Defaults()
	s.Location = policy.GranularityOff
	r := &policy.Reading{Category: "route", Values: []byte(`{"lat":53.796512,"lon":-1.547834}`)}
	if a := e.Correct(&s, r); a.Allow {
		t.Errorf("Correct with location off allowed %s", a.Values)
	}
	s.Location = policy.GranularityCity
	a := e.Correct(&s, r)
	if !a.Allow || a.Precision != policy.GranularityCity || string(a.Values) == string(r.Values) {
		t.Errorf("Correct at city = %v %s, want the location coarsened to city", a.Decision, a.Values)
	}
	restricted := e.Defaults()
	restricted.RestrictAll = true
	if a := e.Correct(&restricted, &policy.Reading{Category: "steps", Values: []byte(`{"steps":1}`)}); !a.Allow {
		t.Errorf("Correct while restricted refused: %v", a.Decision)
	}
}

func reasonOf(a policy.Admission) string {
	if a.Allow {
		return ""
	}
	return a.Reason.Code()
}

// TestConformsStoredLocation: an exported location, with the precision it
// was kept at, imports as it is (RIGHT-PORT).
func TestConformsStoredLocation(t *testing.T) {
	e := example(t, examples.FitnessTrackerName)
	v := `{"lat":53.8,"lon":-1.55,"precision":"city"}`
	if a := e.Conforms("route", []byte(v)); !a.Allow || string(a.Values) != v {
		t.Errorf("Conforms(stored location) = %v %s, want it allowed unchanged", a.Decision, a.Values)
	}
	if a := e.Conforms("route", []byte(`{"lat":53.8,"lon":-1.55,"name":"home"}`)); a.Allow {
		t.Error("Conforms allowed an undeclared field in a location")
	}
}
