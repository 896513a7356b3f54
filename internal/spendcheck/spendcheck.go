// Package spendcheck is the privacy budget arithmetic both storage
// adapters share: which spends are valid, and whether one still fits the
// budget after those recorded.
package spendcheck

import (
	"math"

	"github.com/hearth-iot/hearth"
)

// MaxField bounds a spend's dataset, query and actor, in bytes.
const MaxField = 4096

// slack is the relative tolerance of Fits: spends that add up to the
// budget exactly in decimal (ten of 0.1 for 1.0) may exceed it by a
// rounding error in binary floating point.
const slack = 1e-9

// Check returns EINVALID for a spend without a dataset or time, with a
// negative, zero (epsilon) or non-finite charge, with a field longer than
// MaxField, or for a negative or non-finite budget.
func Check(s *hearth.PrivacySpend, maxEpsilon, maxDelta float64) error {
	switch {
	case s.Dataset == "":
		return hearth.Errorf(hearth.EINVALID, "a privacy budget spend needs a dataset")
	case len(s.Dataset) > MaxField || len(s.Query) > MaxField || len(s.Actor) > MaxField:
		return hearth.Errorf(hearth.EINVALID, "a privacy budget spend's dataset, query and actor are at most %d bytes each", MaxField)
	case !finite(s.Epsilon) || s.Epsilon <= 0:
		return hearth.Errorf(hearth.EINVALID, "a privacy budget spend needs a finite epsilon above 0")
	case !finite(s.Delta) || s.Delta < 0:
		return hearth.Errorf(hearth.EINVALID, "a privacy budget spend needs a finite delta of at least 0")
	case !finite(maxEpsilon) || maxEpsilon < 0 || !finite(maxDelta) || maxDelta < 0:
		return hearth.Errorf(hearth.EINVALID, "a privacy budget needs a finite epsilon and delta of at least 0")
	case s.Time.IsZero():
		return hearth.Errorf(hearth.EINVALID, "a privacy budget spend needs its time")
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Fits returns EREFUSED unless spent epsilon and delta plus s stay within
// maxEpsilon and maxDelta (up to a rounding error).
func Fits(spentEpsilon, spentDelta float64, s *hearth.PrivacySpend, maxEpsilon, maxDelta float64) error {
	if spentEpsilon+s.Epsilon > maxEpsilon*(1+slack) || spentDelta+s.Delta > maxDelta*(1+slack) {
		return hearth.Errorf(hearth.EREFUSED,
			"the privacy budget of %q is spent: epsilon %g of %g and delta %g of %g used, this query needs epsilon %g and delta %g",
			s.Dataset, spentEpsilon, maxEpsilon, spentDelta, maxDelta, s.Epsilon, s.Delta)
	}
	return nil
}
