package household_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// hooked is an env whose service reports membership and credential
// changes, with a real subject cache invalidated by them, as cmd/hearth
// wires it.
type hooked struct {
	*env
	subjects     *subject.Cache
	members      []string // "household/person" per MembershipChanged call
	disconnected []string // device IDs per CredentialChanged call
}

func newHooked(t *testing.T) *hooked {
	t.Helper()
	h := &hooked{env: newEnv(t)}
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile policy: %v", err)
	}
	now := func() time.Time { return h.now }
	h.subjects, err = subject.New(subject.Config{Store: h.db, Manifest: m, Policy: eng, Now: now})
	if err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	h.svc = household.NewService(household.Config{Store: h.db, Manifest: m, Opener: h.keyring, Now: now, Policy: eng, Subjects: h.subjects,
		MembershipChanged: func(hh, p string) { h.members = append(h.members, hh+"/"+p); h.subjects.Invalidate(p) },
		CredentialChanged: func(d string) { h.disconnected = append(h.disconnected, d) },
	})
	return h
}

// TestRemoveMemberEndsAccessAtOnce: a removed member gets ENOTFOUND on the
// household from the next call, and a reading attributed to them is
// refused at once although the subject cache held them, with the clock
// standing still (SEC-AUTHZ). Their readings stay.
func TestRemoveMemberEndsAccessAtOnce(t *testing.T) {
	e := newHooked(t)
	owner, adult := e.person(t, "Owner"), e.person(t, "Adult")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	dev := e.claimed(t, owner, hh)
	if _, err := e.subjects.ForDevice(e.ctx, dev, adult); err != nil {
		t.Fatalf("ForDevice before removal: %v", err) // now cached
	}
	if _, err := e.svc.Household(e.ctx, adult, hh); err != nil {
		t.Fatalf("Household before removal: %v", err)
	}
	if want := []string{hh + "/" + adult}; !slices.Equal(e.members, want) {
		t.Errorf("MembershipChanged calls after joining = %v, want %v", e.members, want) // the household's state folds theirs now
	}
	e.members = nil

	if err := e.svc.RemoveMember(e.ctx, owner, hh, adult); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	_, err := e.svc.Household(e.ctx, adult, hh)
	wantCode(t, err, hearth.ENOTFOUND)
	_, err = e.subjects.ForDevice(e.ctx, dev, adult)
	wantCode(t, err, hearth.ENOTFOUND)
	if want := []string{hh + "/" + adult}; !slices.Equal(e.members, want) {
		t.Errorf("MembershipChanged calls = %v, want %v", e.members, want)
	}
	err = e.svc.RemoveMember(e.ctx, owner, hh, adult)
	wantCode(t, err, hearth.ENOTFOUND)
	if hearth.ErrorField(err) != "person" {
		t.Errorf("removing a non-member: field %q, want person", hearth.ErrorField(err))
	}
}

// TestLifecycleRules: only owners remove members and change roles; the
// last owner can be neither removed, demoted, nor leave while others
// remain; a child always has a guardian (ECONFLICT with a message saying
// what to do).
func TestLifecycleRules(t *testing.T) {
	e := newHooked(t)
	owner, adult, stranger := e.person(t, "Owner"), e.person(t, "Adult"), e.person(t, "Stranger")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	kid, err := e.svc.AddPerson(e.ctx, owner, hh, "Kid", hearth.RoleChild, adult)
	if err != nil {
		t.Fatalf("AddPerson: %v", err)
	}
	setRole := func(caller, person string, role hearth.Role, guardian string) error {
		_, err := e.svc.SetRole(e.ctx, caller, hh, person, role, guardian)
		return err
	}
	steps := []struct {
		name string
		err  error
		code string
	}{
		{"a stranger removes a member", e.svc.RemoveMember(e.ctx, stranger, hh, adult), hearth.ENOTFOUND},
		{"a stranger changes a role", setRole(stranger, adult, hearth.RoleGuest, ""), hearth.ENOTFOUND},
		{"a stranger leaves", e.svc.Leave(e.ctx, stranger, hh), hearth.ENOTFOUND},
		{"an adult removes the owner", e.svc.RemoveMember(e.ctx, adult, hh, owner), hearth.EFORBIDDEN},
		{"an adult makes themselves owner", setRole(adult, adult, hearth.RoleOwner, ""), hearth.EFORBIDDEN},
		{"the last owner leaves", e.svc.Leave(e.ctx, owner, hh), hearth.ECONFLICT},
		{"the last owner removes themselves", e.svc.RemoveMember(e.ctx, owner, hh, owner), hearth.ECONFLICT},
		{"the last owner demotes themselves", setRole(owner, owner, hearth.RoleAdult, ""), hearth.ECONFLICT},
		{"the guardian is removed", e.svc.RemoveMember(e.ctx, owner, hh, adult), hearth.ECONFLICT},
		{"the guardian becomes a guest", setRole(owner, adult, hearth.RoleGuest, ""), hearth.ECONFLICT},
		{"a child without a guardian", setRole(owner, kid.ID, hearth.RoleChild, ""), hearth.EINVALID},
		{"a child their own guardian", setRole(owner, kid.ID, hearth.RoleChild, kid.ID), hearth.EINVALID},
		{"a child guarded by a stranger", setRole(owner, kid.ID, hearth.RoleChild, stranger), hearth.EINVALID},
		{"an adult with a guardian", setRole(owner, adult, hearth.RoleAdult, owner), hearth.EINVALID},
		{"an unknown role", setRole(owner, adult, "king", ""), hearth.EINVALID},
		{"a role for a non-member", setRole(owner, stranger, hearth.RoleAdult, ""), hearth.ENOTFOUND},
		{"a profile without an account made owner", setRole(owner, kid.ID, hearth.RoleOwner, ""), hearth.EINVALID},
		{"the child gets the owner as guardian", setRole(owner, kid.ID, hearth.RoleChild, owner), ""},
		{"the former guardian becomes a guest", setRole(owner, adult, hearth.RoleGuest, ""), ""},
		{"the guest becomes an owner", setRole(owner, adult, hearth.RoleOwner, ""), ""},
		{"the second owner makes the kid's guardian a guest", setRole(adult, owner, hearth.RoleGuest, ""), hearth.ECONFLICT},
		{"the second owner demotes the first to adult", setRole(adult, owner, hearth.RoleAdult, ""), ""},
		{"the first, now an adult, leaves as the kid's guardian", e.svc.Leave(e.ctx, owner, hh), hearth.ECONFLICT},
		{"the kid gets the second owner as guardian", setRole(adult, kid.ID, hearth.RoleChild, adult), ""},
		{"the first leaves", e.svc.Leave(e.ctx, owner, hh), ""},
		// RIGHT-UNREGISTERED: removing a profile would strand its data.
		{"a profile without an account removed", e.svc.RemoveMember(e.ctx, adult, hh, kid.ID), hearth.ECONFLICT},
	}
	for _, s := range steps {
		if got := hearth.ErrorCode(s.err); got != s.code {
			t.Errorf("%s: code %q (err %v), want %q", s.name, got, s.err, s.code)
		}
		if s.code == hearth.ECONFLICT && hearth.ErrorMessage(s.err) == "internal error" {
			t.Errorf("%s: no message a person can act on", s.name)
		}
	}
}

