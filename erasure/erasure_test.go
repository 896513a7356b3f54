package erasure_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
)

// TestErasePartial erases by category, device and time range, and nothing
// else (RIGHT-ERASE).
func TestErasePartial(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	d1, d2 := e.device(a.PersonID, hh), e.device(a.PersonID, hh)
	p := a.PersonID
	e.reading(d1, hh, p, "occupancy", time.Hour, "x")
	e.reading(d1, hh, p, "room-temperature", time.Hour, "x")
	e.reading(d2, hh, p, "room-temperature", 3*time.Hour, "x")
	e.reading(d2, hh, p, "device-health", 5*time.Hour, "x")
	e.reading(d1, hh, "", "room-temperature", time.Hour, "x")
	now := e.clock.Now()
	tests := []struct {
		name  string
		sc    erasure.Scope
		n     int64
		left  int64
		tells []string
	}{
		{"category", erasure.Scope{Category: "occupancy"}, 1, 3, nil},
		{"time range", erasure.Scope{From: now.Add(-4 * time.Hour), To: now.Add(-2 * time.Hour)}, 1, 2, []string{"cloud-host", "forecast-co"}},
		{"device", erasure.Scope{DeviceID: d2}, 1, 1, []string{"cloud-host", "forecast-co"}},
		{"category told to its recipient", erasure.Scope{Category: "device-health"}, 0, 1, []string{"cloud-host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv, err := e.svc.Preview(e.ctx(), p, hh, p, tt.sc)
			must(t, "Preview", err)
			if pv.Readings != tt.n {
				t.Errorf("Preview readings = %d, want %d", pv.Readings, tt.n)
			}
			res, err := e.svc.Erase(e.ctx(), p, hh, p, tt.sc, password)
			must(t, "Erase", err)
			if res.Readings != tt.n || res.KeyDestroyed || !res.LogCleared {
				t.Errorf("Erase = %+v, want %d readings, key kept, log cleared", res, tt.n)
			}
			if got := e.count(hearth.ErasureFilter{PersonID: p}); got != tt.left {
				t.Errorf("readings left = %d, want %d", got, tt.left)
			}
			var told []string
			for _, n := range res.Notices {
				told = append(told, n.RecipientID)
				if n.State != hearth.NoticeUnconfigured {
					t.Errorf("notice state = %s without a notifier, want unconfigured", n.State)
				}
			}
			if !slices.Equal(told, tt.tells) {
				t.Errorf("recipients told = %v, want %v", told, tt.tells)
			}
		})
	}
	if got := e.count(hearth.ErasureFilter{PersonID: "-", HouseholdID: hh}); got != 1 {
		t.Errorf("household readings = %d, want 1 (untouched)", got)
	}
	if _, err := e.store.Key(e.ctx(), p); err != nil {
		t.Errorf("partial erasure destroyed the key: %v", err)
	}
}

// TestEraseEverything destroys the key first, then every reading and
// setting; for an account holder everything includes the account, closed
// at once; another member's data stays (RIGHT-ERASE).
func TestEraseEverything(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.user("ann"), e.user("bob")
	hh := e.household(a.PersonID)
	e.join(a.PersonID, hh, b.PersonID, hearth.RoleAdult)
	dev := e.device(a.PersonID, hh)
	r := e.reading(dev, hh, b.PersonID, "occupancy", time.Hour, "MARKER")
	e.reading(dev, hh, a.PersonID, "occupancy", time.Hour, "ann's")
	must(t, "PutSettings", e.store.PutSettings(e.ctx(), &hearth.PersonSettings{PersonID: b.PersonID, Location: "city", Updated: e.clock.Now()}))
	token, _, err := e.auth.SignIn(e.ctx(), string(b.Email), password, "127.0.0.1")
	must(t, "SignIn", err)
	e.clock.Advance(time.Second)

	pv, err := e.svc.Preview(e.ctx(), b.PersonID, hh, b.PersonID, erasure.Scope{Everything: true})
	must(t, "Preview", err)
	for _, want := range []string{"1 readings", "destroyed first", "Backups taken before now", "Northwind Cloud Ltd", "Deleting the app", "The account is closed too"} {
		if !strings.Contains(pv.Text, want) {
			t.Errorf("preview text lacks %q:\n%s", want, pv.Text)
		}
	}
	_, err = e.svc.Erase(e.ctx(), b.PersonID, hh, b.PersonID, erasure.Scope{Everything: true}, "wrong password entirely")
	wantCode(t, "Erase with a wrong password", err, hearth.EFORBIDDEN)
	_, err = e.svc.Erase(e.ctx(), a.PersonID, hh, a.PersonID, erasure.Scope{Everything: true}, password)
	wantCode(t, "Erase everything of the last owner with members", err, hearth.ECONFLICT)

	res, err := e.svc.Erase(e.ctx(), b.PersonID, hh, b.PersonID, erasure.Scope{Everything: true}, password)
	must(t, "Erase", err)
	if !res.KeyDestroyed || res.Readings != 1 || !res.LogCleared || len(res.Notices) != 2 {
		t.Errorf("Erase = %+v, want key destroyed, 1 reading, log cleared, 2 notices", res)
	}
	_, err = e.keys.Open(e.ctx(), r.Sealed, r.AAD())
	wantCode(t, "Open a sealed copy after erasure", err, hearth.ENOTFOUND)
	if n := e.count(hearth.ErasureFilter{PersonID: b.PersonID}); n != 0 {
		t.Errorf("readings left = %d, want 0", n)
	}
	if n := e.count(hearth.ErasureFilter{PersonID: a.PersonID}); n != 1 {
		t.Errorf("another member's readings = %d, want 1", n)
	}
	_, err = e.store.Settings(e.ctx(), b.PersonID)
	wantCode(t, "Settings", err, hearth.ENOTFOUND)
	_, err = e.store.Account(e.ctx(), b.ID)
	wantCode(t, "Account", err, hearth.ENOTFOUND)
	_, err = e.auth.Authenticate(e.ctx(), token)
	wantCode(t, "Authenticate", err, hearth.EUNAUTHORIZED)
	if !slices.Contains(e.ended, hh+"/"+b.PersonID) {
		t.Errorf("MembershipChanged not called for the person: caches would keep them")
	}
	// RIGHT-REQUESTS: recorded, done, with the identity check.
	rs, err := e.store.RightsRequestsOf(e.ctx(), b.PersonID)
	must(t, "RightsRequestsOf", err)
	if len(rs) != 1 || rs[0].Type != hearth.RequestErasure || rs[0].Status != hearth.StatusDone || rs[0].IdentityCheck != hearth.CheckReauthenticated || rs[0].Outcome == "" {
		t.Errorf("rights requests = %+v, want one erasure, done, re-authenticated, with its outcome", rs)
	}
}

