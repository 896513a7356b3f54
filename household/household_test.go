package household_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
)

type env struct {
	ctx     context.Context
	db      *sqlite.DB
	keyring *seal.Keyring
	svc     *household.Service
	now     time.Time
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
	kek, err := seal.NewKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("new kek: %v", err)
	}
	e := &env{ctx: context.Background(), db: db, keyring: seal.NewKeyring(kek, db),
		now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e.svc = household.NewService(household.Config{Store: db, Manifest: m, Opener: e.keyring, Now: func() time.Time { return e.now }})
	return e
}

// person signs up an account holder and returns their person ID.
func (e *env) person(t *testing.T, name string) string {
	t.Helper()
	a := auth.NewService(auth.Config{Store: e.db})
	_, p, err := a.SignUp(e.ctx, strings.ToLower(name)+"@example.org", "correct horse battery staple", name)
	if err != nil {
		t.Fatalf("sign up %s: %v", name, err)
	}
	return p.ID
}

func (e *env) household(t *testing.T, owner string) string {
	t.Helper()
	h, err := e.svc.CreateHousehold(e.ctx, owner, "Home")
	if err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	return h.ID
}

// join invites person into hh with role and redeems the invitation.
func (e *env) join(t *testing.T, owner, hh, person string, role hearth.Role) {
	t.Helper()
	token, _, err := e.svc.Invite(e.ctx, owner, hh, role)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if _, err := e.svc.Join(e.ctx, person, token); err != nil {
		t.Fatalf("Join: %v", err)
	}
}

// claimed provisions a device and claims it into hh.
func (e *env) claimed(t *testing.T, owner, hh string) *hearth.Device {
	t.Helper()
	_, _, code, err := e.svc.ProvisionDevice(e.ctx, "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	dev, err := e.svc.ClaimDevice(e.ctx, owner, hh, code)
	if err != nil {
		t.Fatalf("ClaimDevice: %v", err)
	}
	return dev
}

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != want {
		t.Fatalf("code = %q, want %q (err %v)", got, want, err)
	}
}

// SEC-AUTHZ: a non-member learns nothing (ENOTFOUND) from any method; a
// member without the role gets EFORBIDDEN.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	owner, guest, stranger := e.person(t, "Owner"), e.person(t, "Guest"), e.person(t, "Stranger")
	hh := e.household(t, owner)
	e.join(t, owner, hh, guest, hearth.RoleGuest)
	dev := e.claimed(t, owner, hh)
	_, _, code, err := e.svc.ProvisionDevice(e.ctx, "ember-s1", "2.1")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	calls := map[string]func(caller string) error{
		"Household": func(c string) error { _, err := e.svc.Household(e.ctx, c, hh); return err },
		"Members":   func(c string) error { _, err := e.svc.Members(e.ctx, c, hh); return err },
		"Devices":   func(c string) error { _, err := e.svc.Devices(e.ctx, c, hh); return err },
		"Readings": func(c string) error {
			_, err := e.svc.Readings(e.ctx, c, "heating-control", hearth.ReadingFilter{HouseholdID: hh})
			return err
		},
		"Invite":            func(c string) error { _, _, err := e.svc.Invite(e.ctx, c, hh, hearth.RoleAdult); return err },
		"AddPerson":         func(c string) error { _, err := e.svc.AddPerson(e.ctx, c, hh, "Kim", hearth.RoleGuest, ""); return err },
		"ClaimDevice":       func(c string) error { _, err := e.svc.ClaimDevice(e.ctx, c, hh, code); return err },
		"RevokeCredential":  func(c string) error { return e.svc.RevokeCredential(e.ctx, c, dev.ID) },
		"ReissueCredential": func(c string) error { _, err := e.svc.ReissueCredential(e.ctx, c, dev.ID); return err },
	}
	// The guest may read but not manage.
	guestWant := map[string]string{"Household": "", "Members": "", "Devices": "", "Readings": "",
		"Invite": hearth.EFORBIDDEN, "AddPerson": hearth.EFORBIDDEN, "ClaimDevice": hearth.EFORBIDDEN,
		"RevokeCredential": hearth.EFORBIDDEN, "ReissueCredential": hearth.EFORBIDDEN}
	for name, call := range calls {
		t.Run(name+"/stranger", func(t *testing.T) {
			err := call(stranger)
			wantCode(t, err, hearth.ENOTFOUND)
			if msg := hearth.ErrorMessage(err); msg != "no such household" && msg != "no such device" {
				t.Errorf("message = %q, want no such household or device", msg)
			}
		})
		t.Run(name+"/guest", func(t *testing.T) { wantCode(t, call(guest), guestWant[name]) })
	}
	hs, err := e.svc.Households(e.ctx, stranger)
	if err != nil || len(hs) != 0 {
		t.Errorf("Households(stranger) = %v, %v; want none", hs, err)
	}
}

