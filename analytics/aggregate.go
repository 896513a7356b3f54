package analytics

import (
	"fmt"
	"math"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"
	"github.com/hearth-iot/hearth"
)

// confidence is the confidence level of the intervals a result gives.
const confidence = 0.95

// statistic is one group's differentially private statistic, from
// Google's library. add takes one household's bounded values in the group.
type statistic interface {
	add(values []float64) error
	result() (value float64, interval noise.ConfidenceInterval, err error)
}

// aggregator holds a query's per-group aggregations: the noisy count of
// households that decides suppression, and the statistic. Each gets half
// of the query's ε (and δ), so the query spends exactly its ε: every
// household contributes to at most MaxGroups groups and, in each, at most
// MaxContributions values, which the library's sensitivities account for.
type aggregator struct {
	households []*dpagg.Count
	stats      []statistic
}

// newAggregator returns the aggregations of q's groups.
func newAggregator(q *Query, groups int) (*aggregator, error) {
	a := &aggregator{households: make([]*dpagg.Count, groups), stats: make([]statistic, groups)}
	n := q.noise()
	for i := range groups {
		c, err := dpagg.NewCount(&dpagg.CountOptions{Epsilon: q.Epsilon / 2, Delta: q.Delta / 2,
			MaxPartitionsContributed: q.MaxGroups, Noise: n})
		if err != nil {
			return nil, libraryError(err)
		}
		a.households[i] = c
		if a.stats[i], err = newStatistic(q, n); err != nil {
			return nil, libraryError(err)
		}
	}
	return a, nil
}

// libraryError turns the library's refusal of parameters into EINVALID.
func libraryError(err error) error {
	return &hearth.Error{Code: hearth.EINVALID, Field: "epsilon",
		Message: "the differential privacy library refuses these parameters: " + err.Error(), Err: err}
}

// noise returns the library's noise the query asks for.
func (q *Query) noise() noise.Noise {
	if q.Noise == Gaussian {
		return noise.Gaussian()
	}
	return noise.Laplace()
}

// newStatistic returns one group's statistic for q.
func newStatistic(q *Query, n noise.Noise) (statistic, error) {
	eps, delta, l0, linf := q.Epsilon/2, q.Delta/2, q.MaxGroups, q.MaxContributions
	switch q.Kind {
	case Sum:
		// The household's values, each clamped to [Lower, Upper], are
		// added up and given to the library as one contribution, which it
		// clamps to what at most linf of them can add up to: no household
		// moves the sum by more than linf·max(|Lower|, |Upper|).
		s, err := dpagg.NewBoundedSumFloat64(&dpagg.BoundedSumFloat64Options{Epsilon: eps, Delta: delta,
			MaxPartitionsContributed: l0, Lower: min(q.Lower, float64(linf)*q.Lower), Upper: max(q.Upper, float64(linf)*q.Upper), Noise: n})
		return &sum{s: s, lower: q.Lower, upper: q.Upper}, err
	case Mean:
		m, err := dpagg.NewBoundedMean(&dpagg.BoundedMeanOptions{Epsilon: eps, Delta: delta,
			MaxPartitionsContributed: l0, MaxContributionsPerPartition: linf, Lower: q.Lower, Upper: q.Upper, Noise: n})
		return &mean{m: m}, err
	}
	// Count and Histogram: the household's number of values, at most linf.
	c, err := dpagg.NewBoundedSumInt64(&dpagg.BoundedSumInt64Options{Epsilon: eps, Delta: delta,
		MaxPartitionsContributed: l0, Lower: 0, Upper: linf, Noise: n})
	return &count{c: c}, err
}

// add gives one household's bounded contributions to the aggregations.
func (a *aggregator) add(groups map[int][]float64) error {
	for g, values := range groups {
		if err := a.households[g].Increment(); err != nil {
			return fmt.Errorf("analytics count households: %w", err)
		}
		if err := a.stats[g].add(values); err != nil {
			return fmt.Errorf("analytics add: %w", err)
		}
	}
	return nil
}

type count struct{ c *dpagg.BoundedSumInt64 }

func (c *count) add(values []float64) error { return c.c.Add(int64(len(values))) }

func (c *count) result() (float64, noise.ConfidenceInterval, error) {
	v, err := c.c.Result()
	if err != nil {
		return 0, noise.ConfidenceInterval{}, err
	}
	ci, err := c.c.ComputeConfidenceInterval(1 - confidence)
	return float64(v), ci, err
}

type sum struct {
	s            *dpagg.BoundedSumFloat64
	lower, upper float64
}

func (s *sum) add(values []float64) error {
	var t float64
	for _, v := range values {
		t += math.Min(math.Max(v, s.lower), s.upper)
	}
	return s.s.Add(t)
}

func (s *sum) result() (float64, noise.ConfidenceInterval, error) {
	v, err := s.s.Result()
	if err != nil {
		return 0, noise.ConfidenceInterval{}, err
	}
	ci, err := s.s.ComputeConfidenceInterval(1 - confidence)
	return v, ci, err
}

type mean struct{ m *dpagg.BoundedMean }

func (m *mean) add(values []float64) error {
	for _, v := range values {
		if err := m.m.Add(v); err != nil {
			return err
		}
	}
	return nil
}

func (m *mean) result() (float64, noise.ConfidenceInterval, error) {
	v, err := m.m.Result()
	if err != nil {
		return 0, noise.ConfidenceInterval{}, err
	}
	ci, err := m.m.ComputeConfidenceInterval(1 - confidence)
	return v, ci, err
}
