package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hearth-iot/hearth"
)

// testErasure covers ErasureStores. RIGHT-ERASE: erasure deletes exactly
// the readings chosen and the person with everything kept about them; the
// journal and notices outlive the data. RETENTION: periodic deletion choices.
func testErasure(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("DeleteReadingsByFilter", func(t *testing.T) { t.Parallel(); testDeleteReadings(t, open(t)) })
	t.Run("DeleteReadingsInBatches", func(t *testing.T) { t.Parallel(); testDeleteBatches(t, open(t)) })
	t.Run("EmptyFilterRefused", func(t *testing.T) { t.Parallel(); testEmptyErasure(t, open(t)) })
	t.Run("DeletePerson", func(t *testing.T) { t.Parallel(); testDeletePerson(t, open(t)) })
	t.Run("DeletePersonalData", func(t *testing.T) { t.Parallel(); testDeletePersonalData(t, open(t)) })
	t.Run("Journal", func(t *testing.T) { t.Parallel(); testJournal(t, open(t)) })
	t.Run("Notices", func(t *testing.T) { t.Parallel(); testNotices(t, open(t)) })
	t.Run("DeletionSchedules", func(t *testing.T) { t.Parallel(); testSchedules(t, open(t)) })
}

// erasureHome stores a home with two devices and readings of the owner, the
// profile and the household, and returns them.
func erasureHome(t *testing.T, s hearth.Store) (*home, hearth.Device, hearth.Device) {
	t.Helper()
	h := newHome(t, s, "Home", 0)
	d1, d2 := h.addDevice(t, 0), h.addDevice(t, time.Second)
	insert(t, s, []hearth.Reading{
		reading(d1, h.owner.ID, "temperature", "m1", 0),
		reading(d1, h.owner.ID, "presence", "m2", time.Hour),
		reading(d2, h.owner.ID, "temperature", "m3", 2*time.Hour),
		reading(d1, h.profile.ID, "temperature", "m4", 0),
		reading(d1, "", "temperature", "m5", 0),
	}, []bool{true, true, true, true, true})
	return h, d1, d2
}

func msgIDs(t *testing.T, s hearth.Store, hh string) []string {
	t.Helper()
	var out []string
	for _, r := range all(t, s, hearth.ReadingFilter{HouseholdID: hh}) {
		out = append(out, r.MsgID)
	}
	return out
}

