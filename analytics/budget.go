package analytics

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Budget is one dataset's privacy budget: what the manifest allows all
// its queries together, and what they have spent.
type Budget struct {
	Dataset      string  `json:"dataset"`
	Epsilon      float64 `json:"epsilon"`       // the budget ε
	Delta        float64 `json:"delta"`         // the budget δ
	SpentEpsilon float64 `json:"spent_epsilon"` // ε spent so far
	SpentDelta   float64 `json:"spent_delta"`   // δ spent so far
	Queries      int     `json:"queries"`       // queries charged
}

// RemainingEpsilon returns the ε left to spend, never below 0.
func (b Budget) RemainingEpsilon() float64 { return max(0, b.Epsilon-b.SpentEpsilon) }

// Datasets returns the datasets of the analytics purpose: its categories,
// then People and Devices; nil without one.
func (s *Service) Datasets() []string {
	if s.purpose == nil {
		return nil
	}
	return append(append([]string(nil), s.purpose.Categories...), People, Devices)
}

// Budgets returns every dataset's budget, in the order of Datasets. It
// returns EREFUSED without an analytics purpose.
func (s *Service) Budgets(ctx context.Context) ([]Budget, error) {
	if s.purpose == nil {
		return nil, errNoPurpose()
	}
	var out []Budget
	for _, d := range s.Datasets() {
		b, err := s.budget(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// budget returns one dataset's budget.
func (s *Service) budget(ctx context.Context, dataset string) (Budget, error) {
	spends, err := s.cfg.Store.PrivacySpends(ctx, dataset)
	if err != nil {
		return Budget{}, fmt.Errorf("privacy spends: %w", err)
	}
	b := Budget{Dataset: dataset, Epsilon: s.purpose.Statistics.Epsilon, Delta: s.purpose.Statistics.Delta, Queries: len(spends)}
	for _, sp := range spends {
		b.SpentEpsilon += sp.Epsilon
		b.SpentDelta += sp.Delta
	}
	return b, nil
}

// charge spends q's ε and δ from its dataset's budget before it runs,
// atomically, and returns the budget after it. Once the budget cannot
// cover the query it returns EREFUSED saying what is left, and charges
// nothing.
func (s *Service) charge(ctx context.Context, actor string, q *Query) (Budget, error) {
	st := s.purpose.Statistics
	err := s.cfg.Store.SpendPrivacyBudget(ctx, hearth.PrivacySpend{Dataset: q.Dataset, Epsilon: q.Epsilon, Delta: q.Delta,
		Query: q.String(), Actor: actor, Time: s.cfg.Now()}, st.Epsilon, st.Delta)
	if hearth.ErrorCode(err) == hearth.EREFUSED {
		b, berr := s.budget(ctx, q.Dataset)
		if berr != nil {
			return Budget{}, berr
		}
		return b, &hearth.Error{Code: hearth.EREFUSED, Field: "epsilon", Err: err, Message: fmt.Sprintf(
			"the privacy budget of %s cannot cover this query: it asks ε %g (δ %g), and %g of ε %g (%g of δ %g) is spent already; nothing was charged and no statistic computed",
			q.Dataset, q.Epsilon, q.Delta, b.SpentEpsilon, b.Epsilon, b.SpentDelta, b.Delta)}
	}
	if err != nil {
		return Budget{}, fmt.Errorf("spend privacy budget: %w", err)
	}
	return s.budget(ctx, q.Dataset)
}
