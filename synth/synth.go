// Package synth generates synthetic households, people, devices, consent
// choices and readings from any privacy manifest, for the demo, tests and
// benchmarks (PET-SYNTH). It is seeded and deterministic: the same manifest,
// seed and arguments give the same output, byte for byte.
//
// Nothing it makes is about a real person: display names are given names
// from a fixed list (never a family name), e-mail addresses are on the
// reserved .example top-level domain (RFC 2606), homes are placed within a
// few kilometres of the centre of one of twelve large towns, and free text
// comes from fixed lists of invented phrases.
//
// A Generator makes a Population (the people, their devices and their
// consent decisions) and then streams readings over a time range, one
// device at a time or merged in time order, in memory that does not grow
// with the range. Load (load.go) puts a population into a running Hearth
// through its public paths.
package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Domain is the e-mail domain of every synthetic account: under the
// .example top-level domain, reserved by RFC 2606, so no address can reach
// anyone.
const Domain = "households.example"

// DefaultInterval is how often a device samples a category that reports
// continuously (such as a temperature), when Options.Interval is zero.
const DefaultInterval = 5 * time.Minute

// Options tune a Generator. A zero Options uses the defaults stated beside
// each field.
type Options struct {
	// Interval is how often a device samples a category that reports
	// continuously; DefaultInterval if zero, and at least a second (less
	// is taken as a second). Device health reports hourly,
	// states (such as occupancy) when they change, and events (such as a
	// voice request) a few times a day, whatever the interval.
	Interval time.Duration
	// Location is the time zone daily patterns follow (people wake, leave
	// and sleep by it); UTC if nil.
	Location *time.Location
	// Consent sets, by purpose ID, the chance (0 to 1) that a person who
	// may decide gives consent to the purpose; the others refuse it, so
	// everyone decides. A purpose not listed keeps the default rates (see
	// Population). A guardian still gives half as often for a child, and
	// never to advertising, marketing, profiling or automated decisions.
	Consent map[string]float64
}

// Generator makes synthetic data for one manifest. It is safe for
// concurrent use: every method derives its own random source from the seed.
type Generator struct {
	m        *manifest.Manifest
	seed     uint64
	opts     Options
	cats     map[string]*catPlan // by category ID
	worn     map[string]bool     // by model ID: a device one person wears or carries
	purposes []*manifest.Purpose // the purposes on consent, in declaration order
}

// New returns a generator for the manifest m, which must have been parsed
// by manifest.Parse, seeded with seed.
func New(m *manifest.Manifest, seed uint64) *Generator {
	return NewWithOptions(m, seed, Options{})
}

// NewWithOptions is New with options.
func NewWithOptions(m *manifest.Manifest, seed uint64, o Options) *Generator {
	switch {
	case o.Interval == 0:
		o.Interval = DefaultInterval
	case o.Interval < time.Second:
		o.Interval = time.Second
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	g := &Generator{m: m, seed: seed, opts: o, cats: map[string]*catPlan{}, worn: map[string]bool{}}
	for i := range m.Categories {
		c := &m.Categories[i]
		g.cats[c.ID] = planCategory(c, o.Interval)
		g.cats[c.ID].index = i
	}
	for i := range m.Models {
		g.worn[m.Models[i].ID] = wornModel(m, &m.Models[i])
	}
	for i := range m.Purposes {
		if m.Purposes[i].Basis == manifest.BasisConsent {
			g.purposes = append(g.purposes, &m.Purposes[i])
		}
	}
	return g
}

// Manifest returns the generator's manifest.
func (g *Generator) Manifest() *manifest.Manifest { return g.m }

// Seed returns the generator's seed.
func (g *Generator) Seed() uint64 { return g.seed }

// rng returns a random source derived from the seed and a label, so that
// each household, device and category has its own stream, unchanged by how
// many others there are.
func (g *Generator) rng(label string, n ...int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%v", label, n)
	s := h.Sum64()
	return rand.New(rand.NewPCG(g.seed, s))
}

// wornModel reports whether a model is a device one person wears or
// carries: it produces health data or a location a person moves through
// (a location category offered at street or finer precision). Everything
// else is a shared device of the home, such as a thermostat or a speaker.
func wornModel(m *manifest.Manifest, d *manifest.Model) bool {
	for _, id := range d.Categories {
		c, ok := m.Category(id)
		if !ok {
			continue
		}
		if c.Kind == manifest.KindSpecial && c.SpecialType == "health" {
			return true
		}
		if c.Kind == manifest.KindLocation {
			for _, gr := range c.Granularities {
				if gr == "precise" || gr == "street" {
					return true
				}
			}
		}
	}
	return false
}

// Population is a set of synthetic households made by Generator.Population.
type Population struct {
	Seed            uint64      `json:"seed"`
	ManifestVersion string      `json:"manifest_version"`
	Households      []Household `json:"households"`
}

// Household is one synthetic home. IDs in a population are synthetic keys
// such as "h0003" and "h0003-p2", not Hearth's IDs: Load maps them.
type Household struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Town    string   `json:"town"`     // the town the home is in (a large town, never an address)
	Lat     float64  `json:"lat"`      // the home's position: the town's centre, moved by up to about 3 km
	Lon     float64  `json:"lon"`      //
	People  []Person `json:"people"`   // the owner first
	Devices []Device `json:"devices"`  //
	Offset  int      `json:"offset_s"` // seconds the household's days are shifted by, so homes do not all wake at once
}

