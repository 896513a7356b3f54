package policy

import "time"

// Retention returns how long readings of the category are kept, as the
// manifest declares (RETENTION), and false for an undeclared category or
// one without a valid retention period.
func (e *Engine) Retention(category string) (time.Duration, bool) {
	c, ok := e.categoryIdx[category]
	if !ok || e.categories[c].retention <= 0 {
		return 0, false
	}
	return e.categories[c].retention, true
}

// RetentionCutoff returns the instant before which readings of the category
// are past their retention at now: a reading whose time is before the cutoff
// must not be stored, and a stored one must be erased (RETENTION). It
// returns false for an undeclared category or one without a retention
// period, which keeps nothing to erase.
func (e *Engine) RetentionCutoff(category string, now time.Time) (time.Time, bool) {
	d, ok := e.Retention(category)
	if !ok {
		return time.Time{}, false
	}
	return now.Add(-d), true
}
