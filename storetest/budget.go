package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// spend returns a spend of epsilon and delta on dataset at offset d.
func spend(dataset string, epsilon, delta float64, d time.Duration) hearth.PrivacySpend {
	return hearth.PrivacySpend{Dataset: dataset, Epsilon: epsilon, Delta: delta,
		Query: "count presence by day", Actor: "p_operator", Time: at(d)}
}

// testPrivacyBudget covers PrivacyBudgetStore. PET-DP: spends within a
// dataset's budget are recorded, one that would exceed it is refused and
// leaves no trace, and spends racing each other never exceed it together.
func testPrivacyBudget(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("WithinAndOver", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var want []hearth.PrivacySpend
		for i := range 10 { // ten of 0.1 make 1.0, up to a rounding error
			sp := spend("presence", 0.1, 1e-7, time.Duration(i)*time.Second)
			must(t, fmt.Sprintf("SpendPrivacyBudget %d", i), s.SpendPrivacyBudget(ctx(t), sp, 1.0, 1e-6))
			want = append(want, sp)
		}
		wantCode(t, "SpendPrivacyBudget over epsilon", s.SpendPrivacyBudget(ctx(t), spend("presence", 0.01, 0, time.Minute), 1.0, 1e-6), hearth.EREFUSED)
		must(t, "SpendPrivacyBudget under a larger budget", s.SpendPrivacyBudget(ctx(t), spend("presence", 0.5, 0, time.Minute), 1.5, 1e-6))
		want = append(want, spend("presence", 0.5, 0, time.Minute))
		wantCode(t, "SpendPrivacyBudget over delta", s.SpendPrivacyBudget(ctx(t), spend("presence", 0.1, 1e-6, time.Hour), 10, 1e-6), hearth.EREFUSED)
		got, err := s.PrivacySpends(ctx(t), "presence")
		must(t, "PrivacySpends", err)
		diff(t, "PrivacySpends after refusals", got, want)

		// Each dataset has its own budget.
		other := spend("temperature", 1.0, 0, 0)
		must(t, "SpendPrivacyBudget on another dataset", s.SpendPrivacyBudget(ctx(t), other, 1.0, 0))
		got, err = s.PrivacySpends(ctx(t), "temperature")
		must(t, "PrivacySpends", err)
		diff(t, "PrivacySpends of another dataset", got, []hearth.PrivacySpend{other})
		got, err = s.PrivacySpends(ctx(t), "none")
		must(t, "PrivacySpends", err)
		diff(t, "PrivacySpends of a dataset never spent", got, []hearth.PrivacySpend(nil))
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, tt := range []struct {
			name     string
			s        hearth.PrivacySpend
			eps, del float64
		}{
			{"no dataset", spend("", 0.1, 0, 0), 1, 0},
			{"zero epsilon", spend("d", 0, 0, 0), 1, 0},
			{"negative epsilon", spend("d", -0.1, 0, 0), 1, 0},
			{"NaN epsilon", spend("d", math.NaN(), 0, 0), 1, 0},
			{"infinite epsilon", spend("d", math.Inf(1), 0, 0), math.Inf(1), 0},
			{"negative delta", spend("d", 0.1, -1e-9, 0), 1, 0},
			{"NaN delta", spend("d", 0.1, math.NaN(), 0), 1, 1},
			{"infinite budget", spend("d", 0.1, 0, 0), math.Inf(1), 0},
			{"negative budget", spend("d", 0.1, 0, 0), 1, -1},
			{"no time", hearth.PrivacySpend{Dataset: "d", Epsilon: 0.1}, 1, 0},
		} {
			wantCode(t, "SpendPrivacyBudget with "+tt.name, s.SpendPrivacyBudget(ctx(t), tt.s, tt.eps, tt.del), hearth.EINVALID)
		}
		got, err := s.PrivacySpends(ctx(t), "d")
		must(t, "PrivacySpends", err)
		diff(t, "PrivacySpends after invalid spends", got, []hearth.PrivacySpend(nil))
	})
	t.Run("ConcurrentSpendsStayWithin", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n, fit = 12, 4 // twelve spends of 0.25 race for a budget of 1.0
		errs := atOnce(n, func(i int) error {
			return s.SpendPrivacyBudget(ctx(t), spend("presence", 0.25, 0, time.Duration(i)*time.Second), 1.0, 0)
		})
		ok := 0
		for i, err := range errs {
			if err == nil {
				ok++
				continue
			}
			wantCode(t, fmt.Sprintf("SpendPrivacyBudget %d", i), err, hearth.EREFUSED)
		}
		if ok != fit {
			t.Errorf("%d of %d racing spends recorded, want %d", ok, n, fit)
		}
		got, err := s.PrivacySpends(ctx(t), "presence")
		must(t, "PrivacySpends", err)
		if len(got) != fit {
			t.Errorf("%d spends recorded, want %d", len(got), fit)
		}
	})
}
