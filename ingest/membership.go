package ingest

// MembershipChanged drops what the service remembers about personID's
// membership of householdID (of every household when householdID is ""),
// so that once a membership ends the next reading attributed to the person
// is refused. Call it after a membership
// ends or changes (household.Config.MembershipChanged); the subject cache
// (Config.Subjects) has its own invalidation.
func (s *Service) MembershipChanged(householdID, personID string) {
	s.members.forget(householdID, personID)
}

// forget drops a remembered membership, or every one of person's when
// household is "".
func (c *memberCache) forget(household, person string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if household != "" {
		delete(c.expires, memberKey{household, person})
		return
	}
	for k := range c.expires {
		if k.person == person {
			delete(c.expires, k)
		}
	}
}
