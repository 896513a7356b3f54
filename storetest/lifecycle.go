package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testLifecycle covers LifecycleStore: ending sessions, memberships and
// device bindings, and the rules that keep a household an owner and every
// child a guardian.
func testLifecycle(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("SetPasswordKeepsOneSession", func(t *testing.T) { t.Parallel(); testSetPassword(t, open(t)) })
	t.Run("DeleteSessionsOf", func(t *testing.T) { t.Parallel(); testDeleteSessionsOf(t, open(t)) })
	t.Run("RemoveMember", func(t *testing.T) { t.Parallel(); testRemoveMember(t, open(t)) })
	t.Run("LastOwner", func(t *testing.T) { t.Parallel(); testLastOwner(t, open(t)) })
	t.Run("Guardian", func(t *testing.T) { t.Parallel(); testGuardian(t, open(t)) })
	t.Run("RemoveMemberships", func(t *testing.T) { t.Parallel(); testRemoveMemberships(t, open(t)) })
	t.Run("SetRole", func(t *testing.T) { t.Parallel(); testSetRole(t, open(t)) })
	t.Run("UnbindDevice", func(t *testing.T) { t.Parallel(); testUnbindDevice(t, open(t)) })
	t.Run("DeleteInvites", func(t *testing.T) { t.Parallel(); testDeleteInvites(t, open(t)) })
}

// sessions stores n sessions of account a and returns their token hashes.
func sessions(t *testing.T, s hearth.Store, a *hearth.Account, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		h := []byte(hearth.NewID("tok-"))
		must(t, "CreateSession", s.CreateSession(ctx(t), &hearth.Session{TokenHash: h, AccountID: a.ID,
			Created: at(time.Duration(i) * time.Second), Expires: at(time.Hour)}))
		out = append(out, h)
	}
	return out
}

// alive returns which of the token hashes still name a session.
func alive(t *testing.T, s hearth.Store, hashes [][]byte) []bool {
	t.Helper()
	out := make([]bool, len(hashes))
	for i, h := range hashes {
		_, err := s.Session(ctx(t), h, at(time.Minute))
		if c := hearth.ErrorCode(err); c != "" && c != hearth.ENOTFOUND {
			t.Fatalf("Session: %v", err)
		}
		out[i] = err == nil
	}
	return out
}

// twoAccounts stores two accounts, the first with three sessions and the
// second with one, and returns them and their sessions' token hashes.
func twoAccounts(t *testing.T, s hearth.Store) (a *hearth.Account, mine, theirs [][]byte) {
	t.Helper()
	a, p := newAccount(0, "pat@example.org")
	must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
	b, q := newAccount(1, "bo@example.org")
	must(t, "CreateAccount", s.CreateAccount(ctx(t), b, q))
	return a, sessions(t, s, a, 3), sessions(t, s, b, 1)
}

func testSetPassword(t *testing.T, s hearth.Store) {
	a, mine, theirs := twoAccounts(t, s)

	must(t, "SetPassword", s.SetPassword(ctx(t), a.ID, "new-hash", mine[1]))
	got, err := s.Account(ctx(t), a.ID)
	must(t, "Account", err)
	if got.PasswordHash != "new-hash" {
		t.Errorf("PasswordHash = %q, want new-hash", got.PasswordHash)
	}
	diff(t, "sessions of the account (only the kept one lives)", alive(t, s, mine), []bool{false, true, false})
	diff(t, "sessions of another account", alive(t, s, theirs), []bool{true})
	wantCode(t, "SetPassword of an unknown account", s.SetPassword(ctx(t), "a_nobody", "h", nil), hearth.ENOTFOUND)
}

func testDeleteSessionsOf(t *testing.T, s hearth.Store) {
	a, mine, theirs := twoAccounts(t, s)

	n, err := s.DeleteSessionsOf(ctx(t), a.ID, mine[0])
	must(t, "DeleteSessionsOf keeping one", err)
	if n != 2 {
		t.Errorf("deleted %d, want 2", n)
	}
	diff(t, "after keeping one", alive(t, s, mine), []bool{true, false, false})
	n, err = s.DeleteSessionsOf(ctx(t), a.ID, nil)
	must(t, "DeleteSessionsOf", err)
	if n != 1 {
		t.Errorf("deleted %d, want 1", n)
	}
	diff(t, "after keeping none", alive(t, s, mine), []bool{false, false, false})
	diff(t, "another account's sessions", alive(t, s, theirs), []bool{true})
	if n, err := s.DeleteSessionsOf(ctx(t), "a_nobody", nil); err != nil || n != 0 {
		t.Errorf("DeleteSessionsOf unknown account = %d, %v; want 0, nil", n, err)
	}
}

