package subject_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/subject"
)

// CONSENT-WITHDRAW across nodes: two caches on one store stand for two
// nodes. With node A's Config.Invalidated passing each invalidation to node
// B's Forget (as the cluster bus does), a consent given on A applies at once
// on B, whose clock never lets its entry expire; without it, B keeps
// deciding with its stale entry. Forget does not call the hook again.
func TestInvalidatedReachesOtherCache(t *testing.T) {
	const purpose = "energy-insights"
	for _, tt := range []struct {
		name   string
		linked bool
		want   bool // active on B after the consent on A
	}{{"linked", true, true}, {"not linked", false, false}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
			if err != nil {
				t.Fatalf("parse manifest: %v", err)
			}
			clock := func() time.Time { return e.now }
			var a, b *subject.Cache
			var sent, bHook []string
			consents, err := consent.NewService(consent.Config{Store: e.db, Ledger: ledger.New(e.db, clock), Manifest: m, Policy: e.eng, Now: clock,
				OnChange: func(p string) { a.Invalidate(p) }})
			if err != nil {
				t.Fatalf("consent service: %v", err)
			}
			a, err = subject.New(subject.Config{Store: e.db, Manifest: m, Policy: e.eng, Consents: consents, Now: clock,
				Invalidated: func(p string) {
					sent = append(sent, p)
					if tt.linked {
						b.Forget(p)
					}
				}})
			if err != nil {
				t.Fatalf("cache A: %v", err)
			}
			b, err = subject.New(subject.Config{Store: e.db, Manifest: m, Policy: e.eng, Consents: consents, Now: clock,
				Invalidated: func(p string) { bHook = append(bHook, p) }})
			if err != nil {
				t.Fatalf("cache B: %v", err)
			}
			if _, err := a.SetFeature(e.ctx, e.owner, e.hh, e.owner, purpose, true); err != nil {
				t.Fatalf("SetFeature: %v", err)
			}
			if active(t, b, e, purpose) { // B caches the owner's state: feature on, no consent
				t.Fatalf("%s active on B before any consent", purpose)
			}
			if _, err := consents.Give(e.ctx, e.owner, e.owner, purpose, hearth.MethodApp, ""); err != nil {
				t.Fatalf("Give: %v", err)
			}
			if got := active(t, b, e, purpose); got != tt.want {
				t.Errorf("on B after consent on A: %s active = %v, want %v", purpose, got, tt.want)
			}
			if !slices.Contains(sent, e.owner) {
				t.Errorf("Invalidated called with %q, want the person %s among them", sent, e.owner)
			}
			if len(bHook) != 0 {
				t.Errorf("B's Invalidated called with %q by Forget, want no call", bHook)
			}
			a.InvalidateAll()
			if sent[len(sent)-1] != "" {
				t.Errorf("InvalidateAll called Invalidated with %q, want \"\"", sent[len(sent)-1])
			}
		})
	}
}

// active reports whether purpose is active for the owner on cache c.
func active(t *testing.T, c *subject.Cache, e *env, purpose string) bool {
	t.Helper()
	s, err := c.Person(e.ctx, e.hh, e.owner)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	return e.eng.Active(&s, purpose).Allow
}

// While Config.Trusted says no, the cache neither uses nor keeps entries:
// every lookup reads the store, so a change it was not told of applies at
// once; trusted again, it caches as before.
func TestUntrustedCacheReadsStore(t *testing.T) {
	const purpose = "energy-insights"
	e := newEnv(t)
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	clock := func() time.Time { return e.now }
	trust := false
	c, err := subject.New(subject.Config{Store: e.db, Manifest: m, Policy: e.eng, Consents: e.consents, Now: clock,
		Trusted: func() bool { return trust }})
	if err != nil {
		t.Fatalf("cache: %v", err)
	}
	if _, err := e.cache.SetFeature(e.ctx, e.owner, e.hh, e.owner, purpose, true); err != nil {
		t.Fatalf("SetFeature: %v", err)
	}
	if active(t, c, e, purpose) {
		t.Fatalf("%s active before any consent", purpose)
	}
	// The consent service of newEnv invalidates e.cache, not c: c is not told.
	if _, err := e.consents.Give(e.ctx, e.owner, e.owner, purpose, hearth.MethodApp, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
	if !active(t, c, e, purpose) {
		t.Errorf("untrusted cache: %s not active after a consent it was not told of", purpose)
	}
	trust = true
	if !active(t, c, e, purpose) { // cached now
		t.Fatalf("trusted cache: %s not active", purpose)
	}
	if _, err := e.consents.Withdraw(e.ctx, e.owner, e.owner, purpose, hearth.MethodApp); err != nil {
		t.Fatalf("Withdraw: %v", err)
	}
	if !active(t, c, e, purpose) {
		t.Errorf("trusted cache, not told of the withdrawal: %s not active, want the cached (stale) state: the test needs caching", purpose)
	}
}
