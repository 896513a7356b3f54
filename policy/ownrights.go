package policy

// MayExerciseOwnRights decides whether actor may exercise subject's rights
// without naming a household (the /v1/me routes: RIGHT-ACCESS,
// RIGHT-ERASE, RIGHT-REQUESTS). Leaving a household erases nothing about a
// person, so their rights outlive their memberships: a person with an
// account acts for themselves here (ReasonSelf), whether they are still a
// member of some household or of none. memberships are the subject's
// current memberships: a child in any of them is refused, as a child's
// rights go through their guardian in that household (MayExerciseRights).
// Anyone else, a profile without an account included, is refused with
// ReasonNotYourRights; an unidentified party with ReasonUnknownParty. It
// does not allocate.
func MayExerciseOwnRights(actor, subject string, subjectHasAccount bool, memberships []Party) Decision {
	if actor == "" || subject == "" {
		return deny(ReasonUnknownParty, -1)
	}
	if actor != subject || !subjectHasAccount {
		return deny(ReasonNotYourRights, -1)
	}
	for _, m := range memberships {
		if m.Child {
			return deny(ReasonNotYourRights, -1)
		}
	}
	return allow(ReasonSelf, -1)
}
