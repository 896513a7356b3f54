package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
)

// fixture stores, without the adapter, households hh_0 … hh_{n-1} and
// devices dev_0 … dev_{n-1}, device i bound to household i in cloud mode.
func fixture(t testing.TB, url string, n int) {
	t.Helper()
	execTB(t, url, `INSERT INTO households (id, name, created) SELECT 'hh_' || i, 'Home', 0 FROM generate_series(0, $1 - 1) i`, n)
	execTB(t, url, `INSERT INTO devices (id, model, household_id, credential_hash, firmware, mode, created, claimed)
		SELECT 'dev_' || i, 'thermo-1', 'hh_' || i, '\x00', '1.0.0', 'cloud', 0, 0 FROM generate_series(0, $1 - 1) i`, n)
}

// execTB runs a statement on the database at url, outside the adapter,
// for tests and benchmarks.
func execTB(t testing.TB, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// openOn opens a second store on the same databases: another node.
func openOn(t testing.TB, data, keys string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rd returns a reading of device i in household i.
func rd(i int, msg string) hearth.Reading {
	now := time.Unix(1700000000, 0)
	return hearth.Reading{
		DeviceID: fmt.Sprintf("dev_%d", i), HouseholdID: fmt.Sprintf("hh_%d", i), Category: "temperature",
		MsgID: msg, Time: now, Received: now, Sealed: []byte("sealed:" + msg),
	}
}

// InsertReadings reports for each reading of a batch whether it was stored,
// a duplicate (in the batch or before) or refused because its device is
// bound elsewhere or local-only (OWN-CLEAN, LOCAL-ONLY); a device the store
// does not know is not checked.
func TestInsertReadingsOutcomes(t *testing.T) {
	data, keys := pgtest.Store(t)
	db := openOn(t, data, keys)
	fixture(t, data, 3)
	exec(t, data, "UPDATE devices SET mode = 'local' WHERE id = 'dev_2'")
	moved := rd(0, "m3")
	moved.HouseholdID = "hh_1"
	unknown := rd(9, "m1")
	batch := []hearth.Reading{
		rd(0, "m1"), rd(0, "m1"), rd(1, "m1"), rd(0, "m2"), moved, rd(2, "m1"), unknown,
	}
	got, err := db.InsertReadings(t.Context(), batch)
	if err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	want := []hearth.Insertion{hearth.Stored, hearth.Duplicate, hearth.Stored, hearth.Stored, hearth.Unbound, hearth.Unbound, hearth.Stored}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first batch (-want +got):\n%s", diff)
	}
	ids := []int64{batch[0].ID, batch[2].ID, batch[3].ID, batch[6].ID}
	for i, id := range ids {
		if id == 0 || i > 0 && id <= ids[i-1] {
			t.Errorf("IDs of the stored readings %v, want increasing in batch order", ids)
		}
	}
	if batch[1].ID != 0 || batch[4].ID != 0 {
		t.Errorf("readings not stored got IDs %d, %d; want 0", batch[1].ID, batch[4].ID)
	}

	// A copy for another household after a refused one is judged on its own.
	again := []hearth.Reading{rd(0, "m1"), rd(0, "m3"), moved}
	got, err = db.InsertReadings(t.Context(), again)
	if err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	want = []hearth.Insertion{hearth.Duplicate, hearth.Stored, hearth.Unbound}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second batch (-want +got):\n%s", diff)
	}
	var n int
	query(t, data, "SELECT count(*) FROM readings", &n)
	if n != 5 {
		t.Errorf("%d readings stored, want 5", n)
	}
}

// A failed batch stores nothing and sets no ID.
func TestInsertReadingsAtomic(t *testing.T) {
	data, keys := pgtest.Store(t)
	db := openOn(t, data, keys)
	fixture(t, data, 1)
	bad := rd(0, "m2")
	bad.Sealed = nil // violates NOT NULL
	batch := []hearth.Reading{rd(0, "m1"), bad}
	if _, err := db.InsertReadings(t.Context(), batch); err == nil {
		t.Fatal("InsertReadings with a reading lacking its sealed value: no error")
	}
	var n int
	query(t, data, "SELECT count(*) FROM readings", &n)
	if n != 0 || batch[0].ID != 0 {
		t.Errorf("after a failed batch: %d readings stored, ID %d; want 0, 0", n, batch[0].ID)
	}
}

