package policy

// storedLocation is the shape of a location as Hearth stores and exports
// it: a device's "lat" and "lon", and the "precision" they were kept at.
var storedLocation = shape{fields: []field{{"lat", typeNumber}, {"lon", typeNumber}, {"precision", typeString}}}

// Conforms decides whether values fit the category as the manifest
// declares it (MIN-GATE), for data that arrives by another way than a
// device: an import from another instance (RIGHT-PORT). The category must
// be declared and the values hold only its declared fields, of their
// declared types (unless it is free-form); a location's "lat" and "lon"
// must be in range, with the "precision" it was stored at if any. Consent
// and settings are not looked at. An allowing
// Admission carries the values unchanged: an imported location keeps the
// precision it was stored at.
func (e *Engine) Conforms(category string, values []byte) Admission {
	c, ok := e.categoryIdx[category]
	if !ok {
		return refuse("category", deny(ReasonUndeclaredCategory, -1))
	}
	cat := &e.categories[c]
	sh := &cat.shape
	if cat.location {
		sh = &storedLocation
	}
	if reason := sh.check(values); reason != ReasonActive {
		return refuse("values", deny(reason, -1))
	}
	if cat.location {
		lat, latOK := member(values, "lat")
		lon, lonOK := member(values, "lon")
		if _, _, ok := CoarsenLocation(GranularityExact, lat, lon); !latOK || !lonOK || !ok {
			return refuse("values", deny(ReasonBadLocation, -1))
		}
	}
	return Admission{Decision: allow(ReasonActive, -1), Values: values}
}

// Correct decides the corrected values of a stored reading of the subject
// (RIGHT-RECTIFY): they must conform as Conforms says, and a location is
// coarsened to no finer than the subject's location setting and the
// category's finest granularity (MIN-LOCATION); with location sharing off
// a location cannot be corrected. Whether purposes are active is not looked
// at: a person corrects their data whatever its use, even while they
// restrict it.
func (e *Engine) Correct(s *Subject, r *Reading) Admission {
	a := e.Conforms(r.Category, r.Values)
	if !a.Allow {
		return a
	}
	cat := &e.categories[e.categoryIdx[r.Category]]
	if !cat.location {
		return a
	}
	if s.Location == GranularityOff {
		return refuse("category", deny(ReasonLocationOff, -1))
	}
	g := min(s.Location, cat.finest)
	lat, _ := member(r.Values, "lat")
	lon, _ := member(r.Values, "lon")
	lat, lon, _ = CoarsenLocation(g, lat, lon)
	return Admission{Decision: a.Decision, Precision: g, Values: locationValues(lat, lon, g)}
}