func testRemoveMember(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, time.Hour)
	_, err := s.InsertReadings(ctx(t), []hearth.Reading{reading(dev, h.profile.ID, "room-temperature", "m1", time.Hour)})
	must(t, "InsertReadings", err)

	must(t, "RemoveMember", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID))
	_, err = s.Member(ctx(t), h.h.ID, h.profile.ID)
	wantCode(t, "Member after removal", err, hearth.ENOTFOUND)
	hs, err := s.HouseholdsOf(ctx(t), h.profile.ID)
	must(t, "HouseholdsOf", err)
	diff(t, "HouseholdsOf after removal", hs, []hearth.Household(nil))
	got, err := s.Person(ctx(t), h.profile.ID)
	must(t, "Person after removal (the person stays)", err)
	diff(t, "Person", got, &h.profile)
	rs, err := s.Readings(ctx(t), hearth.ReadingFilter{HouseholdID: h.h.ID, PersonID: h.profile.ID})
	must(t, "Readings", err)
	if len(rs) != 1 {
		t.Errorf("%d readings of the removed member, want 1: removal erases nothing", len(rs))
	}
	wantCode(t, "RemoveMember again", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID), hearth.ENOTFOUND)
}

// wantCause fails unless err is ECONFLICT wrapping cause.
func wantCause(t *testing.T, what string, err, cause error) {
	t.Helper()
	wantCode(t, what, err, hearth.ECONFLICT)
	if !errors.Is(err, cause) {
		t.Errorf("%s: %v, want it to wrap %v", what, err, cause)
	}
}

func testLastOwner(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	demote := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.owner.ID, Role: hearth.RoleAdult}
	wantCause(t, "demote the last owner", s.SetRole(ctx(t), demote), hearth.ErrLastOwner)
	wantCause(t, "remove the last owner while a member remains", s.RemoveMember(ctx(t), h.h.ID, h.owner.ID), hearth.ErrLastOwner)
	m, err := s.Member(ctx(t), h.h.ID, h.owner.ID)
	must(t, "Member", err)
	if m.Role != hearth.RoleOwner {
		t.Errorf("a refused change changed the role to %q", m.Role)
	}

	// A second owner lets the first go; the last member may leave.
	must(t, "SetRole owner", s.SetRole(ctx(t), &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: hearth.RoleOwner}))
	must(t, "demote one of two owners", s.SetRole(ctx(t), demote))
	must(t, "remove the demoted owner", s.RemoveMember(ctx(t), h.h.ID, h.owner.ID))
	must(t, "the last member, an owner, leaves", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID))
	ms, err := s.Members(ctx(t), h.h.ID)
	must(t, "Members", err)
	diff(t, "Members", ms, []hearth.Member(nil))
}

func testGuardian(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	adult := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: hearth.RoleAdult}
	must(t, "SetRole adult", s.SetRole(ctx(t), adult))
	child := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: h.h.ID, DisplayName: "Kid", Created: at(time.Hour)}
	must(t, "CreatePerson", s.CreatePerson(ctx(t), child, &hearth.Member{HouseholdID: h.h.ID, PersonID: child.ID,
		Role: hearth.RoleChild, GuardianID: h.profile.ID, Added: at(time.Hour)}))

	wantCause(t, "remove the guardian", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID), hearth.ErrGuardian)
	for _, r := range []hearth.Role{hearth.RoleGuest, hearth.RoleChild} {
		m := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: r, GuardianID: h.owner.ID}
		wantCause(t, "make the guardian a "+string(r), s.SetRole(ctx(t), m), hearth.ErrGuardian)
	}
	// Another guardian for the child frees the first.
	must(t, "SetRole new guardian", s.SetRole(ctx(t), &hearth.Member{HouseholdID: h.h.ID, PersonID: child.ID,
		Role: hearth.RoleChild, GuardianID: h.owner.ID}))
	must(t, "remove the former guardian", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID))
}

// testRemoveMemberships: all of a person's memberships end at once, under
// RemoveMember's rules; one that may not end keeps them all.
func testRemoveMemberships(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", time.Hour)
	// h's owner is also an adult in other, with its own owner and guest.
	must(t, "AddMember", s.AddMember(ctx(t), &hearth.Member{HouseholdID: other.h.ID, PersonID: h.owner.ID, Role: hearth.RoleAdult, Added: at(2 * time.Hour)}))

	_, err := s.RemoveMemberships(ctx(t), h.owner.ID)
	wantCause(t, "RemoveMemberships of the last owner of a household with members", err, hearth.ErrLastOwner)
	var he *hearth.HouseholdError
	if !errors.As(err, &he) || he.HouseholdID != h.h.ID {
		t.Errorf("RemoveMemberships error %v, want a HouseholdError naming %s", err, h.h.ID)
	}
	for _, hh := range []string{h.h.ID, other.h.ID} {
		_, err := s.Member(ctx(t), hh, h.owner.ID)
		must(t, "Member after a refused RemoveMemberships (none ended)", err)
	}

	must(t, "RemoveMember of the guest", s.RemoveMember(ctx(t), h.h.ID, h.profile.ID))
	left, err := s.RemoveMemberships(ctx(t), h.owner.ID)
	must(t, "RemoveMemberships", err)
	want := []string{h.h.ID, other.h.ID}
	slices.Sort(want)
	slices.Sort(left)
	diff(t, "households left", left, want)
	hs, err := s.HouseholdsOf(ctx(t), h.owner.ID)
	must(t, "HouseholdsOf", err)
	diff(t, "HouseholdsOf after RemoveMemberships", hs, []hearth.Household(nil))
	if _, err := s.Person(ctx(t), h.owner.ID); err != nil {
		t.Errorf("Person after RemoveMemberships (the person stays): %v", err)
	}
	ms, err := s.Members(ctx(t), other.h.ID)
	must(t, "Members", err)
	if len(ms) != 2 {
		t.Errorf("%d members left in the other household, want its 2 own", len(ms))
	}
	left, err = s.RemoveMemberships(ctx(t), h.owner.ID)
	if err != nil || len(left) != 0 {
		t.Errorf("RemoveMemberships of a person in none = %v, %v; want none, nil", left, err)
	}
}

