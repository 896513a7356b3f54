package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
)

// EraseBasis says on what ground an actor may erase a subject's data
// (RIGHT-ERASE, RIGHT-UNREGISTERED); EraseDenied refuses.
type EraseBasis uint8

// The erasure bases.
const (
	EraseDenied          EraseBasis = iota // the actor may not erase the subject's data
	EraseSelf                              // a person erases their own data
	EraseGuardian                          // a guardian erases their child's data
	EraseOwnerForProfile                   // an owner erases a profile without an account in their household
)

// String returns the basis as a sentence a person can read.
func (b EraseBasis) String() string {
	switch b {
	case EraseSelf:
		return "you may erase your own data"
	case EraseGuardian:
		return "a guardian may erase their child's data"
	case EraseOwnerForProfile:
		return "a household's owner may erase the data of a profile without an account"
	}
	return "each person erases their own data; a guardian their child's; an owner a profile without an account"
}

// MayErase decides whether actor may erase subject's data, and on what
// ground: whoever exercises the subject's rights (MayExerciseRights: the
// person with an account, a guardian for their child, an owner for a
// profile without an account) and, since erasing can only remove data, a
// child their own data too. Nobody erases another account holder's data,
// whatever their role. It does not allocate.
func MayErase(actor, subject Party, subjectHasAccount bool) EraseBasis {
	if actor.PersonID != "" && actor.PersonID == subject.PersonID {
		return EraseSelf
	}
	d := MayExerciseRights(actor, subject, subjectHasAccount)
	switch {
	case !d.Allow:
		return EraseDenied
	case d.Reason == ReasonGuardian:
		return EraseGuardian
	case d.Reason == ReasonOwnerForProfile:
		return EraseOwnerForProfile
	}
	return EraseSelf
}

// DeletionCutoff returns the instant before which a person's readings go
// under the periodic deletion they chose (RETENTION): weekly keeps the last
// 7 days, monthly the last month and yearly the last 12 months, counted
// back from now.
// It returns false for an unknown period.
func DeletionCutoff(p hearth.DeletionPeriod, now time.Time) (time.Time, bool) {
	switch p {
	case hearth.DeleteWeekly:
		return now.AddDate(0, 0, -7), true
	case hearth.DeleteMonthly:
		return now.AddDate(0, -1, 0), true
	case hearth.DeleteYearly:
		return now.AddDate(-1, 0, 0), true
	}
	return time.Time{}, false
}
