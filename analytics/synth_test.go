package analytics_test

import (
	"math"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/synth"
)

// TestSyntheticPopulation: PET-DP, PET-SYNTH: on a synthetic population
// (package synth: households of every shape, children whose guardian
// decides, people who gave, refused or never decided), the people count
// by role matches what the population's decisions say, each household's
// people capped at max_contributions = 2 per role; with 4 groups and 2
// contributions the noise has scale 4·2/(ε/2) = 1.6 at ε = 10, so a
// deviation of 30 has probability below e⁻¹⁸. Counting everyone instead
// would be off by far more.
func TestSyntheticPopulation(t *testing.T) {
	e := newEnv(t, budget10...)
	pop := synth.New(e.m, 17).Population(200)
	want := map[hearth.Role]float64{}
	everyone := 0.0
	for _, h := range pop.Households {
		per := map[hearth.Role]int{}
		ids := e.load(t, &h)
		for _, p := range h.People {
			everyone++
			if !p.Gave(stats) {
				continue
			}
			actor := ids[p.ID]
			if p.Guardian != "" {
				actor = ids[p.Guardian]
			}
			if _, err := e.consents.Give(e.ctx, actor, ids[p.ID], stats, hearth.MethodApp, ""); err != nil {
				t.Fatalf("give for %s (%s): %v", p.ID, p.Role, err)
			}
			if per[p.Role] < 2 {
				per[p.Role]++
				want[p.Role]++
			}
		}
	}
	r, err := e.svc.Query(e.ctx, "op", analytics.Query{Dataset: analytics.People, Kind: analytics.Count, Epsilon: 10, MaxContributions: 2})
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	total := 0.0
	for _, g := range r.Groups {
		w := want[hearth.Role(g.Key)]
		if g.Suppressed {
			if w >= 40 {
				t.Errorf("%s withheld, want about %v", g.Key, w)
			}
			continue
		}
		total += *g.Value
		if math.Abs(*g.Value-w) > 30 {
			t.Errorf("%s = %v, want %v ± 30", g.Key, *g.Value, w)
		}
	}
	t.Logf("want %v, counted %v of %v people", want, total, everyone)
	if want[hearth.RoleOwner] < 60 || everyone-total < 100 {
		t.Errorf("the population is too small to tell: %v consenting owners, %v people, %v counted", want[hearth.RoleOwner], everyone, total)
	}
}

// load stores a synthetic household (its people as members, with
// accounts where they have one) and returns the Hearth person IDs by
// synthetic ID.
func (e *env) load(t *testing.T, h *synth.Household) map[string]string {
	t.Helper()
	ids := map[string]string{}
	hh := hearth.NewID("hh_")
	for i, p := range h.People {
		per := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: p.DisplayName, Created: e.now}
		ids[p.ID] = per.ID
		m := &hearth.Member{HouseholdID: hh, PersonID: per.ID, Role: p.Role, GuardianID: ids[p.Guardian], Added: e.now}
		if i == 0 {
			a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.Email), PasswordHash: "x", PersonID: per.ID, Created: e.now}
			per.AccountID = a.ID
			if err := e.db.CreateAccount(e.ctx, a, per); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			if err := e.db.CreateHousehold(e.ctx, &hearth.Household{ID: hh, Name: h.Name, Created: e.now}, m); err != nil {
				t.Fatalf("CreateHousehold: %v", err)
			}
			continue
		}
		per.HouseholdID = hh
		if err := e.db.CreatePerson(e.ctx, per, m); err != nil {
			t.Fatalf("CreatePerson: %v", err)
		}
	}
	return ids
}
