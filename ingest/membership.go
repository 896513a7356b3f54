package ingest

// invalidator is a Subjects that caches and can drop a person's state;
// *subject.Cache is one.
type invalidator interface{ Invalidate(personID string) }

// MembershipChanged drops what the service remembers about personID (in
// every household: householdID may be ""), so that once a membership ends
// the next reading attributed to the person is refused (SEC-AUTHZ). Ingestion knows memberships only through
// Config.Subjects: MembershipChanged drops the person's cached subject
// when Subjects caches them (as *subject.Cache does). Call it after a
// membership ends or changes (household.Config.MembershipChanged).
func (s *Service) MembershipChanged(householdID, personID string) {
	if c, ok := s.subjects.(invalidator); ok {
		c.Invalidate(personID)
	}
}
