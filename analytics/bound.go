package analytics

import "math/rand/v2"

// contributions collects one household's data, the privacy unit, before
// it is bounded: per group, a uniform random sample of at most linf of
// its values (reservoir sampling), and how many it had.
type contributions struct {
	linf   int64
	groups map[int]*reservoir
}

type reservoir struct {
	seen   int64
	values []float64
}

func newContributions(linf int64) *contributions {
	return &contributions{linf: linf, groups: map[int]*reservoir{}}
}

// add offers one value to a group: it is kept with probability linf/n
// among the n values offered to the group so far, so the values kept are
// a uniform sample whatever their order.
func (c *contributions) add(group int, v float64) {
	r := c.groups[group]
	if r == nil {
		r = &reservoir{}
		c.groups[group] = r
	}
	r.seen++
	if int64(len(r.values)) < c.linf {
		r.values = append(r.values, v)
		return
	}
	if j := rand.Int64N(r.seen); j < c.linf {
		r.values[j] = v
	}
}

// bounded returns the household's contributions bounded for the
// library's sensitivity: at most l0 groups, chosen uniformly at random
// when it has more, each with at most linf values.
func (c *contributions) bounded(l0 int64) map[int][]float64 {
	out := make(map[int][]float64, min(int64(len(c.groups)), l0))
	keys := make([]int, 0, len(c.groups))
	for g := range c.groups {
		keys = append(keys, g)
	}
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for _, g := range keys {
		if int64(len(out)) == l0 {
			break
		}
		out[g] = c.groups[g].values
	}
	return out
}