func testSetRole(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	tests := []struct {
		role     hearth.Role
		guardian string
	}{
		{hearth.RoleChild, h.owner.ID},
		{hearth.RoleAdult, ""},
		{hearth.RoleOwner, ""},
		{hearth.RoleGuest, ""},
	}
	for _, tt := range tests {
		m := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: tt.role, GuardianID: tt.guardian, Added: at(99 * time.Hour)}
		must(t, "SetRole "+string(tt.role), s.SetRole(ctx(t), m))
		got, err := s.Member(ctx(t), h.h.ID, h.profile.ID)
		must(t, "Member", err)
		want := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: tt.role, GuardianID: tt.guardian, Added: h.profile.Created}
		diff(t, "Member after SetRole "+string(tt.role)+" (Added kept)", got, want)
	}
	wantCode(t, "SetRole of a non-member", s.SetRole(ctx(t), &hearth.Member{HouseholdID: h.h.ID, PersonID: "p_nobody", Role: hearth.RoleAdult}), hearth.ENOTFOUND)
}

func testUnbindDevice(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", time.Hour)
	dev := h.addDevice(t, time.Hour)
	_, err := s.InsertReadings(ctx(t), []hearth.Reading{reading(dev, "", "room-temperature", "m1", time.Hour)})
	must(t, "InsertReadings", err)

	wantCode(t, "UnbindDevice from another household", s.UnbindDevice(ctx(t), dev.ID, other.h.ID, []byte("x")), hearth.ENOTFOUND)
	must(t, "UnbindDevice", s.UnbindDevice(ctx(t), dev.ID, h.h.ID, []byte("new-hash")))
	got, err := s.Device(ctx(t), dev.ID)
	must(t, "Device", err)
	want := dev
	want.HouseholdID, want.Claimed, want.CredentialHash = "", time.Time{}, []byte("new-hash")
	diff(t, "Device after UnbindDevice", got, &want)
	ds, err := s.DevicesIn(ctx(t), h.h.ID)
	must(t, "DevicesIn", err)
	diff(t, "DevicesIn after UnbindDevice", ds, []hearth.Device(nil))
	rs, err := s.Readings(ctx(t), hearth.ReadingFilter{HouseholdID: h.h.ID})
	must(t, "Readings", err)
	if len(rs) != 1 {
		t.Errorf("%d readings of the household after the device left, want 1: they stay", len(rs))
	}
	wantCode(t, "UnbindDevice again", s.UnbindDevice(ctx(t), dev.ID, h.h.ID, []byte("x")), hearth.ENOTFOUND)
	wantCode(t, "UnbindDevice unknown", s.UnbindDevice(ctx(t), "dev_nobody", h.h.ID, []byte("x")), hearth.ENOTFOUND)
}

func testDeleteInvites(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", time.Hour)
	invite := func(hh string) []byte {
		tok := []byte(hearth.NewID("inv-"))
		must(t, "CreateInvite", s.CreateInvite(ctx(t), &hearth.Invite{TokenHash: tok, HouseholdID: hh, Role: hearth.RoleAdult,
			InvitedBy: h.owner.ID, Expires: at(48 * time.Hour), Created: at(time.Hour)}))
		return tok
	}
	used, unused, theirs := invite(h.h.ID), invite(h.h.ID), invite(other.h.ID)
	a, p := newAccount(1, "joiner@example.org")
	must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
	_, err := s.RedeemInvite(ctx(t), used, p.ID, at(2*time.Hour))
	must(t, "RedeemInvite", err)

	n, err := s.DeleteInvites(ctx(t), h.h.ID)
	must(t, "DeleteInvites", err)
	if n != 1 {
		t.Errorf("DeleteInvites deleted %d, want 1 (the unused one)", n)
	}
	q, r := newAccount(2, "late@example.org")
	must(t, "CreateAccount", s.CreateAccount(ctx(t), q, r))
	_, err = s.RedeemInvite(ctx(t), unused, r.ID, at(3*time.Hour))
	wantCode(t, "RedeemInvite of a deleted invitation", err, hearth.ENOTFOUND)
	_, err = s.RedeemInvite(ctx(t), theirs, r.ID, at(3*time.Hour))
	must(t, "RedeemInvite of another household's invitation", err)
}