func testDeleteReadings(t *testing.T, s hearth.Store) {
	h, d1, _ := erasureHome(t, s)
	tests := []struct {
		name string
		f    hearth.ErasureFilter
		n    int64
		left []string
	}{
		{"category of a person", hearth.ErasureFilter{PersonID: h.owner.ID, Category: "presence"}, 1, []string{"m1", "m3", "m4", "m5"}},
		{"time range", hearth.ErasureFilter{PersonID: h.owner.ID, From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, 1, []string{"m1", "m4", "m5"}},
		{"device", hearth.ErasureFilter{PersonID: h.owner.ID, DeviceID: d1.ID}, 1, []string{"m4", "m5"}},
		{"received before", hearth.ErasureFilter{PersonID: "-", HouseholdID: h.h.ID, ReceivedBefore: base}, 0, []string{"m4", "m5"}},
		{"household's own", hearth.ErasureFilter{PersonID: "-", HouseholdID: h.h.ID}, 1, []string{"m4"}},
		{"category everywhere before a cutoff", hearth.ErasureFilter{Category: "temperature", To: base.Add(time.Second)}, 1, nil},
	}
	for _, tt := range tests {
		n, err := s.CountReadings(ctx(t), tt.f)
		must(t, "CountReadings "+tt.name, err)
		if n != tt.n {
			t.Errorf("%s: CountReadings = %d, want %d", tt.name, n, tt.n)
		}
		n, err = s.DeleteReadings(ctx(t), tt.f, 100)
		must(t, "DeleteReadings "+tt.name, err)
		if n != tt.n {
			t.Errorf("%s: DeleteReadings = %d, want %d", tt.name, n, tt.n)
		}
		diff(t, tt.name+": readings left", msgIDs(t, s, h.h.ID), tt.left)
	}
}

func testDeleteBatches(t *testing.T, s hearth.Store) {
	h, _, _ := erasureHome(t, s)
	f := hearth.ErasureFilter{PersonID: h.owner.ID}
	for i, want := range []int64{2, 1, 0} {
		n, err := s.DeleteReadings(ctx(t), f, 2)
		must(t, "DeleteReadings", err)
		if n != want {
			t.Errorf("batch %d: DeleteReadings = %d, want %d", i, n, want)
		}
	}
	diff(t, "readings left", msgIDs(t, s, h.h.ID), []string{"m4", "m5"})
	_, err := s.DeleteReadings(ctx(t), f, 0)
	wantCode(t, "DeleteReadings with limit 0", err, hearth.EINVALID)
}

func testEmptyErasure(t *testing.T, s hearth.Store) {
	h, _, _ := erasureHome(t, s)
	_, err := s.DeleteReadings(ctx(t), hearth.ErasureFilter{To: base.Add(time.Hour)}, 100)
	wantCode(t, "DeleteReadings with an empty filter", err, hearth.EINVALID)
	_, err = s.CountReadings(ctx(t), hearth.ErasureFilter{})
	wantCode(t, "CountReadings with an empty filter", err, hearth.EINVALID)
	if got := len(msgIDs(t, s, h.h.ID)); got != 5 {
		t.Errorf("%d readings left after refused erasures, want 5", got)
	}
}

func testDeletePerson(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", 0)
	acct, err := s.AccountByEmail(ctx(t), mustAccountEmail(t, s, h.owner.AccountID))
	must(t, "AccountByEmail", err)
	sess := &hearth.Session{TokenHash: []byte("token-hash-1"), AccountID: acct.ID, Created: at(0), Expires: at(time.Hour)}
	must(t, "CreateSession", s.CreateSession(ctx(t), sess))
	must(t, "PutSettings", s.PutSettings(ctx(t), &hearth.PersonSettings{PersonID: h.owner.ID, Location: "city", Updated: at(0)}))
	must(t, "PutDeletionSchedule", s.PutDeletionSchedule(ctx(t), &hearth.DeletionSchedule{PersonID: h.owner.ID, Category: "presence", Period: hearth.DeleteWeekly, Updated: at(0)}))
	// INT-CLIENTS: closing the account ends every client's access.
	must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
	mine := putGrant(t, s, "req-1", "c_1", h.owner.ID, 0)
	others := putGrant(t, s, "req-2", "c_1", other.owner.ID, 0)

	must(t, "DeletePerson", s.DeletePerson(ctx(t), h.owner.ID))
	wantTokens(t, s, "the deleted person's OAuth records", mine, false)
	wantTokens(t, s, "another person's OAuth records", others, true)
	must(t, "DeletePerson again", s.DeletePerson(ctx(t), h.owner.ID))
	_, err = s.Person(ctx(t), h.owner.ID)
	wantCode(t, "Person", err, hearth.ENOTFOUND)
	_, err = s.Account(ctx(t), acct.ID)
	wantCode(t, "Account", err, hearth.ENOTFOUND)
	_, err = s.AccountByEmail(ctx(t), acct.Email)
	wantCode(t, "AccountByEmail", err, hearth.ENOTFOUND)
	_, err = s.Session(ctx(t), sess.TokenHash, at(0))
	wantCode(t, "Session", err, hearth.ENOTFOUND)
	_, err = s.Member(ctx(t), h.h.ID, h.owner.ID)
	wantCode(t, "Member", err, hearth.ENOTFOUND)
	_, err = s.Settings(ctx(t), h.owner.ID)
	wantCode(t, "Settings", err, hearth.ENOTFOUND)
	ds, err := s.DeletionSchedules(ctx(t), h.owner.ID)
	must(t, "DeletionSchedules", err)
	diff(t, "DeletionSchedules", ds, []hearth.DeletionSchedule(nil))
	// Everyone else is untouched.
	for _, p := range []string{h.profile.ID, other.owner.ID} {
		if _, err := s.Person(ctx(t), p); err != nil {
			t.Errorf("Person(%s) after deleting another: %v", p, err)
		}
	}
	if _, err := s.Member(ctx(t), h.h.ID, h.profile.ID); err != nil {
		t.Errorf("Member of the profile after deleting the owner: %v", err)
	}
}

// mustAccountEmail returns the e-mail address of an account.
func mustAccountEmail(t *testing.T, s hearth.Store, id string) hearth.Email {
	t.Helper()
	a, err := s.Account(ctx(t), id)
	must(t, "Account", err)
	return a.Email
}

func testJournal(t *testing.T, s hearth.Store) {
	es := []hearth.Erasure{
		{PersonID: "p_1", Everything: true, Closed: true, Filter: hearth.ErasureFilter{PersonID: "p_1", ReceivedBefore: at(time.Hour)}, At: at(time.Hour)},
		{PersonID: "p_2", Filter: hearth.ErasureFilter{PersonID: "p_2", HouseholdID: "hh_1", DeviceID: "dev_1", Category: "presence",
			From: at(0), To: at(time.Minute), ReceivedBefore: at(2 * time.Hour)}, At: at(2 * time.Hour)},
		{PersonID: "p_3", Filter: hearth.ErasureFilter{PersonID: "-", HouseholdID: "hh_1"}, At: at(3 * time.Hour)},
	}
	for i := range es {
		must(t, "RecordErasure", s.RecordErasure(ctx(t), &es[i]))
		if i > 0 && es[i].Seq <= es[i-1].Seq {
			t.Errorf("Seq %d then %d, want increasing", es[i-1].Seq, es[i].Seq)
		}
	}
	got, err := s.Erasures(ctx(t), 0, 10)
	must(t, "Erasures", err)
	diff(t, "Erasures", got, es)
	got, err = s.Erasures(ctx(t), es[0].Seq, 1)
	must(t, "Erasures after the first", err)
	diff(t, "Erasures after the first, limit 1", got, es[1:2])
}

func testNotices(t *testing.T, s hearth.Store) {
	e := &hearth.Erasure{PersonID: "p_1", Filter: hearth.ErasureFilter{PersonID: "p_1", Category: "presence"}, At: at(0)}
	must(t, "RecordErasure", s.RecordErasure(ctx(t), e))
	ns := []hearth.ErasureNotice{
		{ID: "en_1", ErasureSeq: e.Seq, PersonID: "p_1", RecipientID: "cloud-host", Categories: []string{"presence"},
			From: at(0), To: at(time.Hour), Created: at(0), State: hearth.NoticePending, NextAttempt: at(0)},
		{ID: "en_2", ErasureSeq: e.Seq, PersonID: "p_1", RecipientID: "forecast-co", Everything: true,
			Created: at(time.Second), State: hearth.NoticePending, NextAttempt: at(time.Minute)},
		{ID: "en_3", ErasureSeq: e.Seq, PersonID: "p_1", RecipientID: "nobody", Created: at(2 * time.Second),
			State: hearth.NoticeUnconfigured, NextAttempt: at(0)},
		{ID: "en_4", ErasureSeq: e.Seq, PersonID: "p_2", RecipientID: "cloud-host", Created: at(0),
			State: hearth.NoticePending, NextAttempt: at(0)},
	}
	must(t, "AddErasureNotices", s.AddErasureNotices(ctx(t), ns))
	wantCode(t, "AddErasureNotices with a taken ID", s.AddErasureNotices(ctx(t), ns[:1]), hearth.ECONFLICT)
	got, err := s.ErasureNotices(ctx(t), "p_1")
	must(t, "ErasureNotices", err)
	diff(t, "ErasureNotices", got, []hearth.ErasureNotice{ns[2], ns[1], ns[0]})
	due, err := s.DueErasureNotices(ctx(t), at(0), 10)
	must(t, "DueErasureNotices", err)
	diff(t, "DueErasureNotices at 0", due, []hearth.ErasureNotice{ns[0], ns[3]}, cmpopts.SortSlices(func(a, b hearth.ErasureNotice) bool { return a.ID < b.ID }))

	n := ns[0]
	n.State, n.Attempts, n.LastError, n.Delivered = hearth.NoticeDelivered, 2, "HTTP 503", at(time.Minute)
	must(t, "UpdateErasureNotice", s.UpdateErasureNotice(ctx(t), &n))
	due, err = s.DueErasureNotices(ctx(t), at(time.Hour), 10)
	must(t, "DueErasureNotices", err)
	diff(t, "DueErasureNotices after delivery", due, []hearth.ErasureNotice{ns[3], ns[1]})
	got, err = s.ErasureNotices(ctx(t), "p_1")
	must(t, "ErasureNotices", err)
	diff(t, "updated notice", got[2], n)
	missing := hearth.ErasureNotice{ID: "en_none", State: hearth.NoticeFailed}
	wantCode(t, "UpdateErasureNotice of a missing notice", s.UpdateErasureNotice(ctx(t), &missing), hearth.ENOTFOUND)
}

func testSchedules(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	a := hearth.DeletionSchedule{PersonID: h.owner.ID, Category: "presence", Period: hearth.DeleteWeekly, Updated: at(0)}
	b := hearth.DeletionSchedule{PersonID: h.owner.ID, Category: "temperature", Period: hearth.DeleteYearly, Updated: at(0)}
	c := hearth.DeletionSchedule{PersonID: h.profile.ID, Category: "presence", Period: hearth.DeleteMonthly, Updated: at(0)}
	for _, d := range []*hearth.DeletionSchedule{&a, &b, &c} {
		must(t, "PutDeletionSchedule", s.PutDeletionSchedule(ctx(t), d))
	}
	a.Period, a.Updated = hearth.DeleteMonthly, at(time.Hour)
	must(t, "PutDeletionSchedule replacing", s.PutDeletionSchedule(ctx(t), &a))
	got, err := s.DeletionSchedules(ctx(t), h.owner.ID)
	must(t, "DeletionSchedules", err)
	diff(t, "DeletionSchedules", got, []hearth.DeletionSchedule{a, b})
	missing := &hearth.DeletionSchedule{PersonID: "p_none", Category: "presence", Period: hearth.DeleteWeekly, Updated: at(0)}
	wantCode(t, "PutDeletionSchedule for a missing person", s.PutDeletionSchedule(ctx(t), missing), hearth.ENOTFOUND)

	var every []hearth.DeletionSchedule
	afterP, afterC := "", ""
	for {
		page, err := s.EveryDeletionSchedule(ctx(t), afterP, afterC, 1)
		must(t, "EveryDeletionSchedule", err)
		if len(page) == 0 {
			break
		}
		every = append(every, page...)
		afterP, afterC = page[0].PersonID, page[0].Category
	}
	diff(t, "EveryDeletionSchedule", every, []hearth.DeletionSchedule{a, b, c},
		cmpopts.SortSlices(func(x, y hearth.DeletionSchedule) bool { return x.PersonID+x.Category < y.PersonID+y.Category }))

	must(t, "DeleteDeletionSchedule", s.DeleteDeletionSchedule(ctx(t), h.owner.ID, "presence"))
	must(t, "DeleteDeletionSchedule of a missing one", s.DeleteDeletionSchedule(ctx(t), h.owner.ID, "presence"))
	got, err = s.DeletionSchedules(ctx(t), h.owner.ID)
	must(t, "DeletionSchedules", err)
	diff(t, "DeletionSchedules after delete", got, []hearth.DeletionSchedule{b})
}

func testDeletePersonalData(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	p := h.owner.ID
	must(t, "PutSettings", s.PutSettings(ctx(t), &hearth.PersonSettings{PersonID: p, Location: "city", Updated: at(0)}))
	must(t, "AddNotifications", s.AddNotifications(ctx(t), []hearth.Notification{
		{ID: "n_old", PersonID: p, Kind: hearth.NotifyManifestChanged, Title: "old", Body: "old", Created: at(0)},
		{ID: "n_new", PersonID: p, Kind: hearth.NotifyManifestChanged, Title: "new", Body: "new", Created: at(2 * time.Hour)},
		{ID: "n_other", PersonID: h.profile.ID, Kind: hearth.NotifyManifestChanged, Title: "other", Body: "other", Created: at(0)},
	}))
	must(t, "AcceptTerms", s.AcceptTerms(ctx(t), &hearth.TermsAcceptance{PersonID: p, Version: "v1", Accepted: at(0)}))
	must(t, "PutDeletionSchedule", s.PutDeletionSchedule(ctx(t), &hearth.DeletionSchedule{PersonID: p, Category: "presence", Period: hearth.DeleteWeekly, Updated: at(2 * time.Hour)}))

	must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
	before := putGrant(t, s, "req-1", "c_1", p, 0)
	after := putGrant(t, s, "req-2", "c_1", p, 2*time.Hour)
	others := putGrant(t, s, "req-3", "c_1", h.profile.ID, 0)

	must(t, "DeletePersonalData", s.DeletePersonalData(ctx(t), p, at(time.Hour)))
	// INT-CLIENTS: erasure ends the access clients were granted before it.
	wantTokens(t, s, "OAuth records granted before the erasure", before, false)
	wantTokens(t, s, "OAuth records granted after the erasure", after, true)
	wantTokens(t, s, "another person's OAuth records", others, true)
	_, err := s.Settings(ctx(t), p)
	wantCode(t, "Settings", err, hearth.ENOTFOUND)
	_, err = s.AcceptedTerms(ctx(t), p)
	wantCode(t, "AcceptedTerms", err, hearth.ENOTFOUND)
	ns, err := s.Notifications(ctx(t), p, "", 10)
	must(t, "Notifications", err)
	if len(ns) != 1 || ns[0].ID != "n_new" {
		t.Errorf("notifications left = %v, want only n_new (created after the cutoff)", ns)
	}
	ns, err = s.Notifications(ctx(t), h.profile.ID, "", 10)
	must(t, "Notifications of another person", err)
	if len(ns) != 1 {
		t.Errorf("another person's notifications = %d, want 1", len(ns))
	}
	ds, err := s.DeletionSchedules(ctx(t), p)
	must(t, "DeletionSchedules", err)
	if len(ds) != 1 {
		t.Errorf("deletion schedules updated after the cutoff = %d, want 1 kept", len(ds))
	}
	for _, check := range []func() error{
		func() error { _, err := s.Person(ctx(t), p); return err },
		func() error { _, err := s.Account(ctx(t), h.owner.AccountID); return err },
		func() error { _, err := s.Member(ctx(t), h.h.ID, p); return err },
	} {
		if err := check(); err != nil {
			t.Errorf("the person, account and membership must stay: %v", err)
		}
	}
}
