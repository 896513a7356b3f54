package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

const stats = "product-statistics" // the thermostat example's analytics purpose

// env is real SQLite with the thermostat manifest, sealed readings, the
// consent service, the subject cache and the analytics service.
type env struct {
	ctx      context.Context
	db       hearth.Store
	m        *manifest.Manifest
	keyring  *seal.Keyring
	consents *consent.Service
	cache    *subject.Cache
	svc      *analytics.Service
	now      time.Time
	day      time.Time // the day the readings are in
	n        int       // readings stored, for message IDs
}

// newEnv opens SQLite with the thermostat example, its analytics budget
// replaced by the edits (old, new pairs).
func newEnv(t *testing.T, edits ...string) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return newEnvOn(t, db, edits...)
}

// newEnvOn is newEnv on the store db.
func newEnvOn(t *testing.T, db hearth.Store, edits ...string) *env {
	t.Helper()
	doc := strings.NewReplacer(edits...).Replace(string(examples.Thermostat))
	m, err := manifest.Parse(examples.ThermostatName, []byte(doc))
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	kek, err := seal.NewKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("kek: %v", err)
	}
	e := &env{ctx: context.Background(), db: db, m: m, keyring: seal.NewKeyring(kek, db),
		now: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), day: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.consents, err = consent.NewService(consent.Config{Store: db, Ledger: ledger.New(db, clock), Manifest: m, Policy: eng, Now: clock,
		OnChange: func(p string) { e.cache.Invalidate(p) }})
	if err != nil {
		t.Fatalf("consent service: %v", err)
	}
	if e.cache, err = subject.New(subject.Config{Store: db, Manifest: m, Policy: eng, Consents: e.consents, Now: clock}); err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	e.svc, err = analytics.NewService(analytics.Config{Store: db, Manifest: m, Policy: eng, Subjects: e.cache, Opener: e.keyring, Now: clock})
	if err != nil {
		t.Fatalf("analytics service: %v", err)
	}
	return e
}

// home is a household of the test: its owner and its device.
type home struct {
	id, owner string
	dev       *hearth.Device
}

// household stores a household with one owner and one thermostat; with
// consent the owner consents to the analytics purpose.
func (e *env) household(t *testing.T, consent bool) home {
	t.Helper()
	h := home{id: hearth.NewID("hh_")}
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "P", Created: e.now}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.ID + "@households.example"), PasswordHash: "x", PersonID: p.ID, Created: e.now}
	p.AccountID = a.ID
	if err := e.db.CreateAccount(e.ctx, a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if err := e.db.CreateHousehold(e.ctx, &hearth.Household{ID: h.id, Name: "Home", Created: e.now},
		&hearth.Member{HouseholdID: h.id, PersonID: p.ID, Role: hearth.RoleOwner, Added: e.now}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	h.owner = p.ID
	h.dev = &hearth.Device{ID: hearth.NewID("dev_"), Model: "ember-t1", HouseholdID: h.id, Mode: hearth.ModeCloud, CredentialHash: []byte("h"), Created: e.now, Claimed: e.now}
	if err := e.db.CreateDevice(e.ctx, h.dev); err != nil {
		t.Fatalf("CreateDevice: %v", err)
	}
	if consent {
		e.give(t, h.owner)
	}
	return h
}

func (e *env) give(t *testing.T, person string) {
	t.Helper()
	if _, err := e.consents.Give(e.ctx, person, person, stats, hearth.MethodApp, ""); err != nil {
		t.Fatalf("give consent: %v", err)
	}
}

func (e *env) withdraw(t *testing.T, person string) {
	t.Helper()
	if _, err := e.consents.Withdraw(e.ctx, person, person, stats, hearth.MethodApp); err != nil {
		t.Fatalf("withdraw consent: %v", err)
	}
}

// readings seals and stores n room temperatures about h's owner, at
// e.day plus i minutes, each of celsius.
func (e *env) readings(t *testing.T, h home, n int, celsius float64) {
	t.Helper()
	values, _ := json.Marshal(map[string]float64{"celsius": celsius})
	var batch []hearth.Reading
	for i := range n {
		e.n++
		r := hearth.Reading{DeviceID: h.dev.ID, HouseholdID: h.id, PersonID: h.owner, Category: "room-temperature",
			MsgID: fmt.Sprintf("m%d", e.n), Time: e.day.Add(time.Duration(i%1440) * time.Minute), Received: e.now}
		sealed, err := e.keyring.Seal(e.ctx, r.Subject(), values, r.AAD())
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		r.Sealed = sealed
		batch = append(batch, r)
		if len(batch) == 1000 || i == n-1 {
			if _, err := e.db.InsertReadings(e.ctx, batch); err != nil {
				t.Fatalf("InsertReadings: %v", err)
			}
			batch = batch[:0]
		}
	}
}

// count asks the count of room temperatures on e.day in one group.
func (e *env) count(epsilon float64) analytics.Query {
	return analytics.Query{Dataset: "room-temperature", Kind: analytics.Count, From: e.day, To: e.day.AddDate(0, 0, 1), Epsilon: epsilon}
}

// value returns the only group's value, failing if it was withheld.
func value(t *testing.T, r *analytics.Result) float64 {
	t.Helper()
	if len(r.Groups) != 1 || r.Groups[0].Value == nil {
		t.Fatalf("groups = %+v, want one with a value", r.Groups)
	}
	return *r.Groups[0].Value
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if hearth.ErrorCode(err) != code {
		t.Fatalf("error = %v (code %q), want code %q", err, hearth.ErrorCode(err), code)
	}
}

func asError(err error, target **hearth.Error) bool { return errors.As(err, target) }
