package analytics

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// roles are the groups of the people count.
var roles = []hearth.Role{hearth.RoleOwner, hearth.RoleAdult, hearth.RoleChild, hearth.RoleGuest}

// groupKey names one group of a query: its time bucket (zero for people
// and devices) and its key (a histogram bin, a role, a device model, or
// "").
type groupKey struct {
	Bucket time.Time
	Key    string
}

// keys returns the query's groups in the order of the result: every
// group is public (the time buckets of the range, the bins, the roles,
// the manifest's models), so which groups exist reveals nothing about
// anyone.
func (q *Query) keys(m *manifest.Manifest) []groupKey {
	switch q.Dataset {
	case People:
		ks := make([]groupKey, len(roles))
		for i, r := range roles {
			ks[i] = groupKey{Key: string(r)}
		}
		return ks
	case Devices:
		ks := make([]groupKey, len(m.Models))
		for i, md := range m.Models {
			ks[i] = groupKey{Key: md.ID}
		}
		return ks
	}
	bins := q.binLabels()
	var ks []groupKey
	for _, b := range q.bucketStarts() {
		for _, l := range bins {
			ks = append(ks, groupKey{Bucket: b, Key: l})
		}
	}
	return ks
}

// groupCount returns how many groups keys returns, without making them:
// a query's bins are bounded only by the body's size.
func (q *Query) groupCount(m *manifest.Manifest) int {
	switch q.Dataset {
	case People, Devices:
		return len(q.keys(m))
	}
	bins := 1
	switch {
	case q.Kind == Histogram && len(q.Bins) == 0:
		bins = 2
	case q.Kind == Histogram:
		bins = len(q.Bins) - 1
	}
	return len(q.bucketStarts()) * bins
}

// binLabels returns the labels of a histogram's bins, or one empty label
// for the other kinds.
func (q *Query) binLabels() []string {
	switch {
	case q.Kind != Histogram:
		return []string{""}
	case len(q.Bins) == 0:
		return []string{"false", "true"}
	}
	ls := make([]string, len(q.Bins)-1)
	for i := range ls {
		ls[i] = fmt.Sprintf("[%s, %s)", num(q.Bins[i]), num(q.Bins[i+1]))
	}
	return ls
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// grouper finds a reading's group by its time and value.
type grouper struct {
	q       *Query
	buckets map[time.Time]int // bucket start → its index
	bins    int               // groups per bucket
}

func newGrouper(q *Query) *grouper {
	g := &grouper{q: q, buckets: map[time.Time]int{}, bins: len(q.binLabels())}
	for i, b := range q.bucketStarts() {
		g.buckets[b] = i
	}
	return g
}

// group returns the index of the group of a reading at t with value v
// (for a boolean, 0 or 1), or false if it falls outside every group: out
// of the time range or of the histogram's bins.
func (g *grouper) group(t time.Time, v float64) (int, bool) {
	if t.Before(g.q.From) || !t.Before(g.q.To) {
		return 0, false
	}
	b, ok := g.buckets[bucketOf(g.q.Bucket, t)]
	if g.q.Bucket == "" {
		b, ok = 0, true
	}
	if !ok {
		return 0, false
	}
	bin := 0
	if g.q.Kind == Histogram {
		if bin, ok = g.bin(v); !ok {
			return 0, false
		}
	}
	return b*g.bins + bin, true
}

// bin returns the histogram bin holding v.
func (g *grouper) bin(v float64) (int, bool) {
	if len(g.q.Bins) == 0 {
		return int(v), v == 0 || v == 1
	}
	edges := g.q.Bins
	if v < edges[0] || v >= edges[len(edges)-1] {
		return 0, false
	}
	i := sort.SearchFloat64s(edges, v) // the first edge >= v
	if edges[i] == v {
		return i, true
	}
	return i - 1, true
}
