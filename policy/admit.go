package policy

import (
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
)

// Reading is an ingested reading, parsed, as Engine.Admit decides it.
type Reading struct {
	Model    string    // the model of the device that sent it
	Category string    // the category it declares
	Time     time.Time // when it was taken
	// Values is the values object: valid JSON, valid UTF-8, no duplicate
	// keys (the payload parser's guarantees).
	Values []byte
}

// Admission is Engine.Admit's answer: the decision, and for an allowed
// reading the values to store and, for location data, their precision.
type Admission struct {
	Decision
	// Field names the part of the reading at fault in a refusal:
	// "category", "time" (past retention) or "values" (their shape); ""
	// when allowed.
	Field string
	// Precision is the precision a location reading's values were
	// coarsened to; GranularityOff for any other reading.
	Precision Granularity
	// Values are the values to store: the reading's own, or, for location
	// data, {"lat":..,"lon":..,"precision":".."} at Precision. Nil on
	// refusal.
	Values []byte
}

// Admit decides whether a reading from a device may be stored for the
// subject, in one call, in this order (MIN-GATE):
//
//  1. the category is declared (ReasonUndeclaredCategory), and the device's
//     model produces it, where the catalogue lists the model's categories
//     (ReasonModelCategory);
//  2. the device is not local-only (LOCAL-ONLY);
//  3. the reading is not already past its category's retention at now
//     (ReasonPastRetention, RETENTION);
//  4. its values hold only the fields the category declares, of their
//     declared types (ReasonUndeclaredField, ReasonWrongType), unless the
//     category is free-form; a location reading's are {"lat", "lon"} in
//     range (ReasonBadLocation);
//  5. for location, location sharing is on (MIN-LOCATION);
//  6. some purpose using the category is active for the subject (the
//     rules of Ingest);
//  7. a location reading is coarsened to LocationPrecision (MIN-LOCATION).
//
// Admit allocates only for a location reading's new values; it is safe for
// concurrent use.
func (e *Engine) Admit(s *Subject, r *Reading, now time.Time) Admission {
	c, ok := e.categoryIdx[r.Category]
	if !ok {
		return refuse("category", deny(ReasonUndeclaredCategory, -1))
	}
	if produces, listed := e.models[r.Model]; listed && produces != nil && !produces[c] {
		return refuse("category", deny(ReasonModelCategory, -1))
	}
	if s.Mode == hearth.ModeLocalOnly {
		return refuse("category", deny(ReasonLocalOnly, -1))
	}
	cat := &e.categories[c]
	if cat.retention > 0 && r.Time.Before(now.Add(-cat.retention)) {
		return refuse("time", deny(ReasonPastRetention, -1))
	}
	if reason := cat.shape.check(r.Values); reason != ReasonActive {
		return refuse("values", deny(reason, -1))
	}
	if cat.location && s.Location == GranularityOff {
		return refuse("category", deny(ReasonLocationOff, -1))
	}
	d := e.firstActive(s, cat.purposes)
	if !d.Allow {
		return refuse("category", d)
	}
	if !cat.location {
		return Admission{Decision: d, Values: r.Values}
	}
	return e.coarsen(s, r, d)
}

// coarsen admits a location reading at the precision policy allows.
func (e *Engine) coarsen(s *Subject, r *Reading, d Decision) Admission {
	g := e.LocationPrecision(s, r.Category)
	if g == GranularityOff {
		return refuse("category", deny(ReasonLocationOff, -1))
	}
	lat, latOK := member(r.Values, "lat")
	lon, lonOK := member(r.Values, "lon")
	if !latOK || !lonOK {
		return refuse("values", deny(ReasonBadLocation, -1))
	}
	lat, lon, ok := CoarsenLocation(g, lat, lon)
	if !ok {
		return refuse("values", deny(ReasonBadLocation, -1))
	}
	return Admission{Decision: d, Precision: g, Values: locationValues(lat, lon, g)}
}

// locationValues returns a stored location's values at precision g.
func locationValues(lat, lon float64, g Granularity) []byte {
	b := make([]byte, 0, 64)
	b = append(b, `{"lat":`...)
	b = strconv.AppendFloat(b, lat, 'f', -1, 64)
	b = append(b, `,"lon":`...)
	b = strconv.AppendFloat(b, lon, 'f', -1, 64)
	b = append(b, `,"precision":`...)
	b = strconv.AppendQuote(b, g.String())
	return append(b, '}')
}

func refuse(field string, d Decision) Admission { return Admission{Decision: d, Field: field} }

// member returns the number at key in a flat JSON object whose shape was
// checked, and whether it is there.
func member(values []byte, key string) (float64, bool) {
	v := jsonCursor{b: values}
	if !v.consume('{') {
		return 0, false
	}
	for {
		k, ok := v.key()
		if !ok {
			return 0, false
		}
		v.space()
		start := v.i
		if v.value() == 0 {
			return 0, false
		}
		if string(k) == key {
			f, err := strconv.ParseFloat(string(values[start:v.i]), 64)
			return f, err == nil
		}
		if !v.consume(',') {
			return 0, false
		}
	}
}
