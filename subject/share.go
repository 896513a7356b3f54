package subject

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth/policy"
)

// Shares gives the categories of a person's data they shared with another
// member (RIGHT-ACCESS-OTHERS), each with the time it was granted;
// *consent.Service satisfies it.
type Shares interface {
	SharedWith(ctx context.Context, subject, reader string) (map[string]time.Time, error)
}

// SharedWith returns the categories of subject's data shared with reader,
// each with the time it was granted (policy.MayRead weighs it against both
// people's memberships), from the ledger on every call (reads are not on the hot path, and a
// revocation applies to the next read). It returns none without
// Config.Shares.
func (c *Cache) SharedWith(ctx context.Context, subject, reader string) (map[string]time.Time, error) {
	if c.cfg.Shares == nil || subject == "" || reader == "" {
		return nil, nil
	}
	cats, err := c.cfg.Shares.SharedWith(ctx, subject, reader)
	if err != nil {
		return nil, fmt.Errorf("subject shares: %w", err)
	}
	return cats, nil
}

// Party returns personID as a party to a read in householdID
// (policy.MayRead): their role, guardian, and whether they are a profile
// without an account. An empty personID is the household itself. It
// returns ENOTFOUND when the person is not a member.
func (c *Cache) Party(ctx context.Context, householdID, personID string) (policy.Party, error) {
	if personID == "" {
		return policy.Party{HouseholdID: householdID}, nil
	}
	m, err := c.cfg.Store.Member(ctx, householdID, personID)
	if err != nil {
		return policy.Party{}, fmt.Errorf("party membership: %w", err)
	}
	p, err := c.cfg.Store.Person(ctx, personID)
	if err != nil {
		return policy.Party{}, fmt.Errorf("party person: %w", err)
	}
	party := policy.PartyOf(*m)
	party.Profile = p.AccountID == ""
	return party, nil
}
