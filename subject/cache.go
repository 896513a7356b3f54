// Package subject builds the policy.Subject of a person or household, the
// state every privacy decision takes, from the services that own its parts:
// consents from the consent ledger (package consent), features and location
// choices from the person's settings, whether they are a child from their
// household role, and the device's mode. It also serves and changes the
// settings, and checks who may see or change a person's consents and
// settings. The decisions themselves stay in package policy.
//
// Subjects are on the hot ingest path, so a Cache keeps them in memory per
// person and household. Every consent or settings change made through the
// services drops the person's entries (consent.Config.OnChange calls
// Invalidate; Settings calls it itself), so a withdrawal applies to the next
// message (CONSENT-WITHDRAW). Membership and role changes made through
// the household service drop the person's entries too
// (household.Config.MembershipChanged calls Invalidate); facts changed any
// other way are trusted for at most Config.TTL. The cache is per process:
// where several processes (nodes) share a store, each Invalidate is passed
// on through Config.Invalidated, and the other nodes apply it with Forget
// (the server does so over its cluster bus, and Invalidated returns once
// they have, or after at most 2 s), so a change made on one node applies to the next message on
// every node; a node that may be missing invalidations stops using its
// entries while Config.Trusted says so.
package subject

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// Cache bounds.
const (
	DefaultTTL        = time.Minute
	DefaultMaxEntries = 100_000
)

// Store is what a Cache reads: memberships and settings.
type Store interface {
	hearth.HouseholdStore
	hearth.SettingsStore
}

// Consents gives a person's consents as policy sees them;
// *consent.Service satisfies it.
type Consents interface {
	Bits(ctx context.Context, subject string) (consented, refused policy.Bits, err error)
}

// Config configures a Cache. Store, Manifest and Policy are required.
type Config struct {
	Store    Store
	Manifest *manifest.Manifest
	Policy   *policy.Engine // compiled from Manifest
	// Consents is nil only where no consent can be given (tests, tools):
	// every subject then has none, the most private state.
	Consents Consents
	// Shares is nil only where nobody can share data (tests, tools):
	// every person's data is then read by themselves, their guardian and,
	// for a profile, the owners only.
	Shares Shares
	// TTL bounds how long an entry is trusted without an invalidation;
	// default DefaultTTL.
	TTL time.Duration
	// MaxEntries bounds the cache; default DefaultMaxEntries. When full it
	// is emptied, and the next lookups go to the store.
	MaxEntries int
	// Now is the clock, safe for concurrent use; default time.Now.
	Now func() time.Time
	// Invalidated, when set, is called after Invalidate with the person's
	// ID, and after InvalidateAll with "", so that other caches of the
	// same store (on other nodes) can Forget the same entries. It must be
	// safe for concurrent use and should not wait long: it is called on
	// the path of the change, which waits for it. Forget does not call it.
	Invalidated func(personID string)
	// Trusted, when set, is asked before a cached entry is used or one is
	// kept: while it returns false, every lookup reads the store and
	// nothing is cached (a node that may be missing other nodes'
	// invalidations). It must be safe for concurrent use, and cheap.
	Trusted func() bool
}

type entry struct {
	s       policy.Subject
	expires time.Time
}

// Cache builds and caches Subjects. It is safe for concurrent use.
type Cache struct {
	cfg       Config
	household policy.Subject // the state of household data; see policy.Engine.HouseholdSubject

	mu      sync.RWMutex
	entries map[string]map[string]entry // person ID -> household ID -> entry
	n       int
	epoch   uint64 // incremented by every invalidation
}

// New returns a Cache. It returns EINVALID if Store, Manifest or Policy is
// missing.
func New(cfg Config) (*Cache, error) {
	if cfg.Store == nil || cfg.Manifest == nil || cfg.Policy == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the subject cache needs a store, a manifest and a policy engine")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache{cfg: cfg, household: cfg.Policy.HouseholdSubject(""), entries: map[string]map[string]entry{}}, nil
}

// Policy returns the engine the Subjects are built for.
func (c *Cache) Policy() *policy.Engine { return c.cfg.Policy }

