package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/postgres"
)

// Nodes closing one open rights request at once, each with its own
// outcome: exactly one closes it, the others get ECONFLICT, and the stored
// outcome is the winner's (RIGHT-REQUESTS: a request has one outcome).
func TestUpdateRightsRequestConcurrentOneWinner(t *testing.T) {
	const n = 8
	data, dbs := openNodes(t, 2, 1)
	exec(t, data, "INSERT INTO persons (id, household_id, display_name, created) VALUES ('p_1', 'hh0', 'Ann', 0)")
	r := &hearth.RightsRequest{ID: "rr_1", PersonID: "p_1", HouseholdID: "hh0", Type: hearth.RequestErasure,
		RequestedBy: "p_1", IdentityCheck: hearth.CheckReauthenticated, Status: hearth.StatusReceived,
		Created: time.Unix(1, 0), Deadline: time.Unix(2, 0)}
	if err := dbs[0].CreateRightsRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateRightsRequest: %v", err)
	}
	codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
		u := *r
		u.Status, u.Completed, u.Outcome = hearth.StatusDone, time.Unix(int64(10+i), 0), fmt.Sprintf("outcome %d", i)
		return db.UpdateRightsRequest(t.Context(), &u)
	})
	win := oneWinner(t, "UpdateRightsRequest", codes)
	got, err := dbs[1].RightsRequest(t.Context(), r.ID)
	if err != nil {
		t.Fatalf("RightsRequest: %v", err)
	}
	if want := fmt.Sprintf("outcome %d", win); got.Outcome != want || got.Status != hearth.StatusDone {
		t.Errorf("stored %s, %q; want done, %q", got.Status, got.Outcome, want)
	}
}

// Nodes marking one notification read at once, each at its own time: all
// succeed, the first to commit sets the time, and it stays.
func TestMarkNotificationReadConcurrentFirstStays(t *testing.T) {
	const n = 8
	data, dbs := openNodes(t, 2, 1)
	exec(t, data, "INSERT INTO persons (id, household_id, display_name, created) VALUES ('p_1', 'hh0', 'Ann', 0)")
	note := hearth.Notification{ID: "n_1", PersonID: "p_1", Kind: hearth.NotifyManifestChanged, Title: "T", Body: "B", Created: time.Unix(1, 0)}
	if err := dbs[0].AddNotifications(t.Context(), []hearth.Notification{note}); err != nil {
		t.Fatalf("AddNotifications: %v", err)
	}
	codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
		return db.MarkNotificationRead(t.Context(), "p_1", "n_1", time.Unix(int64(100+i), 0))
	})
	for i, c := range codes {
		if c != "" {
			t.Errorf("MarkNotificationRead %d: %s", i, c)
		}
	}
	read := func() time.Time {
		t.Helper()
		ns, err := dbs[1].Notifications(t.Context(), "p_1", "", 0)
		if err != nil || len(ns) != 1 {
			t.Fatalf("Notifications: %v, %d", err, len(ns))
		}
		return ns[0].Read
	}
	first := read()
	if s := first.Unix(); s < 100 || s >= 100+n {
		t.Fatalf("Read = %v, want one of the marked times", first)
	}
	if err := dbs[0].MarkNotificationRead(t.Context(), "p_1", "n_1", time.Unix(500, 0)); err != nil {
		t.Fatalf("MarkNotificationRead again: %v", err)
	}
	if got := read(); !got.Equal(first) {
		t.Errorf("Read = %v after marking again, want %v", got, first)
	}
	err := dbs[0].MarkNotificationRead(t.Context(), "p_2", "n_1", time.Unix(500, 0))
	if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("MarkNotificationRead by another person: %v, want ENOTFOUND", err)
	}
}
