package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
)

// MayExerciseRights decides whether actor may exercise subject's rights
// over their data (RIGHT-REQUESTS, RIGHT-UNREGISTERED): ask for access,
// export, rectification, erasure, restriction, objection or human review,
// and follow those requests. A child's rights go through their guardian,
// who must be a member of the same household and not a child (ReasonGuardian);
// a person with an account exercises their own (ReasonSelf); a profile
// without an account has them exercised by an owner of the household it
// belongs to (ReasonOwnerForProfile). Anyone else is refused with
// ReasonNotYourRights. It does not allocate.
func MayExerciseRights(actor, subject Party, subjectHasAccount bool) Decision {
	switch {
	case actor.PersonID == "" || subject.PersonID == "":
		return deny(ReasonUnknownParty, -1)
	case subject.Child:
		if guardianOf(actor, subject) {
			return allow(ReasonGuardian, -1)
		}
		return deny(ReasonNotYourRights, -1)
	case subjectHasAccount:
		if actor.PersonID == subject.PersonID {
			return allow(ReasonSelf, -1)
		}
	case actor.Role == hearth.RoleOwner && actor.HouseholdID == subject.HouseholdID && actor.PersonID != subject.PersonID:
		return allow(ReasonOwnerForProfile, -1)
	}
	return deny(ReasonNotYourRights, -1)
}

// MayRectifyReading decides whether actor may correct a reading
// (RIGHT-RECTIFY): re-attribute it to another member, mark it disputed or
// correct its values. A reading about a person is corrected by whoever
// exercises that person's rights (MayExerciseRights); one that belongs to
// the household (household true, subject zero) by an owner of the
// household (ReasonOwnerForHousehold), who manages its shared data.
func MayRectifyReading(actor, subject Party, subjectHasAccount, household bool) Decision {
	if !household {
		return MayExerciseRights(actor, subject, subjectHasAccount)
	}
	if actor.PersonID != "" && actor.Role == hearth.RoleOwner {
		return allow(ReasonOwnerForHousehold, -1)
	}
	return deny(ReasonNotYourRights, -1)
}

// guardianOf reports whether actor is the guardian of the child subject:
// named as such, someone else, not a child, and in the same household.
func guardianOf(actor, subject Party) bool {
	return actor.PersonID == subject.GuardianID && actor.PersonID != subject.PersonID &&
		!actor.Child && actor.HouseholdID == subject.HouseholdID
}

// IdentityCheckOf returns the identity check a rights request records for
// an allowing decision of MayExerciseRights: the person themselves,
// re-authenticated; or the guardian or owner acting for them. It returns ""
// for a refusal.
func IdentityCheckOf(d Decision) hearth.IdentityCheck {
	if !d.Allow {
		return ""
	}
	switch d.Reason {
	case ReasonSelf:
		return hearth.CheckReauthenticated
	case ReasonGuardian:
		return hearth.CheckGuardian
	case ReasonOwnerForProfile, ReasonOwnerForHousehold:
		return hearth.CheckOwner
	}
	return ""
}

// RequestDeadline returns the deadline of a rights request made at created
// (RIGHT-REQUESTS): one calendar month later, the same day of the next
// month, or that month's last day when it has no such day (a request of
// 31 January is due on 28 or 29 February), at the same time of day in UTC.
func RequestDeadline(created time.Time) time.Time {
	c := created.UTC()
	y, m, d := c.Date()
	first := time.Date(y, m+1, 1, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Restrictable decides whether a person may restrict the processing of
// their data for the purpose (RIGHT-RESTRICT): any declared purpose, core
// ones included; the data is then kept and not used for it.
func (e *Engine) Restrictable(purpose string) Decision {
	p, ok := e.purposeIdx[purpose]
	if !ok {
		return deny(ReasonUnknownPurpose, -1)
	}
	return allow(ReasonActive, p)
}

// ADMOptOutable decides whether a person may opt out of the purpose's
// solely automated decisions and ask for a human review (RIGHT-ADM): only
// a purpose declared as making automated decisions.
func (e *Engine) ADMOptOutable(purpose string) Decision {
	p, ok := e.purposeIdx[purpose]
	switch {
	case !ok:
		return deny(ReasonUnknownPurpose, -1)
	case !e.adm.Has(p):
		return deny(ReasonNotAutomated, p)
	}
	return allow(ReasonActive, p)
}
