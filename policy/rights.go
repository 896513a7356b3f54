package policy

import "github.com/hearth-iot/hearth"

// RightsReason says why a request to exercise a person's rights of access
// and portability for them was allowed or refused. Its String is a sentence
// a person can read; it never contains personal data.
type RightsReason uint8

// The rights reasons. The first group allows, the rest refuse.
const (
	RightsSelf            RightsReason = iota // a person acts for themselves
	RightsGuardian                            // a guardian acts for their child
	RightsOwnerForProfile                     // an owner acts for a household profile without an account
	RightsOwnerImports                        // an owner restores a person into their household
	RightsNotYours                            // the data is another person's
	RightsUnknownParty                        // a party is not identified
	RightsOwnersOnly                          // only the household's owners may restore a person into it
	numRightsReasons
)

var rightsText = [numRightsReasons]string{
	RightsSelf:            "you may get a copy of your own data",
	RightsGuardian:        "a guardian may get a copy of their child's data",
	RightsOwnerForProfile: "a household owner may get a copy of the data of a household profile without an account",
	RightsOwnerImports:    "a household owner may restore a person's export into the household",
	RightsNotYours:        "this data is another person's: only they, their guardian, or for a profile without an account the household's owners, may get a copy",
	RightsUnknownParty:    "the person asking or the person asked about is not identified",
	RightsOwnersOnly:      "only the household's owners may restore a person's export into it",
}

var rightsCodes = [numRightsReasons]string{
	RightsSelf:            "self",
	RightsGuardian:        "guardian",
	RightsOwnerForProfile: "owner_for_profile",
	RightsOwnerImports:    "owner_imports",
	RightsNotYours:        "not_your_data",
	RightsUnknownParty:    "unknown_party",
	RightsOwnersOnly:      "owners_only",
}

// String returns a sentence a person can read.
func (r RightsReason) String() string {
	if r < numRightsReasons {
		return rightsText[r]
	}
	return "unknown reason"
}

// Code returns a short stable label for the reason, such as "guardian".
func (r RightsReason) Code() string {
	if r < numRightsReasons {
		return rightsCodes[r]
	}
	return "unknown"
}

// RightsDecision is whether an actor may exercise a right for a person, and
// why.
type RightsDecision struct {
	Allow  bool
	Reason RightsReason
}

// Err returns nil when the decision allows, and otherwise an EFORBIDDEN
// *hearth.Error with the reason's sentence.
func (d RightsDecision) Err() error {
	if d.Allow {
		return nil
	}
	return &hearth.Error{Code: hearth.EFORBIDDEN, Message: d.Reason.String()}
}

// MayExport decides whether actor may get a copy of subject's data
// (RIGHT-ACCESS, RIGHT-ACCESS-OTHERS, RIGHT-UNREGISTERED): every person
// their own; a guardian their child's, in the same household; an owner of
// the household that of a profile without an account (subjectHasAccount
// false), which cannot ask for itself. Nobody else, whatever their role.
// It does not allocate.
func MayExport(actor, subject Party, subjectHasAccount bool) RightsDecision {
	sameHousehold := actor.HouseholdID != "" && actor.HouseholdID == subject.HouseholdID
	switch {
	case actor.PersonID == "" || subject.PersonID == "":
		return RightsDecision{Reason: RightsUnknownParty}
	case actor.PersonID == subject.PersonID:
		return RightsDecision{Allow: true, Reason: RightsSelf}
	case subject.Child && actor.PersonID == subject.GuardianID && !actor.Child && sameHousehold:
		return RightsDecision{Allow: true, Reason: RightsGuardian}
	case !subjectHasAccount && actor.Role == hearth.RoleOwner && sameHousehold:
		return RightsDecision{Allow: true, Reason: RightsOwnerForProfile}
	}
	return RightsDecision{Reason: RightsNotYours}
}

// MayImport decides whether actor may restore a person's export into
// actor's household (RIGHT-PORT): only an owner may add people to it.
func MayImport(actor Party) RightsDecision {
	switch {
	case actor.PersonID == "":
		return RightsDecision{Reason: RightsUnknownParty}
	case actor.Role == hearth.RoleOwner:
		return RightsDecision{Allow: true, Reason: RightsOwnerImports}
	}
	return RightsDecision{Reason: RightsOwnersOnly}
}
