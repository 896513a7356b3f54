package analytics_test

import (
	"math"
	"os"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
)

// budget10 gives every dataset ε = 10, for tests that ask several precise
// queries.
var budget10 = []string{"epsilon: 4", "epsilon: 10"}

// TestConsentedOnly: PET-DP, CONSENT-WITHDRAW: statistics count only the
// households of people who consented to the analytics purpose, and a
// withdrawal removes them from the next query. The count's noise has
// scale 1/(ε/2) = 0.4 at ε = 5: a deviation of 8 has probability e⁻²⁰.
func TestConsentedOnly(t *testing.T) {
	e := newEnv(t, budget10...)
	var in []home
	for i := range 60 {
		h := e.household(t, i < 40)
		e.readings(t, h, 3, 20)
		if i < 40 {
			in = append(in, h)
		}
	}
	r, err := e.svc.Query(e.ctx, "op", e.count(5))
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if v := value(t, r); math.Abs(v-40) > 8 {
		t.Errorf("count = %v, want 40 ± 8: the 40 consenting households, one reading each (not the 20 others)", v)
	}
	for _, h := range in[:20] {
		e.withdraw(t, h.owner)
	}
	r, err = e.svc.Query(e.ctx, "op", e.count(5))
	if err != nil {
		t.Fatalf("Query after withdrawals: %v", err)
	}
	if v := value(t, r); math.Abs(v-20) > 8 {
		t.Errorf("count after 20 withdrew = %v, want 20 ± 8", v)
	}
}

