package erasure_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
)

// TestClosedAccountEndsHouseholdAsLeaving: a household left empty by its
// last member closing their account ends exactly as one its last member
// leaves: its devices are removed (unclaimed, the credential replaced, the
// session ended through CredentialChanged), its unused invitations
// deleted, the membership's caches dropped (RIGHT-ERASE, SEC-AUTHZ).
func TestClosedAccountEndsHouseholdAsLeaving(t *testing.T) {
	type end struct {
		DevicesIn        int    // devices still bound to the household
		DeviceHousehold  string // the device's household afterwards
		SameCredential   bool   // the device's old credential hash survives
		SessionEnded     bool   // CredentialChanged was called for the device
		InviteCode       string // error code of joining with the unused invitation (EINVALID: gone)
		MembershipCached bool   // MembershipChanged was not called
	}
	ways := []struct {
		name string
		end  func(e *env, a *hearth.Account, hh string) error
	}{
		{"the last member leaves", func(e *env, a *hearth.Account, hh string) error {
			return e.hh.Leave(e.ctx(), a.PersonID, hh)
		}},
		{"the last member closes their account", func(e *env, a *hearth.Account, hh string) error {
			_, err := e.svc.CloseAccount(e.ctx(), a, password)
			return err
		}},
	}
	want := end{DeviceHousehold: "", InviteCode: hearth.EINVALID, SessionEnded: true}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a, late := e.user("ann"), e.user("late")
			hh := e.household(a.PersonID)
			dev := e.device(a.PersonID, hh)
			before, err := e.store.Device(e.ctx(), dev)
			must(t, "Device", err)
			token, _, err := e.hh.Invite(e.ctx(), a.PersonID, hh, hearth.RoleAdult)
			must(t, "Invite", err)

			must(t, w.name, w.end(e, a, hh))

			var got end
			ds, err := e.store.DevicesIn(e.ctx(), hh)
			must(t, "DevicesIn", err)
			got.DevicesIn = len(ds)
			after, err := e.store.Device(e.ctx(), dev)
			must(t, "Device", err)
			got.DeviceHousehold = after.HouseholdID
			got.SameCredential = bytes.Equal(before.CredentialHash, after.CredentialHash)
			got.SessionEnded = slices.Contains(e.revoked, dev)
			_, err = e.hh.Join(e.ctx(), late.PersonID, token)
			got.InviteCode = hearth.ErrorCode(err)
			got.MembershipCached = !slices.Contains(e.ended, hh+"/"+a.PersonID)
			if got != want {
				t.Errorf("the household ends as %+v, want %+v", got, want)
			}
		})
	}
}

// TestCloseAccountAllOrNothing: a person who may not leave one of their
// households (its last owner while others remain) closes nothing: every
// membership, device and session stays, and the error names the household
// (RIGHT-ERASE, SEC-AUTHZ).
func TestCloseAccountAllOrNothing(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.user("ann"), e.user("bob")
	solo := e.household(a.PersonID)
	shared := e.household(a.PersonID)
	e.join(a.PersonID, shared, b.PersonID, hearth.RoleAdult)
	dev := e.device(a.PersonID, solo)
	token, _, err := e.auth.SignIn(e.ctx(), string(a.Email), password, "127.0.0.1")
	must(t, "SignIn", err)

	_, err = e.svc.CloseAccount(e.ctx(), a, password)
	wantCode(t, "CloseAccount of the last owner of a household with members", err, hearth.ECONFLICT)
	if f := hearth.ErrorField(err); f != "household" || !strings.Contains(hearth.ErrorMessage(err), shared) {
		t.Errorf("error %q (field %q), want field household and a message naming %s", hearth.ErrorMessage(err), f, shared)
	}
	for _, hh := range []string{solo, shared} {
		if _, err := e.store.Member(e.ctx(), hh, a.PersonID); err != nil {
			t.Errorf("membership of %s after the refused closure: %v", hh, err)
		}
	}
	if ds, err := e.store.DevicesIn(e.ctx(), solo); err != nil || len(ds) != 1 || len(e.revoked) != 0 {
		t.Errorf("devices of the household after the refused closure = %d (%v), revoked %v; want 1 kept", len(ds), err, e.revoked)
	}
	if _, err := e.auth.Authenticate(e.ctx(), token); err != nil {
		t.Errorf("session after the refused closure: %v", err)
	}

	// Once another member is an owner, the closure goes through, and only
	// the household left empty ends.
	_, err = e.hh.SetRole(e.ctx(), a.PersonID, shared, b.PersonID, hearth.RoleOwner, "")
	must(t, "SetRole", err)
	_, err = e.svc.CloseAccount(e.ctx(), a, password)
	must(t, "CloseAccount", err)
	if ds, _ := e.store.DevicesIn(e.ctx(), solo); len(ds) != 0 || !slices.Contains(e.revoked, dev) {
		t.Errorf("the emptied household keeps %d devices (revoked %v), want none", len(ds), e.revoked)
	}
	if ms, _ := e.store.Members(e.ctx(), shared); len(ms) != 1 || ms[0].PersonID != b.PersonID {
		t.Errorf("members of the shared household = %+v, want bob alone", ms)
	}
}

// TestEraseGuardianProfile: erasing everything about a profile that is a
// child's guardian is refused like a guardian's closure, so no child is
// left without a guardian; once the child has another, it goes through
// (RIGHT-ERASE, SEC-AUTHZ).
func TestEraseGuardianProfile(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	gran := e.profile(a.PersonID, hh, hearth.RoleAdult, "")
	kid := e.profile(a.PersonID, hh, hearth.RoleChild, gran)

	_, err := e.svc.Erase(e.ctx(), a.PersonID, hh, gran, erasure.Scope{Everything: true}, password)
	wantCode(t, "Erase a guardian profile", err, hearth.ECONFLICT)
	if _, err := e.store.Member(e.ctx(), hh, gran); err != nil {
		t.Errorf("the refused erasure ended the membership: %v", err)
	}
	_, err = e.hh.SetRole(e.ctx(), a.PersonID, hh, kid, hearth.RoleChild, a.PersonID)
	must(t, "SetRole", err)
	_, err = e.svc.Erase(e.ctx(), a.PersonID, hh, gran, erasure.Scope{Everything: true}, password)
	must(t, "Erase the former guardian profile", err)
	_, err = e.store.Person(e.ctx(), gran)
	wantCode(t, "Person after erasing the profile", err, hearth.ENOTFOUND)
}
