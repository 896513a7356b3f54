package policy

import (
	"github.com/hearth-iot/hearth"
)

// Subject is one data subject's privacy state as the decisions see it: their
// consents (folded from the consent ledger), their settings and the rights
// they exercised, and, for ingestion, the mode of the device the data comes
// from. Bits are indexed by the Engine's purpose (or feature) indexes; build
// them with PurposeBits and FeatureBits.
//
// The zero Subject is the most private state: no consent, no optional
// purpose or feature on, location off; only core purposes are active.
// Defaults gives the state of a new person. A Subject is a value: copying it
// copies the state.
//
// Indexes belong to one Engine: after compiling a new manifest version,
// rebuild every Subject from purpose and feature IDs. A purpose new in that
// version then has no consent, so it stays off until consented to.
type Subject struct {
	Consented Bits // consent-based purposes the subject (or their guardian) consented to
	Refused   Bits // consent-based purposes refused or withdrawn; informs the reason only
	Enabled   Bits // optional purposes (not consent, not core) switched on in the settings

	Restricted  Bits // purposes whose processing the subject restricted (RIGHT-RESTRICT)
	Objected    Bits // purposes the subject objected to, honoured for any purpose; Engine.Objectable says which objections to accept (RIGHT-OBJECT)
	ADMOptOut   Bits // automated-decision purposes the subject opted out of (RIGHT-ADM)
	RestrictAll bool // processing of all the subject's data is restricted

	// ObjectMarketing is the one switch against all marketing and
	// advertising (RIGHT-OBJECT-MKT).
	ObjectMarketing bool
	// Child marks a child: consent comes from a guardian, and profiling,
	// marketing or advertising not on consent is never active.
	Child bool

	// Mode is the mode of the device the data comes from; for ingestion
	// only. The zero value is treated as cloud.
	Mode hearth.DeviceMode

	Features Bits // features switched on

	// Location is the clear on/off setting of location sharing and the
	// finest precision the subject allows for any use; off by default
	// (MIN-LOCATION).
	Location Granularity
	// FeatureLocation is, per feature index, the precision the subject
	// chose for that feature; zero means the coarsest the feature declares.
	FeatureLocation [MaxPurposes]Granularity
}

// Defaults returns the state of a new person (DEFAULT-PRIVATE,
// CONSENT-OPTIN): nothing consented; only core purposes and optional
// purposes declared default_on; only features declared default_on. Where
// the manifest says children are likely users, it is high-privacy: no
// profiling, marketing, advertising or location purpose or feature is on,
// and location is off. Otherwise location is on at the coarsest granularity
// declared for the default features, or off if none uses location.
func (e *Engine) Defaults() Subject {
	var s Subject
	s.Enabled = e.defaultOn
	if e.childrenLikely {
		s.Enabled = s.Enabled.Minus(e.highPrivacyOff())
	}
	for i, f := range e.features {
		if !f.defaultOn || e.childrenLikely && !f.purposes.Intersect(e.highPrivacyOff()).IsZero() {
			continue
		}
		s.Features.Set(i)
		if !e.childrenLikely && f.coarsest != GranularityOff && (s.Location == GranularityOff || f.coarsest < s.Location) {
			s.Location = f.coarsest
		}
	}
	return s
}

// highPrivacyOff is the set of purposes off by default where children are
// likely users.
func (e *Engine) highPrivacyOff() Bits {
	return e.profiling.Union(e.marketing).Union(e.locating)
}

// HouseholdSubject returns the manifest's defaults, with no consent, from
// a device in mode: the state of household data where no member takes
// part in deciding it (see HouseholdOf, which decides household data from
// its members' states). Only purposes not on consent (core purposes, and
// optional ones on by default) can then collect or read household data.
func (e *Engine) HouseholdSubject(mode hearth.DeviceMode) Subject {
	s := e.Defaults()
	s.Mode = mode
	return s
}