// TestContributionBounded: PET-DP: one household with 10,000 readings far
// above the bounds moves a sum by at most the bound (one value clamped to
// upper = 30), not by 10,000 of them. The sum's noise has scale
// 30/(ε/2) ≈ 6.7 at ε = 9: a deviation of 150 has probability e⁻²².
func TestContributionBounded(t *testing.T) {
	e := newEnv(t, budget10...)
	for range 12 {
		e.readings(t, e.household(t, true), 1, 20)
	}
	heavy := e.household(t, true)
	e.readings(t, heavy, 10000, 1000)
	q := analytics.Query{Dataset: "room-temperature", Kind: analytics.Sum, Field: "celsius", Lower: 0, Upper: 30,
		From: e.day, To: e.day.AddDate(0, 0, 1), Epsilon: 9}
	r, err := e.svc.Query(e.ctx, "op", q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	const want = 12*20 + 30
	if v := value(t, r); math.Abs(v-want) > 150 {
		t.Errorf("sum = %v, want %d ± 150: the heavy household adds at most 30", v, want)
	}
}

// TestSmallGroupsSuppressed: PET-DP: a group of fewer households than the
// manifest's min_group (10) is withheld, and the result says so; a day
// with enough households is published.
func TestSmallGroupsSuppressed(t *testing.T) {
	e := newEnv(t, budget10...)
	for range 3 {
		e.readings(t, e.household(t, true), 2, 20)
	}
	for range 30 {
		h := e.household(t, true)
		e.day = e.day.AddDate(0, 0, 1)
		e.readings(t, h, 1, 21)
		e.day = e.day.AddDate(0, 0, -1)
	}
	q := analytics.Query{Dataset: "room-temperature", Kind: analytics.Mean, Field: "celsius", Lower: 0, Upper: 40, Bucket: "day",
		From: e.day, To: e.day.AddDate(0, 0, 2), Epsilon: 8}
	r, err := e.svc.Query(e.ctx, "op", q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if len(r.Groups) != 2 || r.MinGroup != 10 || r.Suppressed != 1 {
		t.Fatalf("result = %+v, want two days, min_group 10, one suppressed", r)
	}
	small, big := r.Groups[0], r.Groups[1]
	if !small.Suppressed || small.Value != nil || small.Households != nil || !small.Bucket.Equal(e.day) {
		t.Errorf("the day of 3 households = %+v, want withheld, without value or count", small)
	}
	if big.Suppressed || big.Value == nil || math.Abs(*big.Value-21) > 2 {
		t.Errorf("the day of 30 households = %+v, want published, near 21", big)
	}
}

// TestBudgetEnforced: PET-DP ("budget exhausted: query refused"): each
// query charges its ε before it runs; once the dataset's budget cannot
// cover a query it is refused with EREFUSED and nothing is charged; other
// datasets keep their budgets.
func TestBudgetEnforced(t *testing.T) {
	e := newEnv(t) // ε = 4 per dataset
	for range 3 {
		e.readings(t, e.household(t, true), 1, 20)
	}
	for i, eps := range []float64{1.5, 1.5, 1} {
		if _, err := e.svc.Query(e.ctx, "op", e.count(eps)); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	_, err := e.svc.Query(e.ctx, "op", e.count(0.5))
	wantCode(t, err, hearth.EREFUSED)
	t.Logf("refusal: %v", err)
	bs, err := e.svc.Budgets(e.ctx)
	if err != nil {
		t.Fatalf("Budgets: %v", err)
	}
	for _, b := range bs {
		switch b.Dataset {
		case "room-temperature":
			if b.SpentEpsilon != 4 || b.Queries != 3 || b.RemainingEpsilon() != 0 {
				t.Errorf("room-temperature budget = %+v, want 4 of 4 spent by 3 queries: the refused one charged nothing", b)
			}
		default:
			if b.SpentEpsilon != 0 || b.Epsilon != 4 {
				t.Errorf("%s budget = %+v, want untouched", b.Dataset, b)
			}
		}
	}
	if _, err := e.svc.Query(e.ctx, "op", analytics.Query{Dataset: analytics.People, Kind: analytics.Count, Epsilon: 1}); err != nil {
		t.Errorf("a query of another dataset: %v, want answered", err)
	}
}

// TestConcurrentQueriesNeverOverspend: PET-DP: queries racing for the
// last of a budget never spend more than it: with ε = 4 and twelve
// queries of ε = 1 at once, exactly four are answered. On PostgreSQL the
// queries come from two nodes, each with its own connection to the store.
func TestConcurrentQueriesNeverOverspend(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		e := newEnv(t)
		race(t, e, e.svc, e.svc)
	})
	t.Run("postgres", func(t *testing.T) {
		data, keys := pgtest.Store(t)
		var dbs []hearth.Store
		for range 2 {
			db, err := postgres.Open(t.Context(), data, keys)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		e := newEnvOn(t, dbs[0])
		other, err := analytics.NewService(analytics.Config{Store: dbs[1], Manifest: e.m, Policy: e.cache.Policy(), Subjects: e.cache, Opener: e.keyring})
		if err != nil {
			t.Fatal(err)
		}
		race(t, e, e.svc, other)
	})
}

// race sends twelve queries of ε = 1 at once, alternately to a and b, on
// a budget of 4.
func race(t *testing.T, e *env, a, b *analytics.Service) {
	e.readings(t, e.household(t, true), 1, 20)
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered, refused := 0, 0
	for i := range 12 {
		svc := a
		if i%2 == 1 {
			svc = b
		}
		wg.Go(func() {
			_, err := svc.Query(e.ctx, "op", e.count(1))
			mu.Lock()
			defer mu.Unlock()
			switch hearth.ErrorCode(err) {
			case "":
				answered++
			case hearth.EREFUSED:
				refused++
			default:
				t.Errorf("Query: %v", err)
			}
		})
	}
	wg.Wait()
	if answered != 4 || refused != 8 {
		t.Errorf("answered %d, refused %d; want 4 and 8", answered, refused)
	}
	spends, err := e.db.PrivacySpends(e.ctx, "room-temperature")
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, s := range spends {
		total += s.Epsilon
	}
	if total > 4 {
		t.Errorf("spent ε %v, over the budget of 4", total)
	}
}

// TestInvalidQueries: every bad query is refused with EINVALID naming its
// field, before anything is charged.
func TestInvalidQueries(t *testing.T) {
	e := newEnv(t)
	day := e.count(1)
	tests := []struct {
		name  string
		edit  func(q *analytics.Query)
		field string
	}{
		{"no epsilon", func(q *analytics.Query) { q.Epsilon = 0 }, "epsilon"},
		{"NaN epsilon", func(q *analytics.Query) { q.Epsilon = math.NaN() }, "epsilon"},
		{"unknown dataset", func(q *analytics.Query) { q.Dataset = "occupancy" }, "dataset"},
		{"unknown kind", func(q *analytics.Query) { q.Kind = "median" }, "kind"},
		{"delta with Laplace", func(q *analytics.Query) { q.Delta = 1e-6 }, "delta"},
		{"gaussian without delta", func(q *analytics.Query) { q.Noise = analytics.Gaussian }, "delta"},
		{"unknown noise", func(q *analytics.Query) { q.Noise = "uniform" }, "noise"},
		{"no range", func(q *analytics.Query) { q.To = q.From }, "from"},
		{"unknown bucket", func(q *analytics.Query) { q.Bucket = "year" }, "bucket"},
		{"too many groups", func(q *analytics.Query) { q.Bucket = "hour"; q.To = q.From.AddDate(0, 3, 0) }, "bucket"},
		{"sum without field", func(q *analytics.Query) { q.Kind = analytics.Sum }, "field"},
		{"sum of a string", func(q *analytics.Query) {
			q.Dataset, q.Kind, q.Field, q.Upper = "setpoint", analytics.Sum, "source", 1
		}, "field"},
		{"mean without bounds", func(q *analytics.Query) { q.Kind, q.Field = analytics.Mean, "celsius" }, "lower"},
		{"histogram without bins", func(q *analytics.Query) { q.Kind, q.Field = analytics.Histogram, "celsius" }, "bins"},
		{"histogram bins out of order", func(q *analytics.Query) {
			q.Kind, q.Field, q.Bins = analytics.Histogram, "celsius", []float64{10, 5}
		}, "bins"},
		{"people by day", func(q *analytics.Query) { q.Dataset = analytics.People; q.Bucket = "day" }, "bucket"},
		{"mean of devices", func(q *analytics.Query) { q.Dataset, q.Kind = analytics.Devices, analytics.Mean }, "kind"},
		{"too many contributions", func(q *analytics.Query) { q.MaxContributions = 5000 }, "max_contributions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := day
			tt.edit(&q)
			_, err := e.svc.Query(e.ctx, "op", q)
			wantCode(t, err, hearth.EINVALID)
			var he *hearth.Error
			if !asError(err, &he) || he.Field != tt.field {
				t.Errorf("error = %v, want field %q", err, tt.field)
			}
		})
	}
	bs, err := e.svc.Budgets(e.ctx)
	if err != nil {
		t.Fatalf("Budgets: %v", err)
	}
	for _, b := range bs {
		if b.Queries != 0 {
			t.Errorf("%s was charged %d times by refused queries", b.Dataset, b.Queries)
		}
	}
}

// TestPeopleAndDevices: PET-DP: the people count groups the consenting
// people by role; the devices count, by model, counts the devices of
// households whose members all consented. With one group and one
// contribution per household the noise has scale 0.4 at ε = 5.
func TestPeopleAndDevices(t *testing.T) {
	e := newEnv(t, budget10...)
	for i := range 30 {
		e.household(t, i < 20)
	}
	r, err := e.svc.Query(e.ctx, "op", analytics.Query{Dataset: analytics.People, Kind: analytics.Count, Epsilon: 5, MaxGroups: 1, MaxContributions: 1})
	if err != nil {
		t.Fatalf("people: %v", err)
	}
	if len(r.Groups) != 4 || r.Groups[0].Key != "owner" || r.Groups[0].Value == nil || math.Abs(*r.Groups[0].Value-20) > 8 {
		t.Errorf("people = %+v, want owners near 20 first", r.Groups)
	}
	if !r.Groups[2].Suppressed {
		t.Errorf("children = %+v, want withheld: there are none", r.Groups[2])
	}
	r, err = e.svc.Query(e.ctx, "op", analytics.Query{Dataset: analytics.Devices, Kind: analytics.Count, Epsilon: 5, MaxGroups: 1, MaxContributions: 1})
	if err != nil {
		t.Fatalf("devices: %v", err)
	}
	if len(r.Groups) != 2 || r.Groups[0].Key != "ember-t1" || r.Groups[0].Value == nil || math.Abs(*r.Groups[0].Value-20) > 8 {
		t.Errorf("devices = %+v, want ember-t1 near 20", r.Groups)
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
