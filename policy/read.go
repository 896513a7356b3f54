package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
)

// MayRead decides whether actor may read subject's data of one category
// (SEC-AUTHZ, RIGHT-ACCESS-OTHERS). A subject with an empty PersonID is the
// household itself: data attributed to no person. shared is when the
// subject shared the category with actor (the time of the share-granted
// ledger entry of the share in force), zero if they did not. The rules, in
// order:
//
//  1. actor must be identified and a member of the subject's household;
//  2. a person reads their own data;
//  3. owners and adults read the household's own data; children and guests
//     read only data about themselves;
//  4. a guardian reads their child's data;
//  5. the household's owners, and the guardian, read the data of a profile
//     without an account (RIGHT-UNREGISTERED);
//  6. otherwise, nobody reads another person's data, whatever their role,
//     unless that person shared the category with them and the share is
//     still in force (ShareInForce).
//
// MayRead decides who may read; Engine.Read decides, separately, for which
// purpose the data may be used. It does not allocate.
func MayRead(actor, subject Party, shared time.Time) Decision {
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
	case ShareInForce(shared, actor, subject):
		return allow(ReasonShared, -1)
	}
	return deny(ReasonNotShared, -1)
}

// ShareInForce decides whether a share of subject's data with reader,
// granted at granted (zero: never), still counts (RIGHT-ACCESS-OTHERS,
// SEC-AUTHZ). A share counts only while both people stay members of the
// household together without a break: it must have been granted during
// both current memberships (Party.Since), so a member who is removed or
// leaves and is invited again, or whose sharer did, reads nothing until a
// new share is granted. Nothing needs revoking when a membership ends.
// Times are compared at the ledger's resolution, whole milliseconds: a
// share granted in the millisecond a membership began counts.
func ShareInForce(granted time.Time, reader, subject Party) bool {
	if granted.IsZero() || reader.HouseholdID == "" || reader.HouseholdID != subject.HouseholdID {
		return false
	}
	g := granted.Truncate(time.Millisecond)
	return !g.Before(reader.Since.Truncate(time.Millisecond)) && !g.Before(subject.Since.Truncate(time.Millisecond))
}
