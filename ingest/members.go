package ingest

import (
	"sync"
	"time"
)

// Membership cache bounds: a positive lookup is trusted for memberTTL, and
// at most memberCacheSize lookups are kept. Service.MembershipChanged drops
// a lookup at once when a membership ends through the household service;
// the TTL bounds only changes made any other way.
const (
	memberTTL       = time.Minute
	memberCacheSize = 100_000
)

type memberKey struct{ household, person string }

// memberCache remembers recent positive membership lookups. It is safe for
// concurrent use.
type memberCache struct {
	now     func() time.Time
	mu      sync.Mutex
	expires map[memberKey]time.Time
}

func newMemberCache(now func() time.Time) *memberCache {
	return &memberCache{now: now, expires: make(map[memberKey]time.Time)}
}

func (c *memberCache) has(household, person string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := memberKey{household, person}
	exp, ok := c.expires[k]
	if ok && c.now().Before(exp) {
		return true
	}
	if ok {
		delete(c.expires, k)
	}
	return false
}

func (c *memberCache) add(household, person string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.expires) >= memberCacheSize {
		clear(c.expires) // rare; the next lookups go to the store
	}
	c.expires[memberKey{household, person}] = c.now().Add(memberTTL)
}
