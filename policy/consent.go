package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
)

// Party is a person in a consent decision: the actor who gives or refuses
// consent, or the subject whose data it covers.
type Party struct {
	PersonID    string
	HouseholdID string
	Role        hearth.Role
	GuardianID  string // for a child: the person who consents for them
	Child       bool   // under 13: consent comes from the guardian (CONSENT-CHILD)
	// Profile marks a person without an account: a profile the
	// household's owners manage (RIGHT-UNREGISTERED). MayRead uses it.
	Profile bool
	// Since is when the person's current membership of HouseholdID began
	// (hearth.Member.Added); zero when unknown. ShareInForce uses it.
	Since time.Time
}

// PartyOf returns the Party of a household member. A member with the child
// role is a child.
func PartyOf(m hearth.Member) Party {
	return Party{PersonID: m.PersonID, HouseholdID: m.HouseholdID, Role: m.Role, GuardianID: m.GuardianID,
		Child: m.Role == hearth.RoleChild, Since: m.Added}
}

// MayConsent decides whether actor may give, refuse or withdraw consent for
// subject's data (CONSENT-MULTIUSER, CONSENT-CHILD): an adult for their own
// data only; a child's consent only from their guardian, who must be a
// member of the same household and not a child. It does not allocate.
func MayConsent(actor, subject Party) Decision {
	switch {
	case actor.PersonID == "" || subject.PersonID == "":
		return deny(ReasonUnknownParty, -1)
	case subject.Child:
		if guardianOf(actor, subject) {
			return allow(ReasonGuardian, -1)
		}
		return deny(ReasonChildNeedsGuardian, -1)
	case actor.PersonID == subject.PersonID:
		return allow(ReasonSelf, -1)
	}
	return deny(ReasonNotYourData, -1)
}

// ConsentRequestAllowed decides whether a consent request may be shown
// (CONSENT-NO-NAG): not if it was refused less than coolOff before now. A
// zero lastRefused (never refused) always allows.
func ConsentRequestAllowed(lastRefused time.Time, coolOff time.Duration, now time.Time) Decision {
	if !lastRefused.IsZero() && now.Before(lastRefused.Add(coolOff)) {
		return deny(ReasonCoolOff, -1)
	}
	return allow(ReasonMayAsk, -1)
}

// CoolOff returns the manifest's consent cool-off period, or the manifest
// package's default when it sets none; pass it to ConsentRequestAllowed.
func (e *Engine) CoolOff() time.Duration { return e.coolOff }

// Consentable decides whether consent can be given for the purpose
// (CONSENT-GRANULAR, CONSENT-EXPLICIT): it must be declared and rely on
// consent, and when it uses special category data the manifest must
// declare the explicit statement to show (see Explicit).
func (e *Engine) Consentable(purpose string) Decision {
	p, ok := e.purposeIdx[purpose]
	switch {
	case !ok:
		return deny(ReasonUnknownPurpose, -1)
	case !e.consent.Has(p):
		return deny(ReasonNotConsentBased, p)
	case e.purposes[p].special && e.purposes[p].explicit == "":
		return deny(ReasonNoExplicitStatement, p)
	}
	return allow(ReasonConsentable, p)
}

// Explicit returns the explicit consent statement the manifest declares
// for the purpose, to be shown and recorded verbatim, and whether explicit
// consent is required (the purpose uses special category data).
func (e *Engine) Explicit(purpose string) (statement string, required bool) {
	p, ok := e.purposeIdx[purpose]
	if !ok {
		return "", false
	}
	return e.purposes[p].explicit, e.purposes[p].special
}

// Objectable decides whether a person may object to the purpose
// (RIGHT-OBJECT, RIGHT-OBJECT-MKT): purposes on legitimate interests or
// public task, profiling, marketing and advertising. For consent, the
// person withdraws instead; for other bases they may restrict processing.
func (e *Engine) Objectable(purpose string) Decision {
	p, ok := e.purposeIdx[purpose]
	switch {
	case !ok:
		return deny(ReasonUnknownPurpose, -1)
	case !e.objection.Has(p):
		return deny(ReasonNotObjectable, p)
	}
	return allow(ReasonObjectable, p)
}