// CONSENT-MULTIUSER: every member sees each role's controls.
func TestMembers(t *testing.T) {
	e := newEnv(t)
	owner, adult := e.person(t, "Owner"), e.person(t, "Adult")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	ms, err := e.svc.Members(e.ctx, adult, hh)
	if err != nil {
		t.Fatalf("Members: %v", err)
	}
	if got, want := len(ms), 2; got != want {
		t.Fatalf("%d members, want %d", got, want)
	}
	for i, want := range []struct {
		id, name string
		role     hearth.Role
	}{{owner, "Owner", hearth.RoleOwner}, {adult, "Adult", hearth.RoleAdult}} {
		m := ms[i]
		if m.PersonID != want.id || m.DisplayName != want.name || m.Role != want.role || !m.HasAccount {
			t.Errorf("member %d = %+v, want %s %s %s with an account", i, m, want.id, want.name, want.role)
		}
		if got := m.Controls; got != hearth.RoleControls(want.role) || got == "" {
			t.Errorf("member %d controls = %q, want the %s role's", i, got, want.role)
		}
	}
}

func TestInvite(t *testing.T) {
	e := newEnv(t)
	owner, a, b := e.person(t, "Owner"), e.person(t, "A"), e.person(t, "B")
	hh := e.household(t, owner)
	_, _, err := e.svc.Invite(e.ctx, owner, hh, hearth.RoleChild)
	wantCode(t, err, hearth.EINVALID)
	_, _, err = e.svc.Invite(e.ctx, owner, hh, "king")
	wantCode(t, err, hearth.EINVALID)
	token, inv, err := e.svc.Invite(e.ctx, owner, hh, hearth.RoleAdult)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if got, want := inv.Expires, e.now.Add(household.InviteTTL); !got.Equal(want) {
		t.Errorf("Expires = %v, want %v", got, want)
	}
	if _, err := e.svc.Join(e.ctx, a, token); err != nil {
		t.Fatalf("Join: %v", err)
	}
	_, err = e.svc.Join(e.ctx, b, token)
	wantCode(t, err, hearth.ECONFLICT)
	_, err = e.svc.Join(e.ctx, b, "made-up-token")
	wantCode(t, err, hearth.EINVALID)
	token, _, _ = e.svc.Invite(e.ctx, owner, hh, hearth.RoleGuest)
	e.now = e.now.Add(household.InviteTTL)
	_, err = e.svc.Join(e.ctx, b, token)
	wantCode(t, err, hearth.EGONE)
}

// RIGHT-UNREGISTERED: profiles without an account; a child needs a guardian.
func TestAddPerson(t *testing.T) {
	e := newEnv(t)
	owner, guest := e.person(t, "Owner"), e.person(t, "Guest")
	hh := e.household(t, owner)
	e.join(t, owner, hh, guest, hearth.RoleGuest)
	tests := []struct {
		name     string
		display  string
		role     hearth.Role
		guardian string
		code     string
		field    string
	}{
		{"guest profile", "Visiting Gran", hearth.RoleGuest, "", "", ""},
		{"adult profile", "Lodger", hearth.RoleAdult, "", "", ""},
		{"child with owner guardian", "Sam", hearth.RoleChild, owner, "", ""},
		{"child without guardian", "Sam", hearth.RoleChild, "", hearth.EINVALID, "guardian_id"},
		{"child with guest guardian", "Sam", hearth.RoleChild, guest, hearth.EINVALID, "guardian_id"},
		{"child with outside guardian", "Sam", hearth.RoleChild, "per_nobody", hearth.EINVALID, "guardian_id"},
		{"guardian for an adult", "Lodger", hearth.RoleAdult, owner, hearth.EINVALID, "guardian_id"},
		{"owner profile", "Boss", hearth.RoleOwner, "", hearth.EINVALID, "role"},
		{"no name", " ", hearth.RoleGuest, "", hearth.EINVALID, "display_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.svc.AddPerson(e.ctx, owner, hh, tt.display, tt.role, tt.guardian)
			wantCode(t, err, tt.code)
			if got := hearth.ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
			if err == nil && (p.AccountID != "" || p.HouseholdID != hh) {
				t.Errorf("person = %+v, want a profile of %s without an account", p, hh)
			}
		})
	}
}

