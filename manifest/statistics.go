package manifest

import (
	"fmt"
	"math"
	"strings"
)

// Limits of a purpose's statistics declaration (PET-DP).
const (
	// MaxStatisticsEpsilon is the largest privacy budget ε a dataset may
	// declare. Beyond about 10 the guarantee says little: the odds of any
	// outcome may change by a factor of e^10, over 22,000.
	MaxStatisticsEpsilon = 10
	// MaxStatisticsDelta is the largest δ budget a dataset may declare:
	// δ is a probability of failure, and must stay far below one in the
	// number of people (here one in 100,000).
	MaxStatisticsDelta = 1e-5
	// DefaultMinGroup is the smallest group published when the manifest
	// does not say: a group whose noisy count of households is below it
	// is withheld.
	DefaultMinGroup = 10
)

// StatisticsPurpose returns the analytics purpose: the purpose whose
// Statistics is set, or false when the manifest declares none.
func (m *Manifest) StatisticsPurpose() (*Purpose, bool) {
	for i := range m.Purposes {
		if m.Purposes[i].Statistics != nil {
			return &m.Purposes[i], true
		}
	}
	return nil, false
}

// Groups returns the smallest group published: MinGroup, or
// DefaultMinGroup when it is 0.
func (s *Statistics) Groups() int {
	if s.MinGroup == 0 {
		return DefaultMinGroup
	}
	return s.MinGroup
}

// statistics checks the statistics declarations' values: at most one
// purpose has one, ε in (0, MaxStatisticsEpsilon], δ in [0,
// MaxStatisticsDelta] and a smallest group of at least 2.
func (v *validator) statistics(ps []Purpose) {
	first := ""
	for i, u := range ps {
		if u.Statistics == nil {
			continue
		}
		p := fmt.Sprintf("purposes[%d].statistics", i)
		if first != "" {
			v.add(p, "purpose %s declares statistics too: only one purpose, %s, may be the analytics purpose", u.ID, first)
			continue
		}
		first = u.ID
		s := u.Statistics
		if math.IsNaN(s.Epsilon) || s.Epsilon <= 0 || s.Epsilon > MaxStatisticsEpsilon {
			v.add(p+".epsilon", "must be a number greater than 0 and at most %d: each dataset's privacy budget ε", MaxStatisticsEpsilon)
		}
		if math.IsNaN(s.Delta) || s.Delta < 0 || s.Delta > MaxStatisticsDelta {
			v.add(p+".delta", "must be at least 0 and at most %g: each dataset's budget δ for Gaussian noise", MaxStatisticsDelta)
		}
		if s.MinGroup != 0 && s.MinGroup < 2 {
			v.add(p+".min_group", "must be at least 2: statistics over a single household are never published")
		}
	}
}

// statistics applies the rules of the analytics purpose (PET-DP): it
// rests on consent, so that only people who agreed are counted; it is not
// part of the core function; and it makes statistics only, so it is not
// marketing, advertising, profiling or an automated decision, and
// discloses to no recipient.
func (l linter) statistics() {
	for i := range l.m.Purposes {
		u := &l.m.Purposes[i]
		if u.Statistics == nil {
			continue
		}
		p := fmt.Sprintf("purposes[%d]", i)
		if u.Basis != BasisConsent {
			l.add(p+".basis", "the analytics purpose counts only people who consented to it: use basis consent (PET-DP)")
		}
		var what []string
		for _, f := range []struct {
			on   bool
			name string
		}{{u.Core, "core"}, {u.Marketing, "marketing"}, {u.Advertising, "advertising"}, {u.Profiling, "profiling"}, {u.AutomatedDecision, "automated_decision"}} {
			if f.on {
				what = append(what, f.name)
			}
		}
		if len(what) > 0 {
			l.add(p+".statistics", "the analytics purpose makes aggregate statistics only: remove %s, or declare that use as a purpose of its own (PET-DP)", strings.Join(what, ", "))
		}
		if len(u.Recipients) > 0 {
			l.add(p+".recipients", "the analytics purpose discloses no personal data: its statistics are anonymous; remove the recipients (PET-DP)")
		}
	}
}
