package erasure_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/internal/devicetest"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
)

const password = "correct horse battery staple 42"

// clock is a settable clock; tests advance it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a real SQLite store in a temporary directory with the services
// erasure works with.
type env struct {
	t        *testing.T
	dir      string
	kek      *seal.KEK
	store    *sqlite.DB
	keys     *seal.Keyring
	m        *manifest.Manifest
	clock    *clock
	auth     *auth.Service
	hh       *household.Service
	svc      *erasure.Service
	notifier erasure.Notifier
	mu       sync.Mutex
	revoked  []string // devices whose credential changed
	ended    []string // "household/person" MembershipChanged was called with
	msg      int
}

func newEnv(t *testing.T, notifier erasure.Notifier) *env {
	t.Helper()
	m, ps := manifest.Check(examples.ThermostatName, examples.Thermostat)
	if len(ps) > 0 {
		t.Fatalf("manifest: %v", ps)
	}
	kek, err := seal.NewKEK(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: t.TempDir(), kek: kek, m: m, notifier: notifier,
		clock: &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}}
	e.open()
	return e
}

// open opens the store in e.dir and builds the services on it.
func (e *env) open() {
	t := e.t
	store, err := sqlite.Open(e.dir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	e.store, e.keys = store, seal.NewKeyring(e.kek, store)
	e.auth = auth.NewService(auth.Config{Store: store, Now: e.clock.Now})
	ended := func(hh, p string) {
		e.mu.Lock()
		e.ended = append(e.ended, hh+"/"+p)
		e.mu.Unlock()
	}
	e.hh = household.NewService(household.Config{Store: store, Manifest: e.m, Opener: e.keys, Now: e.clock.Now,
		CredentialChanged: func(id string) {
			e.mu.Lock()
			e.revoked = append(e.revoked, id)
			e.mu.Unlock()
		},
		MembershipChanged: ended})
	e.svc, err = erasure.NewService(erasure.Config{Store: store, Keys: e.keys, Auth: e.auth, Households: e.hh, Manifest: e.m, Now: e.clock.Now,
		Notifier: e.notifier, MembershipChanged: ended})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
}

func (e *env) ctx() context.Context { return e.t.Context() }

// user signs up an account holder and returns their account.
func (e *env) user(name string) *hearth.Account {
	e.t.Helper()
	a, _, err := e.auth.SignUp(e.ctx(), name+"@example.org", password, name)
	if err != nil {
		e.t.Fatalf("SignUp: %v", err)
	}
	return a
}

// household creates a household owned by owner.
func (e *env) household(owner string) string {
	e.t.Helper()
	h, err := e.hh.CreateHousehold(e.ctx(), owner, "Home")
	if err != nil {
		e.t.Fatalf("CreateHousehold: %v", err)
	}
	return h.ID
}

// join adds an account holder to hh with role.
func (e *env) join(owner, hh, person string, role hearth.Role) {
	e.t.Helper()
	token, _, err := e.hh.Invite(e.ctx(), owner, hh, role)
	if err != nil {
		e.t.Fatalf("Invite: %v", err)
	}
	if _, err := e.hh.Join(e.ctx(), person, token); err != nil {
		e.t.Fatalf("Join: %v", err)
	}
}

// profile adds a profile without an account to hh.
func (e *env) profile(owner, hh string, role hearth.Role, guardian string) string {
	e.t.Helper()
	p, err := e.hh.AddPerson(e.ctx(), owner, hh, "Kid", role, guardian)
	if err != nil {
		e.t.Fatalf("AddPerson: %v", err)
	}
	return p.ID
}

// device provisions and claims a device in hh.
func (e *env) device(owner, hh string) string {
	e.t.Helper()
	id, _ := devicetest.Claim(e.t, e.hh, owner, hh, "ember-s1")
	return id
}

// reading stores a sealed reading about person ("" for the household) with
// the given value, taken at age before the clock's now.
func (e *env) reading(dev, hh, person, category string, age time.Duration, value string) hearth.Reading {
	e.t.Helper()
	e.msg++
	now := e.clock.Now()
	r := hearth.Reading{DeviceID: dev, HouseholdID: hh, PersonID: person, Category: category,
		MsgID: "m" + time.Duration(e.msg).String(), Time: now.Add(-age), Received: now}
	v, _ := json.Marshal(map[string]string{"v": value})
	sealed, err := e.keys.Seal(e.ctx(), r.Subject(), v, r.AAD())
	if err != nil {
		e.t.Fatalf("Seal: %v", err)
	}
	r.Sealed = sealed
	if _, err := e.store.InsertReadings(e.ctx(), []hearth.Reading{r}); err != nil {
		e.t.Fatalf("InsertReadings: %v", err)
	}
	return r
}

// count returns how many readings f selects.
func (e *env) count(f hearth.ErasureFilter) int64 {
	e.t.Helper()
	n, err := e.store.CountReadings(e.ctx(), f)
	if err != nil {
		e.t.Fatalf("CountReadings: %v", err)
	}
	return n
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