func TestClaimDevice(t *testing.T) {
	e := newEnv(t)
	owner, adult := e.person(t, "Owner"), e.person(t, "Adult")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	_, _, _, err := e.svc.ProvisionDevice(e.ctx, "toaster-9000", "1.0")
	wantCode(t, err, hearth.EINVALID)
	dev, secret, code, err := e.svc.ProvisionDevice(e.ctx, "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	if !bytes.Equal(dev.CredentialHash, auth.HashDeviceSecret(secret)) { // SEC-NO-DEFAULT-PW
		t.Errorf("credential hash is not the hash of the secret shown")
	}
	got, err := e.svc.ClaimDevice(e.ctx, adult, hh, strings.ToLower(code))
	if err != nil {
		t.Fatalf("ClaimDevice: %v", err)
	}
	if got.HouseholdID != hh {
		t.Errorf("HouseholdID = %q, want %q", got.HouseholdID, hh)
	}
	// SEC-BRUTE: a used, an unknown and an expired code get one answer.
	_, used := e.svc.ClaimDevice(e.ctx, owner, hh, code)
	_, unknown := e.svc.ClaimDevice(e.ctx, owner, hh, "2222-2222-2222-2222")
	_, _, code, _ = e.svc.ProvisionDevice(e.ctx, "ember-t1", "1.0.0")
	e.now = e.now.Add(household.ClaimTTL)
	_, expired := e.svc.ClaimDevice(e.ctx, owner, hh, code)
	for name, err := range map[string]error{"used": used, "unknown": unknown, "expired": expired} {
		wantCode(t, err, hearth.EINVALID)
		if got, want := hearth.ErrorMessage(err), hearth.ErrorMessage(unknown); got != want || hearth.ErrorField(err) != "code" {
			t.Errorf("%s code: %q on %q, want %q on code", name, got, hearth.ErrorField(err), want)
		}
	}
	ds, err := e.svc.Devices(e.ctx, adult, hh)
	if err != nil || len(ds) != 1 || ds[0].ID != dev.ID {
		t.Errorf("Devices = %v, %v; want just %s", ds, err, dev.ID)
	}
}

func TestCredentials(t *testing.T) {
	e := newEnv(t)
	owner := e.person(t, "Owner")
	hh := e.household(t, owner)
	dev := e.claimed(t, owner, hh)
	secret, err := e.svc.ReissueCredential(e.ctx, owner, dev.ID)
	if err != nil {
		t.Fatalf("ReissueCredential: %v", err)
	}
	stored, _ := e.db.Device(e.ctx, dev.ID)
	if !bytes.Equal(stored.CredentialHash, auth.HashDeviceSecret(secret)) {
		t.Errorf("stored hash is not the new secret's")
	}
	if err := e.svc.RevokeCredential(e.ctx, owner, dev.ID); err != nil {
		t.Fatalf("RevokeCredential: %v", err)
	}
	stored, _ = e.db.Device(e.ctx, dev.ID)
	if bytes.Equal(stored.CredentialHash, auth.HashDeviceSecret(secret)) {
		t.Errorf("the secret still matches after revocation")
	}
	err = e.svc.RevokeCredential(e.ctx, owner, "dev_unknown")
	wantCode(t, err, hearth.ENOTFOUND)
}

// insert seals and stores a reading about person (or the household).
func (e *env) insert(t *testing.T, dev *hearth.Device, person string, i int) {
	t.Helper()
	r := hearth.Reading{DeviceID: dev.ID, HouseholdID: dev.HouseholdID, PersonID: person, Category: "room-temperature",
		MsgID: fmt.Sprintf("m%d", i), Time: e.now.Add(time.Duration(i) * time.Minute), Received: e.now}
	sealed, err := e.keyring.Seal(e.ctx, r.Subject(), []byte(fmt.Sprintf(`{"celsius":%d}`, 20+i)), r.AAD())
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	r.Sealed = sealed
	if _, err := e.db.InsertReadings(e.ctx, []hearth.Reading{r}); err != nil {
		t.Fatalf("insert: %v", err)
	}
}

