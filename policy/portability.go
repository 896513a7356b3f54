package policy

import "github.com/hearth-iot/hearth"

// MayImport decides whether actor may restore a person from another
// instance's export into actor's household (RIGHT-PORT): only an owner adds
// people to a household, and the restored person joins it as a profile
// without an account, which the owner then acts for (ReasonOwnerForProfile,
// as in MayExerciseRights). Anyone else is refused with ReasonOwnersOnly.
// It does not allocate.
func MayImport(actor Party) Decision {
	switch {
	case actor.PersonID == "":
		return deny(ReasonUnknownParty, -1)
	case actor.Role == hearth.RoleOwner:
		return allow(ReasonOwnerForProfile, -1)
	}
	return deny(ReasonOwnersOnly, -1)
}
