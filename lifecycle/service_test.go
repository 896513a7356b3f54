package lifecycle_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/internal/devicetest"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
)

// env is a real SQLite store with the services a lifecycle.Service works
// with; changed records the devices whose sessions it ended.
type env struct {
	t       *testing.T
	now     time.Time // the service's clock; tests move it
	store   *sqlite.DB
	hh      *household.Service
	svc     *lifecycle.Service
	mu      sync.Mutex
	changed []string
}

func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with eraser in place of the erasure service, if
// not nil.
func newEnvWith(t *testing.T, eraser lifecycle.Eraser) *env {
	t.Helper()
	m, ps := manifest.Check(examples.ThermostatName, examples.Thermostat)
	if len(ps) > 0 {
		t.Fatalf("manifest: %v", ps)
	}
	kek, err := seal.NewKEK(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	keys := seal.NewKeyring(kek, store)
	e := &env{t: t, store: store}
	a := auth.NewService(auth.Config{Store: store})
	e.hh = household.NewService(household.Config{Store: store, Manifest: m, Opener: keys})
	er, err := erasure.NewService(erasure.Config{Store: store, Keys: keys, Auth: a, Households: e.hh, Manifest: m})
	if err != nil {
		t.Fatalf("erasure service: %v", err)
	}
	e.now = time.Now().UTC()
	if eraser == nil {
		eraser = er
	}
	e.svc, err = lifecycle.NewService(lifecycle.Config{Store: store, Eraser: eraser, Auth: a,
		Now:               func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now },
		CredentialChanged: func(id string) { e.mu.Lock(); e.changed = append(e.changed, id); e.mu.Unlock() }})
	if err != nil {
		t.Fatalf("lifecycle service: %v", err)
	}
	return e
}

// owner stores an account and a household it owns, and returns both IDs.
func (e *env) owner(name string) (person, hh string) {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: name, Created: now}
	acct := &hearth.Account{ID: hearth.NewID("acc_"), Email: hearth.Email(p.ID + "@example.org"), PasswordHash: "x", PersonID: p.ID, Created: now}
	p.AccountID = acct.ID
	if err := e.store.CreateAccount(ctx, acct, p); err != nil {
		e.t.Fatalf("CreateAccount: %v", err)
	}
	return p.ID, e.household(p.ID)
}

// household stores another household owned by person.
func (e *env) household(person string) string {
	e.t.Helper()
	h, err := e.hh.CreateHousehold(context.Background(), person, "Home")
	if err != nil {
		e.t.Fatalf("CreateHousehold: %v", err)
	}
	return h.ID
}

// device provisions a device and claims it into hh as person.
func (e *env) device(person, hh string) string {
	e.t.Helper()
	id, _ := devicetest.Claim(e.t, e.hh, person, hh, "ember-t1")
	return id
}

// outcomes returns dev's log as "action/outcome" lines.
func (e *env) outcomes(dev string) []string {
	e.t.Helper()
	return devicetest.Log(e.t, e.store, dev)
}

// OWN-TRANSFER bad input: the device's owner accepting the code into
// another household of theirs is refused as the current owner; nothing
// moves and the attempt is recorded.
func TestCurrentOwnerInAnotherHousehold(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, hhA := e.owner("Alice")
	hhC := e.household(alice)
	dev := e.device(alice, hhA)
	started, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, "")
	if err != nil {
		t.Fatalf("StartTransfer: %v", err)
	}
	_, err = e.svc.AcceptTransfer(ctx, alice, hhC, started.Code)
	if hearth.ErrorCode(err) != hearth.ECONFLICT || hearth.ErrorField(err) != "code" {
		t.Errorf("AcceptTransfer by the current owner: %v, want ECONFLICT on code", err)
	}
	if d, _ := e.store.Device(ctx, dev); d.HouseholdID != hhA {
		t.Errorf("device in %s, want %s", d.HouseholdID, hhA)
	}
	if diff := cmp.Diff([]string{"transfer-started/done", "transfer-refused/current-owner"}, e.outcomes(dev)); diff != "" {
		t.Errorf("device log (-want +got):\n%s", diff)
	}
}

