package ingest

// MembershipChanged drops what the service remembers about personID's
// membership of householdID, so that once a membership ends the next
// reading attributed to the person is refused. Call it after a membership
// ends or changes (household.Config.MembershipChanged); the subject cache
// (Config.Subjects) has its own invalidation.
func (s *Service) MembershipChanged(householdID, personID string) {
	s.members.forget(householdID, personID)
}

// forget drops a remembered membership.
func (c *memberCache) forget(household, person string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.expires, memberKey{household, person})
}
