package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// note returns an unsaved notification number n to personID.
func note(n int, personID, householdID string) hearth.Notification {
	return hearth.Notification{
		ID: fmt.Sprintf("n_%s_%02d", personID, n), PersonID: personID, HouseholdID: householdID,
		Kind: hearth.NotifyManifestChanged, Title: fmt.Sprintf("Change %d", n),
		Body: "We now use your home's region for forecasts.\nYou decide whether to switch it on.",
		// Notifications 2 and 3 share a time: the ID breaks the tie.
		Created: at(time.Duration(min(n, 2)) * time.Minute),
	}
}

// testNotifications covers NotificationStore, ManifestVersionStore,
// TermsStore and AudienceStore. USAGE-CHANGE, CONSENT-MULTIUSER: every
// member's notifications are kept and listed newest first; TOS-PERMISSION:
// the accepted terms version stands until a newer one is accepted.
func testNotifications(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("ListNewestFirstWithCursor", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		var ns []hearth.Notification
		for i := range 4 {
			ns = append(ns, note(i, h.owner.ID, h.h.ID))
		}
		ns[3].HouseholdID = ""
		must(t, "AddNotifications", s.AddNotifications(ctx(t), ns))
		must(t, "AddNotifications profile", s.AddNotifications(ctx(t), []hearth.Notification{note(0, h.profile.ID, h.h.ID)}))
		want := []hearth.Notification{ns[3], ns[2], ns[1], ns[0]}
		got, err := s.Notifications(ctx(t), h.owner.ID, "", 0)
		must(t, "Notifications", err)
		diff(t, "Notifications", got, want)
		page, err := s.Notifications(ctx(t), h.owner.ID, "", 2)
		must(t, "Notifications page 1", err)
		diff(t, "page 1", page, want[:2])
		page, err = s.Notifications(ctx(t), h.owner.ID, page[1].ID, 2)
		must(t, "Notifications page 2", err)
		diff(t, "page 2", page, want[2:])
		_, err = s.Notifications(ctx(t), h.owner.ID, note(0, h.profile.ID, "").ID, 2)
		wantCode(t, "Notifications with another person's cursor", err, hearth.EINVALID)
	})
	t.Run("AddSkipsStoredIDsAndNeedsAPerson", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		first := note(1, h.owner.ID, h.h.ID)
		must(t, "AddNotifications", s.AddNotifications(ctx(t), []hearth.Notification{first}))
		again := first
		again.Title = "Changed"
		must(t, "AddNotifications again", s.AddNotifications(ctx(t), []hearth.Notification{again, note(2, h.owner.ID, h.h.ID)}))
		got, err := s.Notifications(ctx(t), h.owner.ID, "", 0)
		must(t, "Notifications", err)
		diff(t, "Notifications", got, []hearth.Notification{note(2, h.owner.ID, h.h.ID), first})
		err = s.AddNotifications(ctx(t), []hearth.Notification{note(3, h.owner.ID, ""), note(1, "p_nobody", "")})
		wantCode(t, "AddNotifications for an unknown person", err, hearth.ENOTFOUND)
		got, err = s.Notifications(ctx(t), h.owner.ID, "", 0)
		must(t, "Notifications", err)
		if len(got) != 2 {
			t.Errorf("after a failed add: %d notifications, want 2 (all or none)", len(got))
		}
	})
	t.Run("MarkRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		n := note(1, h.owner.ID, h.h.ID)
		must(t, "AddNotifications", s.AddNotifications(ctx(t), []hearth.Notification{n}))
		wantCode(t, "MarkNotificationRead by another person", s.MarkNotificationRead(ctx(t), h.profile.ID, n.ID, at(time.Hour)), hearth.ENOTFOUND)
		wantCode(t, "MarkNotificationRead unknown", s.MarkNotificationRead(ctx(t), h.owner.ID, "n_none", at(time.Hour)), hearth.ENOTFOUND)
		must(t, "MarkNotificationRead", s.MarkNotificationRead(ctx(t), h.owner.ID, n.ID, at(time.Hour)))
		must(t, "MarkNotificationRead again", s.MarkNotificationRead(ctx(t), h.owner.ID, n.ID, at(2*time.Hour)))
		got, err := s.Notifications(ctx(t), h.owner.ID, "", 0)
		must(t, "Notifications", err)
		n.Read = at(time.Hour)
		diff(t, "Notifications", got, []hearth.Notification{n})
	})
	t.Run("ManifestVersions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.LastManifest(ctx(t))
		wantCode(t, "LastManifest of none", err, hearth.ENOTFOUND)
		for i, v := range []string{"2025-06", "2025-09"} {
			r := &hearth.ManifestRecord{Version: v, Digest: []byte("digest-" + v), Canonical: []byte(`{"version":"` + v + `"}`), Loaded: at(time.Duration(i) * time.Hour)}
			must(t, "RecordManifest", s.RecordManifest(ctx(t), r))
			got, err := s.LastManifest(ctx(t))
			must(t, "LastManifest", err)
			diff(t, "LastManifest", got, r)
		}
	})
	t.Run("Terms", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		_, err := s.AcceptedTerms(ctx(t), h.owner.ID)
		wantCode(t, "AcceptedTerms of none", err, hearth.ENOTFOUND)
		v1 := &hearth.TermsAcceptance{PersonID: h.owner.ID, Version: "v1", Accepted: at(time.Hour)}
		must(t, "AcceptTerms v1", s.AcceptTerms(ctx(t), v1))
		must(t, "AcceptTerms v1 again", s.AcceptTerms(ctx(t), &hearth.TermsAcceptance{PersonID: h.owner.ID, Version: "v1", Accepted: at(3 * time.Hour)}))
		got, err := s.AcceptedTerms(ctx(t), h.owner.ID)
		must(t, "AcceptedTerms", err)
		diff(t, "AcceptedTerms after accepting v1 twice", got, v1)
		v2 := &hearth.TermsAcceptance{PersonID: h.owner.ID, Version: "v2", Accepted: at(2 * time.Hour)}
		must(t, "AcceptTerms v2", s.AcceptTerms(ctx(t), v2))
		got, err = s.AcceptedTerms(ctx(t), h.owner.ID)
		must(t, "AcceptedTerms", err)
		diff(t, "AcceptedTerms after v2", got, v2)
		wantCode(t, "AcceptTerms unknown person", s.AcceptTerms(ctx(t), &hearth.TermsAcceptance{PersonID: "p_nobody", Version: "v1", Accepted: at(0)}), hearth.ENOTFOUND)
	})
	t.Run("Audience", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		homes := []*home{newHome(t, s, "A", 0), newHome(t, s, "B", time.Hour), newHome(t, s, "C", 2*time.Hour)}
		var want []hearth.Member
		var wantAccounts []string
		for _, h := range homes {
			ms, err := s.Members(ctx(t), h.h.ID)
			must(t, "Members", err)
			want = append(want, ms...)
			wantAccounts = append(wantAccounts, h.owner.AccountID)
		}
		sort.Slice(want, func(i, j int) bool {
			if want[i].HouseholdID != want[j].HouseholdID {
				return want[i].HouseholdID < want[j].HouseholdID
			}
			return want[i].PersonID < want[j].PersonID
		})
		var got []hearth.Member
		for hh, p := "", ""; ; {
			page, err := s.EveryMember(ctx(t), hh, p, 4)
			must(t, "EveryMember", err)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			hh, p = page[len(page)-1].HouseholdID, page[len(page)-1].PersonID
		}
		diff(t, "EveryMember", got, want)
		sort.Strings(wantAccounts)
		var gotAccounts []string
		for after := ""; ; {
			page, err := s.EveryAccount(ctx(t), after, 2)
			must(t, "EveryAccount", err)
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				gotAccounts = append(gotAccounts, a.ID)
			}
			after = page[len(page)-1].ID
		}
		diff(t, "EveryAccount IDs", gotAccounts, wantAccounts)
	})
}