// OWN-TRANSFER: two owners accepting one code at once: exactly one gets
// the device and a secret; the other gets "this transfer code has been
// used", recorded.
func TestConcurrentAcceptance(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, hhA := e.owner("Alice")
	dev := e.device(alice, hhA)
	started, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, "")
	if err != nil {
		t.Fatalf("StartTransfer: %v", err)
	}
	type taker struct{ person, hh string }
	var takers []taker
	for _, name := range []string{"Bob", "Carol"} {
		p, hh := e.owner(name)
		takers = append(takers, taker{p, hh})
	}
	errs := make([]error, len(takers))
	var wg sync.WaitGroup
	for i, tk := range takers {
		wg.Go(func() { _, errs[i] = e.svc.AcceptTransfer(ctx, tk.person, tk.hh, started.Code) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			if d, _ := e.store.Device(ctx, dev); d.HouseholdID != takers[i].hh {
				t.Errorf("device in %s, want the winner's %s", d.HouseholdID, takers[i].hh)
			}
		case hearth.ErrorMessage(err) != "this transfer code has been used":
			t.Errorf("the other acceptance: %v, want the code used", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d acceptances won, want 1 (%v)", won, errs)
	}
	if diff := cmp.Diff([]string{"transfer-started/done", "transfer-accepted/done", "transfer-refused/code-used"}, sortedTail(e.outcomes(dev))); diff != "" {
		t.Errorf("device log (-want +got):\n%s", diff)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if diff := cmp.Diff([]string{dev}, e.changed); diff != "" {
		t.Errorf("sessions ended (-want +got):\n%s", diff)
	}
}

// sortedTail keeps the first entry and sorts the rest, whose order two
// racing acceptances decide.
func sortedTail(s []string) []string {
	if len(s) < 2 {
		return s
	}
	tail := append([]string(nil), s[1:]...)
	if len(tail) == 2 && tail[0] > tail[1] {
		tail[0], tail[1] = tail[1], tail[0]
	}
	return append(s[:1], tail...)
}

// SEC-MONITOR: device log entries and transfers (which name the people who
// acted) are kept LogRetention (a transfer: after it expired), then
// PruneLog deletes them; newer ones stay.
func TestLogRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	advance := func(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }
	alice, hhA := e.owner("Alice")
	bob, hhB := e.owner("Bob")
	dev, other := e.device(alice, hhA), e.device(bob, hhB)
	if _, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, ""); err != nil {
		t.Fatalf("StartTransfer: %v", err)
	}
	old, err := e.svc.StartTransfer(ctx, bob, other, lifecycle.KeepReadings, "")
	if err != nil {
		t.Fatalf("StartTransfer: %v", err)
	}
	advance(lifecycle.LogRetention)
	if err := e.svc.CancelTransfer(ctx, alice, dev); err != nil {
		t.Fatalf("CancelTransfer: %v", err)
	}
	advance(lifecycle.TransferTTL + time.Second) // the first two entries and Bob's transfer are past their retention
	n, err := e.svc.PruneLog(ctx)
	if err != nil || n != 2 {
		t.Errorf("PruneLog = %d, %v; want the 2 entries older than %v", n, err, lifecycle.LogRetention)
	}
	if diff := cmp.Diff([]string{"transfer-canceled/done"}, e.outcomes(dev)); diff != "" {
		t.Errorf("device log (-want +got):\n%s", diff)
	}
	if _, err := e.store.TransferByCode(ctx, auth.HashClaimCode(old.Code)); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("a transfer expired longer than %v ago: %v, want it deleted", lifecycle.LogRetention, err)
	}
}

// failingEraser is an erasure that fails, as a store failure would.
type failingEraser struct{}

func (failingEraser) EraseDeviceReadings(context.Context, string, string, string) (int64, error) {
	return 0, errors.New("disk full")
}

// OWN-TRANSFER: once the device has moved, a failed erasure of the
// previous household's readings does not cost the new owner the secret:
// the acceptance succeeds with EraseFailed, the log says erase-failed and
// the previous owner is told to erase the rest.
func TestAcceptWhenErasureFails(t *testing.T) {
	e := newEnvWith(t, failingEraser{})
	ctx := context.Background()
	alice, hhA := e.owner("Alice")
	bob, hhB := e.owner("Bob")
	dev := e.device(alice, hhA)
	_, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.EraseReadings, "")
	if hearth.ErrorField(err) != "password" {
		t.Fatalf("StartTransfer erasing without a password: %v, want a problem on password", err)
	}
	if err := e.store.SetPassword(ctx, e.account(alice), mustHash(t, "correct horse battery staple"), nil); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	started, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.EraseReadings, "correct horse battery staple")
	if err != nil {
		t.Fatalf("StartTransfer: %v", err)
	}
	a, err := e.svc.AcceptTransfer(ctx, bob, hhB, started.Code)
	if err != nil || !a.EraseFailed || a.Secret == "" || a.Device.HouseholdID != hhB {
		t.Fatalf("AcceptTransfer = %+v, %v; want the device moved, its secret, and EraseFailed", a, err)
	}
	if diff := cmp.Diff([]string{"transfer-started/done", "transfer-accepted/erase-failed"}, e.outcomes(dev)); diff != "" {
		t.Errorf("device log (-want +got):\n%s", diff)
	}
	ns, err := e.store.Notifications(ctx, alice, "", 0)
	if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Body, "did not complete") {
		t.Errorf("previous owner's notifications %+v (%v), want one saying the erasure did not complete", ns, err)
	}
}

// account returns the account ID of person.
func (e *env) account(person string) string {
	e.t.Helper()
	p, err := e.store.Person(context.Background(), person)
	if err != nil {
		e.t.Fatalf("Person: %v", err)
	}
	return p.AccountID
}

func mustHash(t *testing.T, password string) string {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	return h
}
