package policy

import (
	"fmt"
	"math"
)

// Granularity is a precision at which location data may be stored. Larger
// values are finer. The zero value, GranularityOff, means location is not
// collected at all: location sharing is off until a person switches it on
// (MIN-LOCATION).
type Granularity uint8

// The granularities, coarsest first. Their names are the manifest's
// granularity names.
const (
	GranularityOff     Granularity = iota // location is not collected
	GranularityCountry                    // a 10° cell (~1,100 km)
	GranularityRegion                     // a 1° cell (~110 km)
	GranularityCity                       // a 0.1° cell (~11 km)
	GranularityStreet                     // a 0.001° cell (~110 m)
	GranularityExact                      // as the device reports it ("precise")
)

var granularityNames = [...]string{
	GranularityOff:     "off",
	GranularityCountry: "country",
	GranularityRegion:  "region",
	GranularityCity:    "city",
	GranularityStreet:  "street",
	GranularityExact:   "precise",
}

// cellDegrees is the size of the grid cell each granularity snaps to.
var cellDegrees = [...]float64{
	GranularityCountry: 10,
	GranularityRegion:  1,
	GranularityCity:    0.1,
	GranularityStreet:  0.001,
}

// String returns the granularity's manifest name, such as "city".
func (g Granularity) String() string {
	if int(g) < len(granularityNames) {
		return granularityNames[g]
	}
	return fmt.Sprintf("granularity(%d)", uint8(g))
}

// ParseGranularity returns the granularity with the manifest name s
// ("precise", "street", "city", "region", "country" or "off"). It returns an
// error for any other name.
func ParseGranularity(s string) (Granularity, error) {
	for g, name := range granularityNames {
		if name == s {
			return Granularity(g), nil
		}
	}
	return GranularityOff, fmt.Errorf("%q is not a location granularity", s)
}

// granularityRange returns the finest and coarsest of a list of
// granularity names; GranularityOff for both if the list is empty.
func granularityRange(names []string) (finest, coarsest Granularity, err error) {
	for _, n := range names {
		g, err := ParseGranularity(n)
		if err != nil || g == GranularityOff {
			return GranularityOff, GranularityOff, fmt.Errorf("%q is not a location granularity", n)
		}
		finest = max(finest, g)
		if coarsest == GranularityOff || g < coarsest {
			coarsest = g
		}
	}
	return finest, coarsest, nil
}

// CoarsenLocation returns the centre of the grid cell of granularity g
// that holds the point (lat, lon), so a stored location reveals no more than
// g allows; GranularityExact returns the point unchanged. It reports false,
// with zero coordinates, for GranularityOff, an unknown granularity, or a
// point that is not a valid latitude and longitude: store nothing then. It
// does not allocate.
func CoarsenLocation(g Granularity, lat, lon float64) (float64, float64, bool) {
	if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) { // also false for NaN
		return 0, 0, false
	}
	switch {
	case g == GranularityExact:
		return lat, lon, true
	case g == GranularityOff || int(g) >= len(cellDegrees):
		return 0, 0, false
	}
	cell := cellDegrees[g]
	return snap(lat, cell, 90), snap(lon, cell, 180), true
}

// snap returns the centre of the cell of size cell holding v, kept within
// ±limit.
func snap(v, cell, limit float64) float64 {
	c := math.Floor(v/cell)*cell + cell/2
	return math.Max(-limit, math.Min(limit, c))
}

// LocationPrecision returns the finest granularity at which the subject's
// data of the category may be stored (MIN-LOCATION): no finer than the
// subject's Location setting, than the finest granularity the manifest
// declares for the category, or than what the active purposes using it
// need. A purpose switched on by features that declare granularities needs
// the finest of the subject's choices for those features that are on (each
// choice defaulting to the feature's coarsest, and bounded by its finest);
// any other active purpose needs the category's finest. It returns
// GranularityOff, store no location, when the category is not location data
// or is undeclared, location sharing is off, or no purpose using it is
// active. It does not allocate.
func (e *Engine) LocationPrecision(s *Subject, category string) Granularity {
	c, ok := e.categoryIdx[category]
	if !ok || !e.categories[c].location || s.Location == GranularityOff {
		return GranularityOff
	}
	cat := &e.categories[c]
	need := GranularityOff
	for p := cat.purposes.First(); p >= 0; p = cat.purposes.Next(p) {
		if e.state(s, p) == ReasonActive {
			need = max(need, e.purposeNeed(s, p, cat.finest))
		}
	}
	return min(s.Location, cat.finest, need)
}

// purposeNeed returns the precision purpose p needs: the finest of the
// subject's choices for the location features switching it on, or finest
// when no such feature declares granularities.
func (e *Engine) purposeNeed(s *Subject, p int, finest Granularity) Granularity {
	need, declared := GranularityOff, false
	fs := e.purposes[p].features.Intersect(s.Features)
	for f := fs.First(); f >= 0 && f < len(e.features); f = fs.Next(f) {
		ft := &e.features[f]
		if ft.finest == GranularityOff {
			continue
		}
		declared = true
		choice := s.FeatureLocation[f]
		if choice == GranularityOff {
			choice = ft.coarsest
		}
		need = max(need, min(choice, ft.finest))
	}
	if !declared {
		return finest
	}
	return need
}