// TestRemoveDevice: an owner takes a device out of the household; it is
// unclaimed, its credential revoked and its session ended (the hook), and
// the readings it sent stay (SEC-AUTHZ).
func TestRemoveDevice(t *testing.T) {
	e := newHooked(t)
	owner, adult, stranger := e.person(t, "Owner"), e.person(t, "Adult"), e.person(t, "Stranger")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	dev := e.claimed(t, owner, hh)
	other := e.household(t, stranger)
	wantCode(t, e.svc.RemoveDevice(e.ctx, stranger, hh, dev.ID), hearth.ENOTFOUND)
	wantCode(t, e.svc.RemoveDevice(e.ctx, stranger, other, dev.ID), hearth.ENOTFOUND)
	wantCode(t, e.svc.RemoveDevice(e.ctx, adult, hh, dev.ID), hearth.EFORBIDDEN)
	wantCode(t, e.svc.RemoveDevice(e.ctx, owner, hh, "dev_nobody"), hearth.ENOTFOUND)
	if len(e.disconnected) != 0 {
		t.Fatalf("refused removals disconnected %v", e.disconnected)
	}
	if err := e.svc.RemoveDevice(e.ctx, owner, hh, dev.ID); err != nil {
		t.Fatalf("RemoveDevice: %v", err)
	}
	got, err := e.db.Device(e.ctx, dev.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	if got.HouseholdID != "" || !got.Claimed.IsZero() || string(got.CredentialHash) == string(dev.CredentialHash) {
		t.Errorf("device after removal = household %q, claimed %v, credential changed %v; want unclaimed with a new credential",
			got.HouseholdID, got.Claimed, string(got.CredentialHash) != string(dev.CredentialHash))
	}
	if want := []string{dev.ID}; !slices.Equal(e.disconnected, want) {
		t.Errorf("CredentialChanged calls = %v, want %v", e.disconnected, want)
	}
	wantCode(t, e.svc.RemoveDevice(e.ctx, owner, hh, dev.ID), hearth.ENOTFOUND)
	// Unclaimed again, the device can be given a new claim code and join
	// another household.
	code, err := e.svc.NewClaimCode(e.ctx, dev.ID)
	if err != nil {
		t.Fatalf("NewClaimCode after removal: %v", err)
	}
	if _, err := e.svc.ClaimDevice(e.ctx, stranger, other, code); err != nil {
		t.Fatalf("ClaimDevice into another household: %v", err)
	}
	if ds, _ := e.svc.Devices(e.ctx, owner, hh); len(ds) != 0 {
		t.Errorf("the first household lists %d devices, want 0", len(ds))
	}
}

// TestLastMemberLeaves: the last member may leave; the household's
// devices are then removed too, since nobody is left to hold them, and its
// unused invitations stop working, so nobody joins a household without an
// owner.
func TestLastMemberLeaves(t *testing.T) {
	e := newHooked(t)
	owner := e.person(t, "Owner")
	hh := e.household(t, owner)
	dev := e.claimed(t, owner, hh)
	token, _, err := e.svc.Invite(e.ctx, owner, hh, hearth.RoleAdult)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if err := e.svc.Leave(e.ctx, owner, hh); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	if _, err := e.svc.Household(e.ctx, owner, hh); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Household after leaving: %v, want ENOTFOUND", err)
	}
	got, err := e.db.Device(e.ctx, dev.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	if got.HouseholdID != "" || !slices.Equal(e.disconnected, []string{dev.ID}) {
		t.Errorf("device household %q, disconnected %v; want unbound and disconnected", got.HouseholdID, e.disconnected)
	}
	_, err = e.svc.Join(e.ctx, e.person(t, "Late"), token)
	wantCode(t, err, hearth.EINVALID)
}