// Two nodes inserting the same readings at once, in opposite orders (each
// may wait for the other's uncommitted copy: a deadlock PostgreSQL breaks
// and InsertReadings retries), store each once and report it stored once.
func TestInsertReadingsTwoNodes(t *testing.T) {
	data, keys := pgtest.Store(t)
	nodes := []*postgres.DB{openOn(t, data, keys), openOn(t, data, keys)}
	fixture(t, data, 4)
	const batches, size = 30, 40
	var mu sync.Mutex
	stored := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for b := range batches {
				var rs []hearth.Reading
				for i := range size {
					if w%2 == 1 { // the other node sends the same readings in the opposite order
						i = size - 1 - i
					}
					rs = append(rs, rd(i%4, fmt.Sprintf("b%d-%d", b, i)))
				}
				got, err := nodes[w%2].InsertReadings(context.Background(), rs)
				if err != nil {
					t.Errorf("InsertReadings: %v", err)
					return
				}
				mu.Lock()
				for i, in := range got {
					if in == hearth.Stored {
						stored[rs[i].DeviceID+"/"+rs[i].MsgID]++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(stored) != batches*size {
		t.Errorf("%d readings reported stored, want %d", len(stored), batches*size)
	}
	for k, n := range stored {
		if n != 1 {
			t.Errorf("%s reported stored %d times", k, n)
		}
	}
	var n int
	query(t, data, "SELECT count(*) FROM readings", &n)
	if n != batches*size {
		t.Errorf("%d readings in the table, want %d", n, batches*size)
	}
}

// Readings filters by household, device, person ("-": the household's
// own), category and time range, pages by ID, and refuses a negative
// limit. (The storetest group Readings covers the same with the store's
// own fixtures.)
func TestReadingsFilter(t *testing.T) {
	data, keys := pgtest.Store(t)
	db := openOn(t, data, keys)
	fixture(t, data, 2)
	var rs []hearth.Reading
	for i := range 6 {
		r := rd(i%2, fmt.Sprintf("m%d", i))
		r.Time = r.Time.Add(time.Duration(i) * time.Minute)
		if i%3 == 0 {
			r.PersonID = "p_1"
		}
		if i == 4 {
			r.Category = "presence"
		}
		rs = append(rs, r)
	}
	if _, err := db.InsertReadings(t.Context(), rs); err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	t0 := rs[0].Time
	for _, tt := range []struct {
		name string
		f    hearth.ReadingFilter
		want []string
	}{
		{"household", hearth.ReadingFilter{HouseholdID: "hh_0"}, []string{"m0", "m2", "m4"}},
		{"device", hearth.ReadingFilter{DeviceID: "dev_1"}, []string{"m1", "m3", "m5"}},
		{"person", hearth.ReadingFilter{PersonID: "p_1"}, []string{"m0", "m3"}},
		{"household's own", hearth.ReadingFilter{HouseholdID: "hh_0", PersonID: "-"}, []string{"m2", "m4"}},
		{"category", hearth.ReadingFilter{Category: "presence"}, []string{"m4"}},
		{"range", hearth.ReadingFilter{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []string{"m1", "m2"}},
		{"after and limit", hearth.ReadingFilter{After: rs[1].ID, Limit: 2}, []string{"m2", "m3"}},
	} {
		got, err := db.Readings(t.Context(), tt.f)
		if err != nil {
			t.Fatalf("%s: Readings: %v", tt.name, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.MsgID)
		}
		if diff := cmp.Diff(tt.want, ids); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	got, err := db.Readings(t.Context(), hearth.ReadingFilter{DeviceID: "dev_0", Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Readings: %v, %v", got, err)
	}
	want := rs[0]
	want.Time, want.Received = want.Time.UTC(), want.Received.UTC()
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("a reading read back (-want +got):\n%s", diff)
	}
	if _, err := db.Readings(t.Context(), hearth.ReadingFilter{Limit: -1}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Readings with limit -1: %v, want EINVALID", err)
	}
}

// OWN-CLEAN across nodes: a batch that arrives while another node's
// transaction is moving its device to another household waits for that
// transaction, and then refuses the reading (Unbound) rather than storing
// it in the old household.
func TestInsertReadingsWaitsForADeviceChange(t *testing.T) {
	data, keys := pgtest.Store(t)
	db := openOn(t, data, keys)
	fixture(t, data, 2)
	other, err := pgx.Connect(t.Context(), data)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer other.Close(context.Background())
	tx, err := other.Begin(t.Context())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), "UPDATE devices SET household_id = 'hh_1' WHERE id = 'dev_0'"); err != nil {
		t.Fatalf("move the device: %v", err)
	}
	type result struct {
		ins []hearth.Insertion
		err error
	}
	done := make(chan result, 1)
	go func() {
		ins, err := db.InsertReadings(context.Background(), []hearth.Reading{rd(0, "m1")})
		done <- result{ins, err}
	}()
	// Wait until the batch waits for the device's row lock.
	for {
		var waiting int
		query(t, data, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR SHARE%'", &waiting)
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("InsertReadings returned %v, %v before the device's change committed", r.ins, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatalf("commit: %v", err)
	}
	r := <-done
	if r.err != nil || len(r.ins) != 1 || r.ins[0] != hearth.Unbound {
		t.Fatalf("InsertReadings after the device moved = %v, %v; want [unbound]", r.ins, r.err)
	}
}
