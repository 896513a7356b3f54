package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hearth-iot/hearth"
)

// Result is a query's answer: one group per time bucket (and bin, role or
// model), each a differentially private statistic or withheld.
type Result struct {
	Query  Query   `json:"query"` // the query with its defaults filled in
	Groups []Group `json:"groups"`
	// Suppressed is how many groups were withheld because their noisy
	// count of households is below MinGroup.
	Suppressed int `json:"suppressed"`
	MinGroup   int `json:"min_group"`
	// Budget is the dataset's budget after this query's charge.
	Budget Budget `json:"budget"`
}

// Group is one group of a result.
type Group struct {
	Bucket time.Time `json:"bucket,omitzero"` // start of the time bucket, UTC; zero for people and devices
	Key    string    `json:"key,omitempty"`   // the histogram bin, role or device model
	// Suppressed says the group was withheld: its noisy count of
	// households is below MinGroup. Value, Low, High and
	// Households are then empty.
	Suppressed bool `json:"suppressed"`
	// Value is the noisy statistic; Low and High a 95% confidence
	// interval for the true value, from the noise alone (not the bounding).
	Value *float64 `json:"value,omitempty"`
	Low   *float64 `json:"low,omitempty"`
	High  *float64 `json:"high,omitempty"`
	// Households is the noisy count of the households in the group.
	Households *int64 `json:"households,omitempty"`
}

// Query answers q for actor (an operator's ID, or "cli"). It validates q,
// charges its ε and δ to the dataset's budget, then reads the data of the
// people who consented to the analytics purpose only (policy's Counted),
// bounds each household's contribution, adds the library's noise and
// withholds small groups (PET-DP). Errors: EINVALID naming the field of a
// bad query (nothing charged); EREFUSED without an analytics purpose, or
// when the budget cannot cover the query (nothing charged). A query that
// fails after the charge keeps it: the budget never counts less than was
// spent.
func (s *Service) Query(ctx context.Context, actor string, q Query) (*Result, error) {
	if s.purpose == nil {
		return nil, errNoPurpose()
	}
	typ, err := q.normalize(s.cfg.Manifest, s.purpose)
	if err != nil {
		return nil, err
	}
	keys := q.keys(s.cfg.Manifest)
	agg, err := newAggregator(&q, len(keys))
	if err != nil {
		return nil, err
	}
	b, err := s.charge(ctx, actor, &q)
	if err != nil {
		return nil, err
	}
	r := &run{s: s, q: &q, typ: typ, agg: agg, keys: keys, grouper: newGrouper(&q)}
	if err := r.collect(ctx); err != nil {
		return nil, err
	}
	res, err := r.result()
	if err != nil {
		return nil, err
	}
	res.Budget = b
	return res, nil
}

// run is one query being answered.
type run struct {
	s       *Service
	q       *Query
	typ     string // the field's type, "" for a count
	agg     *aggregator
	keys    []groupKey
	grouper *grouper
}

// collect finds the households of the people who ever consented to the
// analytics purpose, and gives each household's bounded contributions to
// the aggregations, one household at a time.
func (r *run) collect(ctx context.Context) error {
	members, err := r.s.candidates(ctx)
	if err != nil {
		return err
	}
	hhs := make([]string, 0, len(members))
	for hh := range members {
		hhs = append(hhs, hh)
	}
	slices.Sort(hhs)
	for _, hh := range hhs {
		c := newContributions(r.q.MaxContributions)
		if err := r.household(ctx, hh, members[hh], c); err != nil {
			return err
		}
		if err := r.agg.add(c.bounded(r.q.MaxGroups)); err != nil {
			return err
		}
	}
	return nil
}

// candidates returns, per household, its members who have a consent event
// for the analytics purpose in the ledger: everyone who may be counted.
// Whether they are counted now is policy's decision, from their current
// state (a withdrawal stops it).
func (s *Service) candidates(ctx context.Context) (map[string][]string, error) {
	people := map[string]bool{}
	for after := int64(0); ; {
		es, err := s.cfg.Store.LedgerEntries(ctx, after, s.cfg.PageSize)
		if err != nil {
			return nil, fmt.Errorf("analytics ledger: %w", err)
		}
		for _, e := range es {
			if e.Purpose == s.purpose.ID && e.Type == hearth.EntryConsentGiven && e.Person != "" {
				people[e.Person] = true
			}
		}
		if len(es) < s.cfg.PageSize {
			break
		}
		after = es[len(es)-1].Seq
	}
	out := map[string][]string{}
	for p := range people {
		hs, err := s.cfg.Store.HouseholdsOf(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("analytics households: %w", err)
		}
		for _, h := range hs {
			out[h.ID] = append(out[h.ID], p)
		}
	}
	return out, nil
}

