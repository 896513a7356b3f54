package synth_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/synth"
)

// parse parses an example manifest.
func parse(t *testing.T, e examples.Example) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(e.Name, e.Data)
	if err != nil {
		t.Fatalf("parse %s: %v", e.Name, err)
	}
	return m
}

var (
	day0 = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday
	day2 = day0.Add(48 * time.Hour)
)

// TestDeterministic: the same manifest and seed give the same population
// and readings; another seed gives others (PET-SYNTH).
func TestDeterministic(t *testing.T) {
	for _, e := range examples.All() {
		t.Run(e.Name, func(t *testing.T) {
			m := parse(t, e)
			a, b := synth.New(m, 7), synth.New(m, 7)
			pa, pb := a.Population(20), b.Population(20)
			if diff := cmp.Diff(pa, pb); diff != "" {
				t.Fatalf("same seed, populations differ (-a +b):\n%s", diff)
			}
			if diff := cmp.Diff(pa.Households[:5], b.Population(5).Households); diff != "" {
				t.Errorf("the first 5 of 20 households differ from a population of 5 (-20 +5):\n%s", diff)
			}
			ra, rb := collect(a.Readings(pa, day0, day2)), collect(b.Readings(pb, day0, day2))
			if diff := cmp.Diff(ra, rb); diff != "" {
				t.Fatalf("same seed, readings differ (-a +b):\n%s", diff)
			}
			if other := synth.New(m, 8).Population(20); cmp.Equal(pa, other) {
				t.Error("seeds 7 and 8 give the same population")
			}
			// A reading is the same whatever range generated it.
			h := &pa.Households[0]
			d := &h.Devices[0]
			whole := collect(a.DeviceReadings(h, d, day0, day2))
			second := collect(a.DeviceReadings(h, d, day0.Add(24*time.Hour), day2))
			byID := map[string]synth.Reading{}
			for _, r := range whole {
				byID[r.MsgID] = r
			}
			for _, r := range second {
				w, ok := byID[r.MsgID]
				if !ok && r.Category != "occupancy" && r.Category != "setpoint" { // states report at a range's start
					t.Errorf("reading %s %s of the second day's range is not in the two days' range", r.MsgID, r.Category)
				}
				if ok && !cmp.Equal(w, r) {
					t.Errorf("reading %s differs by range: %v, %v", r.MsgID, w, r)
				}
			}
		})
	}
}

func collect(seq func(func(synth.Reading) bool)) []synth.Reading {
	var out []synth.Reading
	seq(func(r synth.Reading) bool { out = append(out, r); return true })
	return out
}

// TestPeople: households are shaped as documented; every child has a
// guardian who is an adult of the household with an account; e-mails are
// on the reserved domain and unique; names come from the synthetic list
// (PET-SYNTH, CONSENT-CHILD).
func TestPeople(t *testing.T) {
	m := parse(t, examples.All()[0])
	p := synth.New(m, 1).Population(400)
	emails := map[string]bool{}
	for _, h := range p.Households {
		if len(h.People) == 0 || h.People[0].Role != hearth.RoleOwner || !h.People[0].HasAccount() {
			t.Fatalf("%s: first person %+v, want an owner with an account", h.ID, h.People[0])
		}
		for _, q := range h.People {
			if q.HasAccount() {
				if !strings.HasSuffix(q.Email, "@"+synth.Domain) || emails[q.Email] {
					t.Errorf("%s: e-mail %q: want a unique address @%s", q.ID, q.Email, synth.Domain)
				}
				emails[q.Email] = true
			}
			if first, _, _ := strings.Cut(q.DisplayName, " "); !slices.Contains(synth.GivenNames, first) {
				t.Errorf("%s: display name %q not from GivenNames", q.ID, q.DisplayName)
			}
			if !q.HasAccount() && q.Role != hearth.RoleChild && (len(q.Decisions) > 0 || len(q.Features) > 0) {
				t.Errorf("%s (%s without an account) has decisions %v, features %v; nobody may make them", q.ID, q.Role, q.Decisions, q.Features)
			}
			if q.Role != hearth.RoleChild {
				if q.Guardian != "" {
					t.Errorf("%s (%s) has a guardian", q.ID, q.Role)
				}
				continue
			}
			g, ok := h.Person(q.Guardian)
			if !ok || !g.HasAccount() || (g.Role != hearth.RoleOwner && g.Role != hearth.RoleAdult) {
				t.Errorf("child %s: guardian %q is not an adult of %s with an account", q.ID, q.Guardian, h.ID)
			}
			if q.HasAccount() {
				t.Errorf("child %s has an account", q.ID)
			}
		}
	}
	s := p.Stats()
	// Proportions as documented, with a wide margin (400 households).
	perHH := float64(s.People) / float64(s.Households)
	if perHH < 1.8 || perHH > 3.2 || s.Children == 0 || s.Guests == 0 || s.Given == 0 || s.Refused == 0 {
		t.Errorf("stats %+v: want 1.8-3.2 people a household, some children, guests, consents given and refused", s)
	}
	if share := float64(s.Given) / float64(s.Given+s.Refused); share < 0.4 || share > 0.8 {
		t.Errorf("consents given: %.2f of decisions, want 0.4-0.8 (60%% give and 25%% refuse for energy insights)", share)
	}
}

