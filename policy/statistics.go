package policy

import "time"

// StatisticsPurpose returns the ID of the analytics purpose, the one the
// manifest declares statistics for (PET-DP), or "" if there is none.
func (e *Engine) StatisticsPurpose() string {
	if e.statistics < 0 {
		return ""
	}
	return e.purposes[e.statistics].id
}

// Counted decides whether a subject's data may go into differentially
// private statistics (PET-DP): only while the analytics purpose is active
// for the subject, which, as it rests on consent, means the subject (or
// their guardian) consented and has not withdrawn, and has not restricted
// or objected to it. With a category, the purpose must also use it (the
// subject's readings of that category); with category "", the subject
// themself is counted (the counts of people, and for a household's state,
// of its devices). Pass a person's Subject for their own readings and the
// household's (Engine.HouseholdOf) for the household's readings and
// devices, so that household data counts only once every member agreed.
// Without an analytics purpose it denies with ReasonNoStatistics. Counted
// does not allocate and is safe for concurrent use; now is as for Read.
func (e *Engine) Counted(s *Subject, category string, now time.Time) Decision {
	if e.statistics < 0 {
		return deny(ReasonNoStatistics, -1)
	}
	if category == "" {
		return e.Active(s, e.purposes[e.statistics].id)
	}
	return e.Read(s, e.purposes[e.statistics].id, category, now)
}
