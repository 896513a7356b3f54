package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hearth-iot/hearth"
)

// testHouseholds covers HouseholdStore's households, people and members.
func testHouseholds(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Flat 3", 0)

		got, err := s.Household(ctx(t), h.h.ID)
		must(t, "Household", err)
		diff(t, "Household", got, &h.h)

		// RIGHT-UNREGISTERED: a person without an account has a profile.
		gotP, err := s.Person(ctx(t), h.profile.ID)
		must(t, "Person", err)
		diff(t, "Person", gotP, &h.profile)

		wantOwner := hearth.Member{HouseholdID: h.h.ID, PersonID: h.owner.ID, Role: hearth.RoleOwner, Added: at(0)}
		gotM, err := s.Member(ctx(t), h.h.ID, h.owner.ID)
		must(t, "Member", err)
		diff(t, "Member", gotM, &wantOwner)

		wantGuest := hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: hearth.RoleGuest, Added: h.profile.Created}
		members, err := s.Members(ctx(t), h.h.ID)
		must(t, "Members", err)
		diff(t, "Members (oldest first)", members, []hearth.Member{wantOwner, wantGuest})
	})
	t.Run("ChildWithGuardian", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		child := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: h.h.ID, DisplayName: "Kid", Created: at(time.Hour)}
		m := &hearth.Member{HouseholdID: h.h.ID, PersonID: child.ID, Role: hearth.RoleChild, GuardianID: h.owner.ID, Added: at(time.Hour)}
		must(t, "CreatePerson", s.CreatePerson(ctx(t), child, m))
		got, err := s.Member(ctx(t), h.h.ID, child.ID)
		must(t, "Member", err)
		diff(t, "Member", got, m)
	})
	t.Run("HouseholdsOfOldestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		older := newHome(t, s, "Older", 0)
		newer := newHome(t, s, "Newer", 24*time.Hour)
		m := &hearth.Member{HouseholdID: newer.h.ID, PersonID: older.owner.ID, Role: hearth.RoleAdult, Added: at(25 * time.Hour)}
		must(t, "AddMember", s.AddMember(ctx(t), m))

		got, err := s.HouseholdsOf(ctx(t), older.owner.ID)
		must(t, "HouseholdsOf", err)
		diff(t, "HouseholdsOf", got, []hearth.Household{older.h, newer.h})

		got, err = s.HouseholdsOf(ctx(t), "p_nobody")
		must(t, "HouseholdsOf unknown person", err)
		diff(t, "HouseholdsOf unknown person", got, []hearth.Household(nil))
	})
	t.Run("DuplicateMemberConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		m := &hearth.Member{HouseholdID: h.h.ID, PersonID: h.profile.ID, Role: hearth.RoleAdult, Added: at(time.Hour)}
		wantCode(t, "AddMember twice", s.AddMember(ctx(t), m), hearth.ECONFLICT)
		got, err := s.Member(ctx(t), h.h.ID, h.profile.ID)
		must(t, "Member", err)
		if got.Role != hearth.RoleGuest {
			t.Errorf("Role after refused AddMember = %q, want %q", got.Role, hearth.RoleGuest)
		}
	})
	t.Run("MissingNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		_, err := s.Household(ctx(t), "hh_missing")
		wantCode(t, "Household", err, hearth.ENOTFOUND)
		_, err = s.Member(ctx(t), h.h.ID, "p_missing")
		wantCode(t, "Member of unknown person", err, hearth.ENOTFOUND)
		_, err = s.Member(ctx(t), "hh_missing", h.owner.ID)
		wantCode(t, "Member of unknown household", err, hearth.ENOTFOUND)
	})
}

// testInvites covers CreateInvite and RedeemInvite: one-time, expiring.
func testInvites(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Parallel()
	s := open(t)
	h := newHome(t, s, "Home", 0)
	invite := func(token string, expires time.Duration) []byte {
		inv := &hearth.Invite{TokenHash: []byte(token), HouseholdID: h.h.ID, Role: hearth.RoleAdult,
			InvitedBy: h.owner.ID, Expires: at(expires), Created: at(0)}
		must(t, "CreateInvite", s.CreateInvite(ctx(t), inv))
		return inv.TokenHash
	}
	joiner := func(n int) string {
		a, p := newAccount(n, hearth.NewID("")+"@example.org")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
		return p.ID
	}
	valid := invite("valid", time.Hour)
	expired := invite("expired", time.Minute)
	first, second := joiner(1), joiner(2)

	tests := []struct {
		name   string
		token  []byte
		person string
		want   string // error code, "" for redeemed
	}{
		{"valid", valid, first, ""},
		{"used again", valid, second, hearth.ECONFLICT},
		{"expired", expired, second, hearth.EGONE},
		{"unknown", []byte("unknown"), second, hearth.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RedeemInvite(ctx(t), tt.token, tt.person, at(30*time.Minute))
			wantCode(t, "RedeemInvite", err, tt.want)
			if tt.want != "" {
				_, err := s.Member(ctx(t), h.h.ID, tt.person)
				wantCode(t, "Member after refused RedeemInvite", err, hearth.ENOTFOUND)
				return
			}
			if err != nil {
				return
			}
			want := &hearth.Member{HouseholdID: h.h.ID, PersonID: tt.person, Role: hearth.RoleAdult}
			ignoreAdded := cmpopts.IgnoreFields(hearth.Member{}, "Added")
			diff(t, "RedeemInvite", *got, *want, ignoreAdded)
			stored, err := s.Member(ctx(t), h.h.ID, tt.person)
			must(t, "Member", err)
			diff(t, "stored Member", *stored, *want, ignoreAdded)
		})
	}
}
