package policy

import "github.com/hearth-iot/hearth"

// MayRead decides whether actor may read subject's data of one category
// (SEC-AUTHZ, RIGHT-ACCESS-OTHERS). A subject with an empty PersonID is the
// household itself: data attributed to no person. shared says whether the
// subject shared the category with actor, an explicit and revocable share
// recorded in the ledger. The rules, in order:
//
//  1. actor must be identified and a member of the subject's household;
//  2. a person reads their own data;
//  3. owners and adults read the household's own data; children and guests
//     read only data about themselves;
//  4. a guardian reads their child's data;
//  5. the household's owners, and the guardian, read the data of a profile
//     without an account (RIGHT-UNREGISTERED);
//  6. otherwise, nobody reads another person's data, whatever their role,
//     unless that person shared the category with them.
//
// MayRead decides who may read; Engine.Read decides, separately, for which
// purpose the data may be used. It does not allocate.
func MayRead(actor, subject Party, shared bool) Decision {
	switch {
	case actor.PersonID == "":
		return deny(ReasonUnknownParty, -1)
	case actor.HouseholdID == "" || actor.HouseholdID != subject.HouseholdID:
		return deny(ReasonNotMember, -1)
	case subject.PersonID == actor.PersonID:
		return allow(ReasonOwnData, -1)
	case subject.PersonID == "":
		if actor.Role == hearth.RoleOwner || actor.Role == hearth.RoleAdult {
			return allow(ReasonHouseholdData, -1)
		}
		return deny(ReasonNotYourData, -1)
	case subject.Child && subject.GuardianID == actor.PersonID:
		return allow(ReasonChildData, -1)
	case subject.Profile && (actor.Role == hearth.RoleOwner || subject.GuardianID == actor.PersonID):
		return allow(ReasonManagedProfile, -1)
	case shared:
		return allow(ReasonShared, -1)
	}
	return deny(ReasonNotShared, -1)
}
