package policy

import "github.com/hearth-iot/hearth"

// Member is one household member's part in the decisions about the
// household's own data: who they are and their privacy state.
type Member struct {
	Party Party
	State Subject
}

// HouseholdOf returns the state that decides data attributed to a household
// rather than to a person (a reading without a person), from a device in
// mode (CONSENT-MULTIUSER). Such data is about everyone who lives there,
// so a purpose may use it only while it is active for every owner, adult
// and child member: each adult has consented and switched the feature on
// themselves, and a guardian has done so for each child. Guests, visitors
// rather than residents, take no part. The state is the most private of
// the members' states: the purposes and features on for all of them, any
// one's restrictions and objections, the coarsest location, a child's
// high-privacy rules if any member is a child.
//
// Consent covers the household's data already kept, within its retention,
// as well as what is collected while it lasts: once every member has
// consented, a purpose reads the stored history. When any one of them
// withdraws or switches the feature off, the purpose stops using household
// data with the next decision.
//
// With no member taking part it returns HouseholdSubject: the manifest's
// defaults, without consent.
func (e *Engine) HouseholdOf(members []Member, mode hearth.DeviceMode) Subject {
	s, first := e.HouseholdSubject(mode), true
	for _, m := range members {
		if m.Party.Role == hearth.RoleGuest {
			continue
		}
		st := m.State
		if first {
			s, first = st, false
			s.Mode = mode
			continue
		}
		s.Consented = s.Consented.Intersect(st.Consented)
		s.Enabled = s.Enabled.Intersect(st.Enabled)
		s.Features = s.Features.Intersect(st.Features)
		s.Refused = s.Refused.Union(st.Refused)
		s.Restricted = s.Restricted.Union(st.Restricted)
		s.Objected = s.Objected.Union(st.Objected)
		s.ADMOptOut = s.ADMOptOut.Union(st.ADMOptOut)
		s.RestrictAll = s.RestrictAll || st.RestrictAll
		s.ObjectMarketing = s.ObjectMarketing || st.ObjectMarketing
		s.Child = s.Child || st.Child
		s.Location = min(s.Location, st.Location)
		for f := range s.FeatureLocation {
			s.FeatureLocation[f] = min(s.FeatureLocation[f], st.FeatureLocation[f])
		}
	}
	return s
}