func TestReadings(t *testing.T) {
	e := newEnv(t)
	owner := e.person(t, "Owner")
	hh := e.household(t, owner)
	child, err := e.svc.AddPerson(e.ctx, owner, hh, "Sam", hearth.RoleChild, owner)
	if err != nil {
		t.Fatalf("AddPerson: %v", err)
	}
	dev := e.claimed(t, owner, hh)
	for i := range 5 {
		e.insert(t, dev, "", i)
	}
	e.insert(t, dev, owner, 5)
	const core = "heating-control" // contract, core: no consent needed
	first, err := e.svc.Readings(e.ctx, owner, core, hearth.ReadingFilter{HouseholdID: hh, Limit: 4})
	if err != nil {
		t.Fatalf("Readings: %v", err)
	}
	page, next := first.Readings, first.Next
	if len(page) != 4 || next != page[3].ID {
		t.Fatalf("first page: %d readings, next %d; want 4 and the last ID", len(page), next)
	}
	if got, want := string(page[0].Values), `{"celsius":20}`; got != want {
		t.Errorf("values = %s, want %s", got, want)
	}
	second, err := e.svc.Readings(e.ctx, owner, core, hearth.ReadingFilter{HouseholdID: hh, Limit: 4, After: next})
	if rest := second.Readings; err != nil || len(rest) != 2 || second.Next != 0 {
		t.Fatalf("second page: %d readings, next %d, %v; want 2, 0, nil", len(rest), second.Next, err)
	}
	if got, want := second.Readings[1].PersonID, owner; got != want {
		t.Errorf("PersonID = %q, want %q", got, want)
	}
	// A child sees only readings about themselves: none here.
	mine, err := e.svc.Readings(e.ctx, child.ID, core, hearth.ReadingFilter{HouseholdID: hh})
	if err != nil || len(mine.Readings) != 0 {
		t.Errorf("child's readings = %d, %v; want none", len(mine.Readings), err)
	}
	_, err = e.svc.Readings(e.ctx, owner, core, hearth.ReadingFilter{HouseholdID: hh, Limit: household.MaxReadingLimit + 1})
	wantCode(t, err, hearth.EINVALID)
	// Every read names a declared purpose; a purpose on consent reads
	// nothing without it, and says why (CONSENT-OPTIN).
	for _, purpose := range []string{"", "selling-data"} {
		_, err = e.svc.Readings(e.ctx, owner, purpose, hearth.ReadingFilter{HouseholdID: hh})
		wantCode(t, err, hearth.EINVALID)
		if got := hearth.ErrorField(err); got != "purpose" {
			t.Errorf("Readings(purpose %q) field = %q, want purpose", purpose, got)
		}
	}
	insights, err := e.svc.Readings(e.ctx, owner, "energy-insights", hearth.ReadingFilter{HouseholdID: hh})
	if err != nil || len(insights.Readings) != 0 {
		t.Fatalf("energy-insights readings = %d, %v; want none", len(insights.Readings), err)
	}
	if got, want := insights.Withheld, map[string]int{"feature_off": 6}; !maps.Equal(got, want) {
		t.Errorf("Withheld = %v, want %v", got, want)
	}
}

// SEC-BRUTE: claim-code redemption is rate-limited per account: a flood of
// guesses is refused with a retry delay after household.ClaimFailures,
// without reaching the store, while another person still claims their
// device with its code.
func TestClaimFlood(t *testing.T) {
	e := newEnv(t)
	guesser := e.person(t, "Guesser")
	hh := e.household(t, guesser)
	refused := 0
	for i := range 500 {
		_, err := e.svc.ClaimDevice(e.ctx, guesser, hh, fmt.Sprintf("2222-2222-2222-%04d", i))
		if _, ok := auth.IsRetryAfter(err); ok && hearth.ErrorCode(err) == hearth.ETOOMANY {
			refused++
		} else {
			wantCode(t, err, hearth.EINVALID)
		}
	}
	if want := 500 - household.ClaimFailures; refused != want {
		t.Errorf("%d guesses refused as too many, want %d", refused, want)
	}
	owner := e.person(t, "Owner")
	home := e.household(t, owner)
	_, _, code, err := e.svc.ProvisionDevice(e.ctx, "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	if _, err := e.svc.ClaimDevice(e.ctx, owner, home, code); err != nil {
		t.Errorf("another person's claim during the flood: %v", err)
	}
}