// units are the plausible ranges of the units the examples declare.
var units = map[string][2]float64{
	"°C": {5, 35}, "%": {0, 100}, "dBm": {-100, -30}, "beats/min": {35, 200}, "ms": {10, 150},
	"min": {0, 60}, "s": {0, 600},
}

// TestConformance: every device model is declared; every reading's
// category is one its model produces; its values pass the policy's own
// shape check (the same one ingestion makes), and lie within the plausible
// range of their declared unit; people named are the household's
// (PET-SYNTH, MIN-GATE).
func TestConformance(t *testing.T) {
	for _, e := range examples.All() {
		t.Run(e.Name, func(t *testing.T) {
			m := parse(t, e)
			eng, err := policy.Compile(m)
			if err != nil {
				t.Fatal(err)
			}
			g := synth.New(m, 3)
			p := g.Population(15)
			seen := map[string]int{}
			for _, h := range p.Households {
				for _, d := range h.Devices {
					md, ok := m.Model(d.Model)
					if !ok {
						t.Fatalf("%s: model %q not declared", d.ID, d.Model)
					}
					for r := range g.DeviceReadings(&h, &d, day0, day2) {
						seen[r.Category]++
						if !slices.Contains(md.Categories, r.Category) {
							t.Fatalf("%s: category %q not produced by %s", r.MsgID, r.Category, d.Model)
						}
						if r.Person != "" {
							if _, ok := h.Person(r.Person); !ok {
								t.Fatalf("%s: person %q not in %s", r.MsgID, r.Person, h.ID)
							}
						}
						conform(t, m, eng, &h, r)
					}
				}
			}
			for _, md := range m.Models {
				for _, c := range md.Categories {
					if seen[c] == 0 {
						t.Errorf("no %s reading in two days of 15 households", c)
					}
				}
			}
		})
	}
}

// conform checks one reading's values.
func conform(t *testing.T, m *manifest.Manifest, eng *policy.Engine, h *synth.Household, r synth.Reading) {
	t.Helper()
	b, err := json.Marshal(r.Values)
	if err != nil {
		t.Fatal(err)
	}
	if a := eng.Conforms(r.Category, b); !a.Allow {
		t.Fatalf("%s %s %s: refused as %v", r.MsgID, r.Category, b, a.Reason)
	}
	c, _ := m.Category(r.Category)
	if c.Kind == manifest.KindLocation {
		lat, lon := r.Values["lat"].(float64), r.Values["lon"].(float64)
		if math.Abs(lat-h.Lat) > 0.05 || math.Abs(lon-h.Lon) > 0.1 {
			t.Errorf("%s: %v,%v is not near home %v,%v", r.MsgID, lat, lon, h.Lat, h.Lon)
		}
		return
	}
	for _, f := range c.Values {
		v := r.Values[f.Field]
		var x float64
		switch v := v.(type) {
		case int64:
			x = float64(v)
		case float64:
			x = v
		default:
			continue
		}
		if rg, ok := units[f.Unit]; ok && (x < rg[0] || x > rg[1]) {
			t.Errorf("%s %s.%s = %v %s, outside %v", r.MsgID, r.Category, f.Field, x, f.Unit, rg)
		}
	}
}

