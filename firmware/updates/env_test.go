package updates_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/sqlite"
)

const model = "ember-t1" // in examples/thermostat.yaml, security updates until 2031-12-31

// env is a service on a real SQLite store, with a clock the test moves and
// a commander that records what it is sent, as the broker would deliver
// it to the devices marked connected.
type env struct {
	ctx  context.Context
	db   *sqlite.DB
	svc  *updates.Service
	now  time.Time
	key  ed25519.PrivateKey
	cmd  *commander
	seen int // a counter the tests use to make unique names
}

// commander records commands to connected devices and answers ENOTFOUND
// for the others, as hearth.DeviceCommander does. Before each command it
// runs check, if set.
type commander struct {
	mu        sync.Mutex
	connected map[string]bool
	sent      map[string][][]byte
	check     func(deviceID string)
}

func (c *commander) Command(_ context.Context, deviceID string, cmd []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.connected[deviceID] {
		return hearth.Errorf(hearth.ENOTFOUND, "the device is not connected")
	}
	if c.check != nil {
		c.check(deviceID)
	}
	c.sent[deviceID] = append(c.sent[deviceID], cmd)
	return nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	key, err := firmware.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: context.Background(), db: db, key: key, now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		cmd: &commander{connected: map[string]bool{}, sent: map[string][][]byte{}}}
	e.svc, err = updates.New(updates.Config{Store: db, Manifest: m, Commander: e.cmd, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) trusted() []ed25519.PublicKey {
	return []ed25519.PublicKey{e.key.Public().(ed25519.PublicKey)}
}

// sign returns signed metadata and the image of version.
func (e *env) sign(t *testing.T, version string, substantial bool) (metadata, image []byte) {
	t.Helper()
	image = []byte("ember-t1 firmware " + version)
	notes := ""
	if substantial {
		notes = "Adds a holiday schedule; the display turns off at night."
	}
	md, err := firmware.Sign(e.key, firmware.NewRelease(model, version, image, e.now.Add(30*24*time.Hour), substantial, notes))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return md, image
}

// publish signs and publishes version.
func (e *env) publish(t *testing.T, version string, substantial bool) {
	t.Helper()
	md, img := e.sign(t, version, substantial)
	if _, err := e.svc.Publish(e.ctx, e.trusted(), md, img); err != nil {
		t.Fatalf("Publish %s: %v", version, err)
	}
}

// home is a household with an owner (an account), an adult and a child
// profile.
type home struct {
	id                  string
	owner, adult, child string
}

func (e *env) home(t *testing.T) home {
	t.Helper()
	e.seen++
	person := func(role hearth.Role, hh string) string {
		p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "P", HouseholdID: hh, Created: e.now}
		m := &hearth.Member{HouseholdID: hh, PersonID: p.ID, Role: role, Added: e.now}
		if err := e.db.CreatePerson(e.ctx, p, m); err != nil {
			t.Fatalf("CreatePerson: %v", err)
		}
		return p.ID
	}
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "Owner", Created: e.now}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(hearth.NewID("") + "@example.org"), PasswordHash: "x", PersonID: p.ID, Created: e.now}
	p.AccountID = a.ID
	if err := e.db.CreateAccount(e.ctx, a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	hh := &hearth.Household{ID: hearth.NewID("hh_"), Name: "Home", Created: e.now}
	if err := e.db.CreateHousehold(e.ctx, hh, &hearth.Member{HouseholdID: hh.ID, PersonID: p.ID, Role: hearth.RoleOwner, Added: e.now}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	return home{id: hh.ID, owner: p.ID, adult: person(hearth.RoleAdult, hh.ID), child: person(hearth.RoleChild, hh.ID)}
}

// device stores a device of model with firmware in household hh ("" for
// unclaimed), connected or not.
func (e *env) device(t *testing.T, hh, fw string, connected bool) string {
	t.Helper()
	d := &hearth.Device{ID: hearth.NewID("dev_"), Model: model, HouseholdID: hh, CredentialHash: []byte("h"),
		Firmware: fw, Mode: hearth.ModeCloud, Created: e.now}
	if hh != "" {
		d.Claimed = e.now
	}
	if err := e.db.CreateDevice(e.ctx, d); err != nil {
		t.Fatalf("CreateDevice: %v", err)
	}
	e.cmd.mu.Lock()
	e.cmd.connected[d.ID] = connected
	e.cmd.mu.Unlock()
	return d.ID
}

// notes returns the person's notifications of kind.
func (e *env) notes(t *testing.T, person string, kind hearth.NotificationKind) []hearth.Notification {
	t.Helper()
	ns, err := e.db.Notifications(e.ctx, person, "", 0)
	if err != nil {
		t.Fatalf("Notifications: %v", err)
	}
	var out []hearth.Notification
	for _, n := range ns {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != want {
		t.Errorf("%s: code %q (%v), want %q", what, got, err, want)
	}
}

// transfer starts a transfer of dev out of h, as its owner, and returns
// the code's hash.
func (e *env) transfer(t *testing.T, dev string, h home) []byte {
	t.Helper()
	code := []byte(hearth.NewID("code_"))
	tr := &hearth.Transfer{CodeHash: code, DeviceID: dev, FromHousehold: h.id, StartedBy: h.owner, Created: e.now, Expires: e.now.Add(time.Hour)}
	if err := e.db.CreateTransfer(e.ctx, tr); err != nil {
		t.Fatalf("CreateTransfer: %v", err)
	}
	return code
}