// Person is a synthetic member of a household.
type Person struct {
	ID          string      `json:"id"`
	DisplayName string      `json:"display_name"`
	Role        hearth.Role `json:"role"`
	// Email is the sign-in address of a person with an account, on Domain,
	// such as "robin.h0003-p2-s1@households.example" (name, person, seed);
	// "" for a profile without one (every child, most guests).
	Email string `json:"email,omitempty"`
	// Guardian is the ID of the adult who decides for a child; "" for
	// anyone else.
	Guardian string `json:"guardian,omitempty"`
	// Works says whether the person is usually out on weekdays (at work or
	// at school), which shapes when they are at home.
	Works bool `json:"works"`
	// Decisions are the consent decisions made for the person, by
	// themselves or, for a child, by their guardian; none for a profile
	// without an account, for whom nobody may decide. A purpose not listed
	// was never decided.
	Decisions []Decision `json:"decisions,omitempty"`
	// Features are the features switched on for the person (by whoever
	// made their decisions).
	Features []string `json:"features,omitempty"`
	// Location is the location precision the person shares, such as "city";
	// "" when they share none.
	Location string `json:"location,omitempty"`
}

// HasAccount reports whether the person signs in.
func (p *Person) HasAccount() bool { return p.Email != "" }

// Decision is one consent decision.
type Decision struct {
	Purpose string `json:"purpose"`
	Give    bool   `json:"give"` // true: given; false: refused
}

// Gave reports whether the person's consent to purpose was given.
func (p *Person) Gave(purpose string) bool {
	for _, d := range p.Decisions {
		if d.Purpose == purpose {
			return d.Give
		}
	}
	return false
}

// Device is one synthetic device of a household.
type Device struct {
	ID       string `json:"id"`
	Model    string `json:"model"`
	Firmware string `json:"firmware"`
	// Wearer is the ID of the person who wears or carries the device (a
	// fitness band); "" for a device shared by the home.
	Wearer string `json:"wearer,omitempty"`
}

// Person returns the household's person with that ID.
func (h *Household) Person(id string) (*Person, bool) {
	for i := range h.People {
		if h.People[i].ID == id {
			return &h.People[i], true
		}
	}
	return nil, false
}

// Stats counts what a population holds.
type Stats struct {
	Households, People, Accounts, Children, Guests, Devices int
	Given, Refused                                          int // consent decisions
}

// Stats counts the population's households, people and decisions.
func (p *Population) Stats() Stats {
	var s Stats
	s.Households = len(p.Households)
	for _, h := range p.Households {
		s.Devices += len(h.Devices)
		for _, q := range h.People {
			s.People++
			if q.HasAccount() {
				s.Accounts++
			}
			switch q.Role {
			case hearth.RoleChild:
				s.Children++
			case hearth.RoleGuest:
				s.Guests++
			}
			for _, d := range q.Decisions {
				if d.Give {
					s.Given++
				} else {
					s.Refused++
				}
			}
		}
	}
	return s
}