// TestDailyPatterns: the values follow the day: warmer rooms by day than
// at night, heart rates lower asleep, people leaving home by day and not at
// night.
func TestDailyPatterns(t *testing.T) {
	for _, e := range examples.All() {
		m := parse(t, e)
		g := synth.New(m, 11)
		p := g.Population(30)
		type acc struct{ day, night, nd, nn float64 }
		sums := map[string]*acc{}
		for r := range g.Readings(p, day0, day2) {
			h := r.Time.Hour()
			var x float64
			key := r.Category
			switch v := r.Values; {
			case v["celsius"] != nil && r.Category == "room-temperature":
				x = v["celsius"].(float64)
			case v["bpm"] != nil:
				x = float64(v["bpm"].(int64))
			case v["occupied"] == false: // a state: reported when someone leaves
				x = 1
			default:
				continue
			}
			a := sums[key]
			if a == nil {
				a = &acc{}
				sums[key] = a
			}
			switch {
			case h >= 13 && h < 16:
				a.day += x
				a.nd++
			case h >= 2 && h < 5:
				a.night += x
				a.nn++
			}
		}
		for cat, a := range sums {
			if cat == "occupancy" {
				if a.day == 0 || a.night != 0 {
					t.Errorf("%s: %v leaving at 13-16h, %v at 2-5h; want some by day, none at night", e.Name, a.day, a.night)
				}
				continue
			}
			d, n := a.day/a.nd, a.night/a.nn
			if !(d > n) {
				t.Errorf("%s %s: mean %.2f at 13-16h, %.2f at 2-5h; want more by day", e.Name, cat, d, n)
			}
		}
	}
}

// TestVolume: a household's day of readings is in the range a real home's
// devices send, so benchmarks drawing from synth see realistic rates.
func TestVolume(t *testing.T) {
	m := parse(t, examples.All()[0])
	g := synth.New(m, 5)
	p := g.Population(50)
	n := 0
	for range g.Readings(p, day0, day0.Add(24*time.Hour)) {
		n++
	}
	s := p.Stats()
	// A thermostat or sensor sends a temperature and a humidity every 5
	// minutes (576 a day), device health hourly and a few state changes.
	perDevice := float64(n) / float64(s.Devices)
	if perDevice < 576 || perDevice > 700 {
		t.Errorf("%d readings from %d devices in a day: %.0f a device, want 576-700", n, s.Devices, perDevice)
	}
	// A stream stops when asked.
	k := 0
	for range g.Readings(p, day0, day2) {
		if k++; k == 10 {
			break
		}
	}
	if k != 10 {
		t.Errorf("stopped after %d, want 10", k)
	}
}

// BenchmarkReadings measures how fast a stream of readings comes, for
// benchmarks that draw their payloads from it.
func BenchmarkReadings(b *testing.B) {
	m, _ := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	g := synth.New(m, 1)
	p := g.Population(10)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for range g.Readings(p, day0, day0.Add(time.Hour)) {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
}

// TestConsentOverride: Options.Consent sets the share who give a purpose's
// consent; a guardian still never gives a child's to profiling.
func TestConsentOverride(t *testing.T) {
	m := parse(t, examples.All()[0])
	for _, want := range []float64{0, 1} {
		p := synth.NewWithOptions(m, 4, synth.Options{Consent: map[string]float64{"energy-insights": want}}).Population(100)
		for _, h := range p.Households {
			for _, q := range h.People {
				for _, d := range q.Decisions {
					if d.Purpose == "energy-insights" && d.Give != (want == 1) && q.Role != hearth.RoleChild {
						t.Fatalf("consent rate %v: %s decided %+v", want, q.ID, d)
					}
				}
				if (q.HasAccount() || q.Role == hearth.RoleChild) && len(q.Decisions) == 0 {
					t.Errorf("consent rate %v: %s (%s) decided nothing; with a rate set everyone who may decides", want, q.ID, q.Role)
				}
			}
		}
	}
}
