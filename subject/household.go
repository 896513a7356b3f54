package subject

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth/policy"
)

// householdKey is the person key under which a household's own state is
// cached; no person has an empty ID.
const householdKey = ""

// Household returns the Subject that decides the household's own data
// (readings attributed to no person): policy.Engine.HouseholdOf over the
// states of its members (CONSENT-MULTIUSER): its owner, adult and child members, so a
// consent-based purpose uses it only while every one of them (a guardian
// for a child) has consented and switched its feature on. It is cached
// like a person's state, and any member's invalidation drops it.
func (c *Cache) Household(ctx context.Context, householdID string) (policy.Subject, error) {
	now := c.cfg.Now()
	c.mu.RLock()
	e, ok := c.entries[householdKey][householdID]
	epoch := c.epoch
	c.mu.RUnlock()
	if ok && now.Before(e.expires) && c.trusted() {
		return e.s, nil
	}
	ms, err := c.cfg.Store.Members(ctx, householdID)
	if err != nil {
		return policy.Subject{}, fmt.Errorf("household members: %w", err)
	}
	members := make([]policy.Member, 0, len(ms))
	for _, m := range ms { // who takes part is policy's decision (HouseholdOf)
		st, err := c.Person(ctx, householdID, m.PersonID)
		if err != nil {
			return policy.Subject{}, fmt.Errorf("household member: %w", err)
		}
		members = append(members, policy.Member{Party: policy.PartyOf(m), State: st})
	}
	s := c.cfg.Policy.HouseholdOf(members, "")
	c.put(epoch, householdID, householdKey, entry{s: s, expires: now.Add(c.cfg.TTL)})
	return s, nil
}
