package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// MaxHouseholds bounds Population's n.
const MaxHouseholds = 1_000_000

// Population returns n synthetic households (0 <= n <= MaxHouseholds;
// outside that it returns none). Household i is the same whatever n is, so
// Population(10) starts with Population(3).
//
// Households are shaped after common household types: one adult (30%), a
// couple (30%), a couple with children (25%), one adult with children (8%),
// three or four sharers (7%); one in seven has a guest. Children are rarer
// when the manifest does not say children are likely users. The owner has
// an account; another adult has one nine times in ten (a profile without
// one otherwise); children and most guests have none. Each child's guardian
// is an adult of the household with an account.
//
// Each shared model of the manifest is in a household with a chance that
// falls with its position among them (the first shared model always, one
// or two of it); a model worn by one person (see Device.Wearer) is worn by
// each adult with an account with a chance of 70%. A household left with
// no device gets one of the manifest's first model.
//
// Consent decisions follow the purpose: about 60% give, 25% refuse and 15%
// never decide an ordinary consent; explicit consent to special category
// data is given by 40%; advertising, marketing, profiling and automated
// decisions by 20%. A guardian gives half as often for a child and never to
// advertising, marketing, profiling or automated decisions. Guests with an
// account mostly never decide. Nobody decides for an adult or a guest
// without an account (policy.MayConsent), so they have no decisions. A feature is switched on for a person who gave every
// consent it needs, nine times in ten, with the coarsest location precision
// it offers.
func (g *Generator) Population(n int) *Population {
	p := &Population{Seed: g.seed, ManifestVersion: g.m.Version}
	if n < 0 || n > MaxHouseholds {
		return p
	}
	p.Households = make([]Household, n)
	for i := range n {
		p.Households[i] = g.household(i)
	}
	return p
}

// Household returns household i of the population, as Population does.
func (g *Generator) Household(i int) Household { return g.household(i) }

func (g *Generator) household(i int) Household {
	r := g.rng("household", i)
	id := fmt.Sprintf("h%04d", i+1)
	t := towns[r.IntN(len(towns))]
	// Up to about 3 km from the centre, so the home is in the town but no
	// two homes share a point.
	lat := t.Lat + (r.Float64()-0.5)*0.05
	lon := t.Lon + (r.Float64()-0.5)*0.05/math.Cos(t.Lat*math.Pi/180)
	h := Household{
		ID: id, Name: fmt.Sprintf("%s house %d", houseNames[r.IntN(len(houseNames))], i+1),
		Town: t.Name, Lat: round(lat, 4), Lon: round(lon, 4),
		Offset: r.IntN(3600) - 1800,
	}
	h.People = g.people(r, id)
	h.Devices = g.devices(r, &h)
	for k := range h.People {
		if q := &h.People[k]; q.HasAccount() || q.Role == hearth.RoleChild {
			g.decide(r, q) // nobody decides for an adult or a guest without an account
		}
	}
	return h
}

// people makes the household's members: adults (the owner first), then
// children, then a guest.
func (g *Generator) people(r *rand.Rand, hh string) []Person {
	adults, children := composition(r, g.m.ChildrenLikely)
	var ps []Person
	names := map[string]int{}
	add := func(role hearth.Role, account bool) *Person {
		name := GivenNames[r.IntN(len(GivenNames))]
		names[name]++
		if names[name] > 1 {
			name = fmt.Sprintf("%s %d", name, names[name])
		}
		p := Person{ID: fmt.Sprintf("%s-p%d", hh, len(ps)+1), DisplayName: name, Role: role}
		if account {
			p.Email = fmt.Sprintf("%s.%s-s%d@%s", strings.ToLower(strings.ReplaceAll(name, " ", "")), p.ID, g.seed, Domain)
		}
		ps = append(ps, p)
		return &ps[len(ps)-1]
	}
	for k := range adults {
		role := hearth.RoleAdult
		if k == 0 {
			role = hearth.RoleOwner
		}
		a := add(role, k == 0 || r.Float64() < 0.9)
		a.Works = r.Float64() < 0.7
	}
	var guardians []string
	for _, p := range ps {
		if p.HasAccount() {
			guardians = append(guardians, p.ID)
		}
	}
	for range children {
		c := add(hearth.RoleChild, false)
		c.Guardian = guardians[r.IntN(len(guardians))]
		c.Works = true // at school on weekdays
	}
	if r.Float64() < 1.0/7 {
		add(hearth.RoleGuest, r.Float64() < 0.2)
	}
	return ps
}

