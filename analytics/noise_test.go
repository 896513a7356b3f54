package analytics

import (
	"math"
	"testing"
)

// TestNoiseScale: PET-DP: the noise of a count has the scale the privacy
// parameters promise. A count query gives half its ε to the count and half
// to the households' count that decides suppression, so with one group,
// one contribution per household and ε = 0.2, each is Laplace noise of
// scale b = 1/(ε/2) = 10: variance 2b² = 2/(ε/2)² = 200, mean 0.
//
// The library draws from crypto/rand and cannot be seeded, so the test
// takes n = 20,000 draws of each over empty data. For Laplace noise the
// sample variance has a relative standard deviation of √(5/n) ≈ 1.6%
// (excess kurtosis 3), so the 10% tolerance is over 6 standard deviations:
// a correct scale fails it with probability below 10⁻⁹, while noise of
// scale 1/ε (ε not halved, variance 50) or 2/ε (variance 800), or noise
// ignoring the sensitivity, fails it for certain. The mean's standard error
// is √(200/n) = 0.1; the bound 0.7 is 7 of them.
func TestNoiseScale(t *testing.T) {
	const n = 20000
	q := &Query{Dataset: "room-temperature", Kind: Count, Epsilon: 0.2, Noise: Laplace, MaxGroups: 1, MaxContributions: 1}
	const wantVar = 2 / (0.1 * 0.1)
	var stat, households []float64
	for range n {
		a, err := newAggregator(q, 1)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := a.stats[0].result()
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.households[0].Result()
		if err != nil {
			t.Fatal(err)
		}
		stat, households = append(stat, v), append(households, float64(h))
	}
	for name, xs := range map[string][]float64{"count": stat, "households": households} {
		mean, variance := moments(xs)
		if math.Abs(mean) > 0.7 {
			t.Errorf("%s noise mean = %.3f, want 0 ± 0.7", name, mean)
		}
		if math.Abs(variance-wantVar)/wantVar > 0.10 {
			t.Errorf("%s noise variance = %.1f, want %.0f ± 10%% (2/(ε/2)² for Laplace)", name, variance, wantVar)
		}
	}
}

// TestNoiseScaleGrowsWithBounds: PET-DP: a household may contribute to
// MaxGroups groups, up to MaxContributions each, and the noise grows with
// both: with 3 groups and 2 contributions the count's scale is
// 3·2/(ε/2), its variance 36 times the one above.
func TestNoiseScaleGrowsWithBounds(t *testing.T) {
	const n = 20000
	q := &Query{Dataset: "room-temperature", Kind: Count, Epsilon: 2, Noise: Laplace, MaxGroups: 3, MaxContributions: 2}
	const wantVar = 2 * 6 * 6 // b = 3·2/(2/2)
	var xs []float64
	for range n {
		a, err := newAggregator(q, 1)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := a.stats[0].result()
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, v)
	}
	if _, variance := moments(xs); math.Abs(variance-wantVar)/wantVar > 0.10 {
		t.Errorf("noise variance = %.1f, want %d ± 10%%", variance, wantVar)
	}
}

func moments(xs []float64) (mean, variance float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(xs)-1)
}

// TestContributionsBounded: PET-DP: a household keeps at most
// MaxContributions values per group and at most MaxGroups groups, however
// many readings it has.
func TestContributionsBounded(t *testing.T) {
	c := newContributions(3)
	for i := range 10000 {
		c.add(i%5, float64(i))
	}
	got := c.bounded(2)
	if len(got) != 2 {
		t.Errorf("groups = %d, want 2", len(got))
	}
	for g, vs := range got {
		if len(vs) != 3 {
			t.Errorf("group %d has %d values, want 3", g, len(vs))
		}
		for _, v := range vs {
			if int(v)%5 != g {
				t.Errorf("group %d holds value %v of another group", g, v)
			}
		}
	}
}