// ForDevice returns the Subject that decides a reading from dev about
// personID, or about the household when personID is "" (see Household).
// Mode is dev's. It returns ENOTFOUND when personID is not a member of
// dev's household, and other errors when the store fails.
func (c *Cache) ForDevice(ctx context.Context, dev *hearth.Device, personID string) (policy.Subject, error) {
	var s policy.Subject
	var err error
	if personID == "" {
		s, err = c.Household(ctx, dev.HouseholdID)
	} else {
		s, err = c.Person(ctx, dev.HouseholdID, personID)
	}
	if err != nil {
		return policy.Subject{}, err
	}
	s.Mode = dev.Mode
	return s, nil
}

// ForReading returns the Subject that decides a read of a stored reading:
// its person's, or the household's (see Household). A person no longer a
// member of the household gets the manifest's defaults without consent
// (policy.Engine.HouseholdSubject).
func (c *Cache) ForReading(ctx context.Context, r *hearth.Reading) (policy.Subject, error) {
	if r.PersonID == "" {
		return c.Household(ctx, r.HouseholdID)
	}
	s, err := c.Person(ctx, r.HouseholdID, r.PersonID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return c.household, nil
	}
	return s, err
}

// Person returns the Subject of personID as a member of householdID,
// without a device mode. It returns ENOTFOUND if they are not a member.
func (c *Cache) Person(ctx context.Context, householdID, personID string) (policy.Subject, error) {
	now := c.cfg.Now()
	c.mu.RLock()
	e, ok := c.entries[personID][householdID]
	epoch := c.epoch
	c.mu.RUnlock()
	if ok && now.Before(e.expires) && c.trusted() {
		return e.s, nil
	}
	s, err := c.build(ctx, householdID, personID)
	if err != nil {
		return policy.Subject{}, err
	}
	c.put(epoch, householdID, personID, entry{s: s, expires: now.Add(c.cfg.TTL)})
	return s, nil
}

// trusted reports whether cached entries may be used (Config.Trusted).
func (c *Cache) trusted() bool { return c.cfg.Trusted == nil || c.cfg.Trusted() }

// put stores an entry unless an invalidation happened since epoch was read
// (the entry may then be built from state older than the invalidation) or
// the cache is not trusted now.
func (c *Cache) put(epoch uint64, householdID, personID string, e entry) {
	if !c.trusted() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return
	}
	if c.n >= c.cfg.MaxEntries {
		clear(c.entries)
		c.n = 0
	}
	hh := c.entries[personID]
	if hh == nil {
		hh = map[string]entry{}
		c.entries[personID] = hh
	}
	if _, ok := hh[householdID]; !ok {
		c.n++
	}
	hh[householdID] = e
}

// Invalidate drops personID's cached Subjects; the next decision about them
// reads their state again. Call it after any change to their consents,
// settings or memberships. It then calls Config.Invalidated.
func (c *Cache) Invalidate(personID string) {
	c.Forget(personID)
	if c.cfg.Invalidated != nil {
		c.cfg.Invalidated(personID)
	}
}

// InvalidateAll drops every cached Subject, then calls Config.Invalidated
// with "".
func (c *Cache) InvalidateAll() {
	c.Forget("")
	if c.cfg.Invalidated != nil {
		c.cfg.Invalidated("")
	}
}

// Forget drops personID's cached Subjects, or every one when personID is
// "", without calling Config.Invalidated: it applies an invalidation made
// by another cache of the same store.
func (c *Cache) Forget(personID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if personID == "" {
		clear(c.entries)
		c.n = 0
		return
	}
	c.n -= len(c.entries[personID]) + len(c.entries[householdKey])
	delete(c.entries, personID)
	delete(c.entries, householdKey) // a household's state folds its members'
}

// build reads a person's state from the store and the consent service.
func (c *Cache) build(ctx context.Context, householdID, personID string) (policy.Subject, error) {
	m, err := c.cfg.Store.Member(ctx, householdID, personID)
	if err != nil {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return policy.Subject{}, &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household", Err: err}
		}
		return policy.Subject{}, fmt.Errorf("subject membership: %w", err)
	}
	st, err := c.settings(ctx, personID)
	if err != nil {
		return policy.Subject{}, err
	}
	s := c.fromSettings(st)
	if c.cfg.Consents != nil {
		if s.Consented, s.Refused, err = c.cfg.Consents.Bits(ctx, personID); err != nil {
			return policy.Subject{}, fmt.Errorf("subject consents: %w", err)
		}
	}
	s.Child = m.Role == hearth.RoleChild
	return s, nil
}