// composition returns how many adults and children a household has.
func composition(r *rand.Rand, childrenLikely bool) (adults, children int) {
	kids := func() int {
		if !childrenLikely && r.Float64() < 0.5 {
			return 0
		}
		return 1 + r.IntN(3)
	}
	switch x := r.Float64(); {
	case x < 0.30:
		return 1, 0
	case x < 0.60:
		return 2, 0
	case x < 0.85:
		return 2, kids()
	case x < 0.93:
		return 1, kids()
	default:
		return 3 + r.IntN(2), 0
	}
}

// devices picks the household's devices from the manifest's models.
func (g *Generator) devices(r *rand.Rand, h *Household) []Device {
	var ds []Device
	add := func(model, wearer string) {
		ds = append(ds, Device{
			ID: fmt.Sprintf("%s-d%d", h.ID, len(ds)+1), Model: model, Wearer: wearer,
			Firmware: fmt.Sprintf("1.%d.%d", 2+r.IntN(3), r.IntN(10)),
		})
	}
	shared := 0
	for i := range g.m.Models {
		md := &g.m.Models[i]
		if g.worn[md.ID] {
			for _, p := range h.People {
				if p.HasAccount() && p.Role != hearth.RoleGuest && r.Float64() < 0.7 {
					add(md.ID, p.ID)
				}
			}
			continue
		}
		n := 0
		switch {
		case shared == 0:
			n = 1 + r.IntN(2)
		case r.Float64() < 0.6/float64(shared):
			n = 1 + r.IntN(3)
		}
		shared++
		for range n {
			add(md.ID, "")
		}
	}
	if len(ds) == 0 && len(g.m.Models) > 0 { // every worn model was left at the shop
		add(g.m.Models[0].ID, wearerFor(g.worn[g.m.Models[0].ID], h))
	}
	return ds
}

// wearerFor returns the owner's ID for a worn model, "" for a shared one.
func wearerFor(worn bool, h *Household) string {
	if worn {
		return h.People[0].ID
	}
	return ""
}

// decide makes the person's consent decisions and switches their features.
func (g *Generator) decide(r *rand.Rand, p *Person) {
	for _, pu := range g.purposes {
		give, refuse := rates(pu, p.Role, g.opts.Consent)
		switch x := r.Float64(); {
		case x < give:
			p.Decisions = append(p.Decisions, Decision{Purpose: pu.ID, Give: true})
		case x < give+refuse:
			p.Decisions = append(p.Decisions, Decision{Purpose: pu.ID, Give: false})
		}
	}
	for i := range g.m.Features {
		f := &g.m.Features[i]
		if g.consented(p, f) && r.Float64() < 0.9 {
			p.Features = append(p.Features, f.ID)
			if n := len(f.Granularities); n > 0 && coarser(f.Granularities[n-1], p.Location) {
				p.Location = f.Granularities[n-1]
			}
		}
	}
}

// consented reports whether the person gave every consent the feature's
// purposes need.
func (g *Generator) consented(p *Person, f *manifest.Feature) bool {
	for _, id := range f.Purposes {
		if pu, ok := g.m.Purpose(id); ok && pu.Basis == manifest.BasisConsent && !p.Gave(id) {
			return false
		}
	}
	return true
}

// coarser reports whether granularity a is coarser than b ("" is finer
// than any: nothing shared yet, so the first choice wins).
func coarser(a, b string) bool {
	if b == "" {
		return true
	}
	return slices.Index(manifest.Granularities, a) > slices.Index(manifest.Granularities, b)
}

// rates returns the chances of giving and of refusing a consent purpose,
// for a person of the role, with the overrides of Options.Consent.
func rates(pu *manifest.Purpose, role hearth.Role, override map[string]float64) (give, refuse float64) {
	intrusive := pu.Advertising || pu.Marketing || pu.Profiling || pu.AutomatedDecision
	x, set := override[pu.ID]
	switch {
	case set:
		give = clamp(x, 0, 1)
		refuse = 1 - give
	case intrusive:
		give, refuse = 0.20, 0.60
	case pu.Art9Condition != "":
		give, refuse = 0.40, 0.40
	default:
		give, refuse = 0.60, 0.25
	}
	switch {
	case role == hearth.RoleChild && intrusive:
		give = 0
	case role == hearth.RoleChild:
		give /= 2
	case role == hearth.RoleGuest && !set:
		return give / 6, refuse / 3
	}
	if set { // everyone who may decides
		refuse = 1 - give
	}
	return give, refuse
}

// round rounds x to d decimal places.
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}
