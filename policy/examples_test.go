package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// compileExample checks (parses and lints) an embedded example manifest
// and compiles it.
func compileExample(t testing.TB, ex examples.Example) (*manifest.Manifest, *policy.Engine) {
	t.Helper()
	m, ps := manifest.Check(ex.Name, ex.Data)
	if ps != nil {
		t.Fatalf("check %s: %v", ex.Name, ps)
	}
	e, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile %s: %v", ex.Name, err)
	}
	return m, e
}

// example returns the engine of the embedded example with that name.
func example(t testing.TB, name string) *policy.Engine {
	t.Helper()
	for _, ex := range examples.All() {
		if ex.Name == name {
			_, e := compileExample(t, ex)
			return e
		}
	}
	t.Fatalf("no example %s", name)
	return nil
}

// TestExamplesDefaults checks, on every example manifest, what a new person
// gets (CONSENT-OPTIN, CONSENT-NOT-PRECONDITION, DEFAULT-PRIVATE): no
// consent purpose is active, every core purpose is, the core function's
// data is stored, and where children are likely no profiling, marketing,
// advertising or location purpose is active and location is off.
func TestExamplesDefaults(t *testing.T) {
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			m, e := compileExample(t, ex)
			s := e.Defaults()
			for _, p := range m.Purposes {
				d := e.Active(&s, p.ID)
				switch {
				case p.Basis == manifest.BasisConsent && d.Allow:
					t.Errorf("consent purpose %s active for a new person, want off (CONSENT-OPTIN)", p.ID)
				case p.Core && !d.Allow:
					t.Errorf("core purpose %s refused for a new person: %v (CONSENT-NOT-PRECONDITION)", p.ID, d.Reason)
				case m.ChildrenLikely && d.Allow && (p.Profiling || p.Marketing || p.Advertising):
					t.Errorf("purpose %s active by default where children are likely (DEFAULT-PRIVATE)", p.ID)
				}
				if !p.Core {
					continue
				}
				for _, c := range p.Categories {
					if cat, _ := m.Category(c); !cat.Location() && !e.Ingest(&s, c, now).Allow {
						t.Errorf("Ingest(%s) refused for a new person, want the core function's data stored", c)
					}
				}
			}
			if m.ChildrenLikely && s.Location != policy.GranularityOff {
				t.Errorf("default Location = %v where children are likely, want off (MIN-LOCATION)", s.Location)
			}
		})
	}
}

// TestExamplesEverythingOn checks that with every consent given, every
// feature and optional purpose on and location precise, every category a
// purpose uses is stored (MIN-GATE lets declared, active processing through)
// and every consent purpose can be consented to (CONSENT-EXPLICIT: lint-clean
// manifests declare the statements).
func TestExamplesEverythingOn(t *testing.T) {
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			m, e := compileExample(t, ex)
			var all []string
			for _, p := range m.Purposes {
				all = append(all, p.ID)
			}
			var features []string
			for _, f := range m.Features {
				features = append(features, f.ID)
			}
			s := state{consented: all, enabled: all, features: features, location: policy.GranularityExact}.subject(t, e)
			for _, c := range m.Categories {
				if len(m.PurposesUsing(c.ID)) > 0 && !e.Ingest(s, c.ID, now).Allow {
					t.Errorf("Ingest(%s) refused with everything on", c.ID)
				}
			}
			for _, p := range e.PurposeIDs(e.ConsentPurposes()) {
				if d := e.Consentable(p); !d.Allow {
					t.Errorf("Consentable(%s) = %v, want allowed", p, d.Reason)
				}
			}
		})
	}
}

// TestExampleScenarios plays the scenarios on the example products.
func TestExampleScenarios(t *testing.T) {
	tests := []struct {
		name              string
		example           string
		st                state
		purpose, category string // purpose "" means an ingestion
		want              want
	}{
		// CONSENT-OPTIN, MIN-GATE: no consent, the insight history is not kept.
		{"thermostat: insights without consent", examples.ThermostatName, state{child: true},
			"energy-insights", "setpoint", want{false, policy.ReasonFeatureOff, "energy-insights"}},
		// CONSENT-CHILD: with the guardian's consent and the feature on, it is.
		{"thermostat: insights with guardian's consent", examples.ThermostatName,
			state{child: true, consented: []string{"energy-insights"}, features: []string{"energy-insights"}},
			"energy-insights", "setpoint", want{true, policy.ReasonActive, "energy-insights"}},
		// MIN-LOCATION: the home area is not collected while location is off.
		{"thermostat: home area, location off", examples.ThermostatName,
			state{consented: []string{"weather-compensation"}, features: []string{"weather-compensation"}},
			"", "home-area", want{false, policy.ReasonLocationOff, ""}},
		{"thermostat: home area at city level", examples.ThermostatName,
			state{consented: []string{"weather-compensation"}, features: []string{"weather-compensation"}, location: policy.GranularityCity},
			"", "home-area", want{true, policy.ReasonActive, "weather-compensation"}},
		// CONSENT-EXPLICIT: no voice ID without consent; the core assistant works.
		{"speaker: voiceprint without consent", examples.SmartSpeakerName, state{features: []string{"voice-match"}},
			"", "voiceprint", want{false, policy.ReasonNoConsent, "voice-id"}},
		{"speaker: recordings for the core function", examples.SmartSpeakerName, state{},
			"", "voice-recordings", want{true, policy.ReasonActive, "answer-requests"}},
		// RIGHT-OBJECT-MKT: the marketing switch beats a given consent.
		{"speaker: ads after marketing objection", examples.SmartSpeakerName,
			state{consented: []string{"personalised-ads"}, features: []string{"sponsored-content"}, objectMarketing: true},
			"personalised-ads", "listening-history", want{false, policy.ReasonObjectedMarketing, "personalised-ads"}},
		// RIGHT-ADM: the opt-out stops the insurer's automated decision.
		{"fitness: insurer scoring", examples.FitnessTrackerName,
			state{consented: []string{"insurer-sharing"}, features: []string{"insurer-rewards"}},
			"insurer-sharing", "heart-rate", want{true, policy.ReasonActive, "insurer-sharing"}},
		{"fitness: insurer scoring after ADM opt-out", examples.FitnessTrackerName,
			state{consented: []string{"insurer-sharing"}, features: []string{"insurer-rewards"}, adm: []string{"insurer-sharing"}},
			"insurer-sharing", "heart-rate", want{false, policy.ReasonADMOptOut, "insurer-sharing"}},
		// RIGHT-RESTRICT: a restricted health purpose stops heart-rate ingestion.
		{"fitness: heart rate restricted", examples.FitnessTrackerName,
			state{consented: []string{"health-insights"}, features: []string{"health"}, restricted: []string{"health-insights"}},
			"", "heart-rate", want{false, policy.ReasonRestricted, "health-insights"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := example(t, tt.example)
			s := tt.st.subject(t, e)
			if tt.purpose == "" {
				check(t, e, e.Ingest(s, tt.category, now), tt.want)
				return
			}
			check(t, e, e.Read(s, tt.purpose, tt.category, now), tt.want)
		})
	}
}