// household collects one household's contributions to the query.
func (r *run) household(ctx context.Context, hh string, candidates []string, c *contributions) error {
	switch r.q.Dataset {
	case People:
		return r.people(ctx, hh, candidates, c)
	case Devices:
		return r.devices(ctx, hh, c)
	}
	engine, now := r.s.cfg.Policy, r.s.cfg.Now()
	slices.Sort(candidates)
	for _, p := range candidates {
		st, err := r.s.cfg.Subjects.Person(ctx, hh, p)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			continue
		}
		if err != nil {
			return fmt.Errorf("analytics subject: %w", err)
		}
		if engine.Counted(&st, r.q.Dataset, now).Allow {
			if err := r.readings(ctx, hearth.ReadingFilter{HouseholdID: hh, PersonID: p}, c); err != nil {
				return err
			}
		}
	}
	st, err := r.s.cfg.Subjects.Household(ctx, hh)
	if err != nil {
		return fmt.Errorf("analytics household subject: %w", err)
	}
	if engine.Counted(&st, r.q.Dataset, now).Allow {
		return r.readings(ctx, hearth.ReadingFilter{HouseholdID: hh, PersonID: "-"}, c)
	}
	return nil
}

// people counts the household's members who are counted, by role.
func (r *run) people(ctx context.Context, hh string, candidates []string, c *contributions) error {
	ms, err := r.s.cfg.Store.Members(ctx, hh)
	if err != nil {
		return fmt.Errorf("analytics members: %w", err)
	}
	for _, m := range ms {
		if !slices.Contains(candidates, m.PersonID) {
			continue
		}
		st, err := r.s.cfg.Subjects.Person(ctx, hh, m.PersonID)
		if err != nil {
			return fmt.Errorf("analytics subject: %w", err)
		}
		if g := slices.Index(roles, m.Role); g >= 0 && r.s.cfg.Policy.Counted(&st, "", r.s.cfg.Now()).Allow {
			c.add(g, 1)
		}
	}
	return nil
}

// devices counts the household's devices by model, once every member
// agreed (the household's state: devices are the household's data).
func (r *run) devices(ctx context.Context, hh string, c *contributions) error {
	st, err := r.s.cfg.Subjects.Household(ctx, hh)
	if err != nil {
		return fmt.Errorf("analytics household subject: %w", err)
	}
	if !r.s.cfg.Policy.Counted(&st, "", r.s.cfg.Now()).Allow {
		return nil
	}
	ds, err := r.s.cfg.Store.DevicesIn(ctx, hh)
	if err != nil {
		return fmt.Errorf("analytics devices: %w", err)
	}
	for _, d := range ds {
		if g := slices.IndexFunc(r.keys, func(k groupKey) bool { return k.Key == d.Model }); g >= 0 {
			c.add(g, 1)
		}
	}
	return nil
}

// readings offers the readings matching f in the query's category and
// range to the household's contributions, opening them when the query
// needs a value. Disputed readings are left out: their processing is
// restricted while the person contests them (RIGHT-RECTIFY).
func (r *run) readings(ctx context.Context, f hearth.ReadingFilter, c *contributions) error {
	f.Category, f.From, f.To, f.Limit = r.q.Dataset, r.q.From, r.q.To, r.s.cfg.PageSize
	for {
		page, err := r.s.cfg.Store.Readings(ctx, f)
		if err != nil {
			return fmt.Errorf("analytics readings: %w", err)
		}
		for i := range page {
			if err := r.reading(ctx, &page[i], c); err != nil {
				return err
			}
		}
		if len(page) < f.Limit {
			return nil
		}
		f.After = page[len(page)-1].ID
	}
}

// reading offers one reading to the contributions.
func (r *run) reading(ctx context.Context, rd *hearth.Reading, c *contributions) error {
	if rd.Disputed {
		return nil
	}
	v, ok := 0.0, true
	if r.typ != "" {
		plain, err := r.s.cfg.Opener.Open(ctx, rd.Sealed, rd.AAD())
		if err != nil {
			return fmt.Errorf("analytics open reading: %w", err)
		}
		v, ok = value(plain, r.q.Field)
	}
	if !ok {
		return nil
	}
	if g, in := r.grouper.group(rd.Time, v); in {
		c.add(g, v)
	}
	return nil
}

// value returns a reading's field as a number: a number as it is, a
// boolean as 0 or 1; false if the field is absent or of another type.
func value(plain []byte, field string) (float64, bool) {
	var vs map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(plain))
	if err := d.Decode(&vs); err != nil {
		return 0, false
	}
	var x any
	if err := json.Unmarshal(vs[field], &x); err != nil {
		return 0, false
	}
	switch t := x.(type) {
	case float64:
		return t, true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// result computes every group's noisy household count and, for the groups
// with at least the manifest's smallest group, the statistic.
func (r *run) result() (*Result, error) {
	minGroup := r.s.purpose.Statistics.Groups()
	res := &Result{Query: *r.q, MinGroup: minGroup, Groups: make([]Group, len(r.keys))}
	for i, k := range r.keys {
		g := Group{Bucket: k.Bucket, Key: k.Key}
		n, err := r.agg.households[i].Result()
		if err != nil {
			return nil, fmt.Errorf("analytics count households: %w", err)
		}
		if n < int64(minGroup) {
			g.Suppressed = true
			res.Suppressed++
			res.Groups[i] = g
			continue
		}
		v, ci, err := r.agg.stats[i].result()
		if err != nil {
			return nil, fmt.Errorf("analytics statistic: %w", err)
		}
		g.Value, g.Low, g.High, g.Households = &v, &ci.LowerBound, &ci.UpperBound, &n
		res.Groups[i] = g
	}
	return res, nil
}