// TestEraseProfile: the owner erases a profile without an account, which
// deletes the profile too (RIGHT-UNREGISTERED); a guardian erases their
// child's data.
func TestEraseProfile(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	guest := e.profile(a.PersonID, hh, hearth.RoleGuest, "")
	child := e.profile(a.PersonID, hh, hearth.RoleChild, a.PersonID)
	dev := e.device(a.PersonID, hh)
	e.reading(dev, hh, guest, "occupancy", time.Hour, "x")
	e.reading(dev, hh, child, "occupancy", time.Hour, "x")
	_, err := e.svc.Erase(e.ctx(), a.PersonID, hh, guest, erasure.Scope{Everything: true}, password)
	must(t, "Erase the guest profile", err)
	_, err = e.store.Person(e.ctx(), guest)
	wantCode(t, "Person after erasing the profile", err, hearth.ENOTFOUND)
	res, err := e.svc.Erase(e.ctx(), a.PersonID, hh, child, erasure.Scope{Category: "occupancy"}, password)
	must(t, "Erase the child's occupancy", err)
	if res.Readings != 1 {
		t.Errorf("child's readings erased = %d, want 1", res.Readings)
	}
}

// TestEraseRefused: nobody erases another adult's data (403), and a
// non-member learns nothing (404) (SEC-AUTHZ, RIGHT-ERASE). Bad scopes are
// refused and change nothing.
func TestEraseRefused(t *testing.T) {
	e := newEnv(t, nil)
	a, b, c := e.user("ann"), e.user("bob"), e.user("cat")
	hh := e.household(a.PersonID)
	e.join(a.PersonID, hh, b.PersonID, hearth.RoleAdult)
	other := e.household(c.PersonID)
	dev := e.device(a.PersonID, hh)
	otherDev := e.device(c.PersonID, other)
	e.reading(dev, hh, b.PersonID, "occupancy", time.Hour, "x")
	tests := []struct {
		name              string
		actor, hh, person string
		sc                erasure.Scope
		code, field       string
	}{
		{"owner erases another adult", a.PersonID, hh, b.PersonID, erasure.Scope{Everything: true}, hearth.EFORBIDDEN, ""},
		{"adult erases the owner", b.PersonID, hh, a.PersonID, erasure.Scope{Everything: true}, hearth.EFORBIDDEN, ""},
		{"non-member", c.PersonID, hh, b.PersonID, erasure.Scope{Everything: true}, hearth.ENOTFOUND, ""},
		{"non-member erasing themselves through the household", c.PersonID, hh, c.PersonID, erasure.Scope{}, hearth.ENOTFOUND, ""},
		{"undeclared category", b.PersonID, hh, b.PersonID, erasure.Scope{Category: "heart-rate"}, hearth.EINVALID, "category"},
		{"device of another household", b.PersonID, hh, b.PersonID, erasure.Scope{DeviceID: otherDev}, hearth.EINVALID, "device_id"},
		{"everything with a category", b.PersonID, hh, b.PersonID, erasure.Scope{Everything: true, Category: "occupancy"}, hearth.EINVALID, "everything"},
		{"reversed range", b.PersonID, hh, b.PersonID, erasure.Scope{From: e.clock.Now(), To: e.clock.Now().Add(-time.Hour)}, hearth.EINVALID, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Erase(e.ctx(), tt.actor, tt.hh, tt.person, tt.sc, password)
			wantCode(t, "Erase", err, tt.code)
			if f := hearth.ErrorField(err); f != tt.field {
				t.Errorf("field = %q, want %q", f, tt.field)
			}
			_, err = e.svc.Preview(e.ctx(), tt.actor, tt.hh, tt.person, tt.sc)
			wantCode(t, "Preview", err, tt.code)
			_, err = e.svc.Notices(e.ctx(), tt.actor, tt.hh, tt.person)
			if tt.code == hearth.ENOTFOUND {
				wantCode(t, "Notices", err, tt.code)
			}
		})
	}
	if n := e.count(hearth.ErasureFilter{PersonID: b.PersonID}); n != 1 {
		t.Errorf("readings after refused erasures = %d, want 1", n)
	}
	if _, err := e.store.Key(e.ctx(), b.PersonID); err != nil {
		t.Errorf("key after refused erasures: %v", err)
	}
}
