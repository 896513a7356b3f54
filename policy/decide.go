package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
)

// Ingest decides whether a reading of the category may be stored for the
// subject (MIN-GATE): only if the category is declared and some purpose that
// uses it is active for the subject. A purpose is active unless processing
// is restricted or objected to, and, when it relies on consent, only once
// consent is given; the package documentation gives the full rule. Data from a local-only
// device is refused (LOCAL-ONLY), and location data while location sharing
// is off (MIN-LOCATION). The decision names the first purpose that allows,
// or, on refusal, the first purpose using the category.
//
// now is the time of the decision; the present rules do not depend on it,
// as Subject carries the state at that time. Ingest does not allocate and is
// safe for concurrent use.
func (e *Engine) Ingest(s *Subject, category string, now time.Time) Decision {
	c, ok := e.categoryIdx[category]
	if !ok {
		return deny(ReasonUndeclaredCategory, -1)
	}
	if s.Mode == hearth.ModeLocalOnly {
		return deny(ReasonLocalOnly, -1)
	}
	cat := &e.categories[c]
	if cat.location && s.Location == GranularityOff {
		return deny(ReasonLocationOff, -1)
	}
	return e.firstActive(s, cat.purposes)
}

// firstActive returns an allowing decision for the first active purpose
// in ps, or a refusal with the reason of the first purpose.
func (e *Engine) firstActive(s *Subject, ps Bits) Decision {
	first := ps.First()
	if first < 0 {
		return deny(ReasonNoActivePurpose, -1)
	}
	for p := first; p >= 0; p = ps.Next(p) {
		if e.state(s, p) == ReasonActive {
			return allow(ReasonActive, p)
		}
	}
	return deny(e.state(s, first), first)
}

// Read decides whether the subject's data of the category may be read for
// the purpose: the purpose must be declared, use the category, and be
// active for the subject (the same rules as Ingest, including the opt-out
// of automated decisions: RIGHT-ADM). The device mode and the location
// setting do not apply to reads: they stop collection, not the use of data
// stored at the precision chosen at the time. Read does not allocate and is
// safe for concurrent use; now is as for Ingest.
func (e *Engine) Read(s *Subject, purpose, category string, now time.Time) Decision {
	p, ok := e.purposeIdx[purpose]
	if !ok {
		return deny(ReasonUnknownPurpose, -1)
	}
	c, ok := e.categoryIdx[category]
	if !ok {
		return deny(ReasonUndeclaredCategory, p)
	}
	if !e.categories[c].purposes.Has(p) {
		return deny(ReasonNotUsedByPurpose, p)
	}
	if r := e.state(s, p); r != ReasonActive {
		return deny(r, p)
	}
	return allow(ReasonActive, p)
}

// Active decides whether the purpose is active for the subject, whatever
// the data: the rules of Read without the category.
func (e *Engine) Active(s *Subject, purpose string) Decision {
	p, ok := e.purposeIdx[purpose]
	if !ok {
		return deny(ReasonUnknownPurpose, -1)
	}
	if r := e.state(s, p); r != ReasonActive {
		return deny(r, p)
	}
	return allow(ReasonActive, p)
}

// state returns ReasonActive if purpose p is active for the subject, or the
// first rule that stops it. Rules the subject set (restriction, objection)
// come before the ones they have yet to act on (consent, settings).
func (e *Engine) state(s *Subject, p int) Reason {
	switch {
	case s.RestrictAll:
		return ReasonRestrictedAll
	case s.Restricted.Has(p):
		return ReasonRestricted
	case s.ObjectMarketing && e.marketing.Has(p):
		return ReasonObjectedMarketing
	case s.Objected.Has(p):
		return ReasonObjected
	case s.ADMOptOut.Has(p) && e.adm.Has(p):
		return ReasonADMOptOut
	case s.Child && e.childOff.Has(p):
		return ReasonChildHighPrivacy
	case e.gated.Has(p) && e.purposes[p].features.Intersect(s.Features).IsZero():
		return ReasonFeatureOff
	case e.consent.Has(p) && !s.Consented.Has(p):
		if s.Refused.Has(p) {
			return ReasonConsentRefused
		}
		return ReasonNoConsent
	case e.optional.Has(p) && !e.gated.Has(p) && !s.Enabled.Has(p):
		return ReasonSwitchedOff
	}
	return ReasonActive
}
