package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

// dedupReading is a reading of device dev with message ID msg.
func dedupReading(dev, msg string) hearth.Reading {
	now := time.Now().UTC()
	return hearth.Reading{DeviceID: dev, HouseholdID: "hh_1", Category: "temperature", MsgID: msg,
		Time: now, Received: now, Sealed: []byte("sealed")}
}

// insertWant inserts rs into db and fails unless stored is want.
func insertWant(t *testing.T, db *sqlite.DB, want []bool, rs ...hearth.Reading) []hearth.Reading {
	t.Helper()
	stored, err := db.InsertReadings(context.Background(), rs)
	if err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	for i := range rs {
		if (stored[i] == hearth.Stored) != want[i] {
			t.Fatalf("InsertReadings(%s/%s, ...): %v, want stored %v", rs[i].DeviceID, rs[i].MsgID, stored, want)
		}
	}
	return rs
}

// dedupState returns the watermark and the number of rows of reading_keys
// of the store in dir, read directly from hearth.db.
func dedupState(t *testing.T, dir string) (watermark, keys int64) {
	t.Helper()
	rawQuery(t, filepath.Join(dir, sqlite.DataFile),
		"SELECT (SELECT watermark FROM reading_keys_state), (SELECT count(*) FROM reading_keys)", &watermark, &keys)
	return watermark, keys
}

// countReadings returns how many readings of device dev with message ID
// msg the store holds.
func countReadings(t *testing.T, db *sqlite.DB, dev, msg string) int {
	t.Helper()
	rs, err := db.Readings(context.Background(), hearth.ReadingFilter{DeviceID: dev, Limit: 1000})
	if err != nil {
		t.Fatalf("Readings: %v", err)
	}
	n := 0
	for _, r := range rs {
		if r.MsgID == msg {
			n++
		}
	}
	return n
}

// TestDedupEveryPlaceAKeyLives resends a reading whose key is, in turn,
// earlier in the same batch, in the writer's cache of keys above the
// watermark, in reading_keys after a merge, and only in the readings above
// the watermark after a crash lost the cache: each resend is refused, and
// each reading is stored once.
func TestDedupEveryPlaceAKeyLives(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx := context.Background()

	// (a) in the same batch
	insertWant(t, db, []bool{true, false, true}, dedupReading("d1", "m1"), dedupReading("d1", "m1"), dedupReading("d2", "m1"))
	// (b) in the cache: nothing merged yet
	if wm, keys := dedupState(t, dir); wm != 0 || keys != 0 {
		t.Fatalf("before a merge: watermark %d, %d keys in reading_keys; want 0, 0", wm, keys)
	}
	if n := db.CachedReadingKeys(); n != 2 {
		t.Fatalf("%d keys cached, want 2", n)
	}
	insertWant(t, db, []bool{false, true}, dedupReading("d1", "m1"), dedupReading("d1", "m2"))

	// (c) after a merge: in reading_keys, none cached
	if err := db.MergeCachedReadingKeys(ctx); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if wm, keys := dedupState(t, dir); wm != 3 || keys != 3 {
		t.Fatalf("after a merge: watermark %d, %d keys in reading_keys; want 3, 3", wm, keys)
	}
	if n := db.CachedReadingKeys(); n != 0 {
		t.Fatalf("%d keys cached after a merge, want 0", n)
	}
	insertWant(t, db, []bool{false, false, false, true},
		dedupReading("d1", "m1"), dedupReading("d2", "m1"), dedupReading("d1", "m2"), dedupReading("d1", "m3"))

	// (d) a crash: the cache is lost, d1/m3 is above the watermark only
	if err := db.CloseWithoutMerge(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if wm, _ := dedupState(t, dir); wm != 3 {
		t.Fatalf("after the crash: watermark %d, want 3 (d1/m3 not merged)", wm)
	}
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	insertWant(t, db, []bool{false, false, true}, dedupReading("d1", "m3"), dedupReading("d1", "m1"), dedupReading("d1", "m4"))
	for _, msg := range []string{"m1", "m2", "m3", "m4"} {
		if n := countReadings(t, db, "d1", msg); n != 1 {
			t.Errorf("d1/%s stored %d times, want once", msg, n)
		}
	}
	// Close merges what is cached.
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if wm, keys := dedupState(t, dir); wm != 5 || keys != 5 {
		t.Fatalf("after Close: watermark %d, %d keys in reading_keys; want 5, 5", wm, keys)
	}
}

// TestDedupAcrossProcesses: readings stored through a second handle on the
// same directory (another process, such as a CLI import beside the server)
// are duplicates for the first, before and after either merges.
func TestDedupAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	a, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer a.Close()
	b, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open a second handle: %v", err)
	}
	insertWant(t, a, []bool{true}, dedupReading("d1", "a1")) // a's cache now knows ID 1
	insertWant(t, b, []bool{true, false}, dedupReading("d1", "b1"), dedupReading("d1", "a1"))
	insertWant(t, a, []bool{false, false, true}, dedupReading("d1", "b1"), dedupReading("d1", "a1"), dedupReading("d1", "a2"))
	insertWant(t, b, []bool{false}, dedupReading("d1", "a2"))
	if err := b.MergeReadingKeys(context.Background()); err != nil {
		t.Fatalf("merge: %v", err)
	}
	insertWant(t, b, []bool{true}, dedupReading("d1", "b2"))
	if err := b.Close(); err != nil { // merges b2
		t.Fatalf("close: %v", err)
	}
	insertWant(t, a, []bool{false, false, false, false, true},
		dedupReading("d1", "a1"), dedupReading("d1", "a2"), dedupReading("d1", "b1"), dedupReading("d1", "b2"), dedupReading("d1", "a3"))
	if err := a.MergeReadingKeys(context.Background()); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if wm, keys := dedupState(t, dir); wm != 5 || keys != 5 {
		t.Fatalf("watermark %d, %d keys in reading_keys; want 5, 5", wm, keys)
	}
}

// TestDedupErasedReadingStoredAgain: the key of an erased reading goes
// with it, from the cache's view and from reading_keys (RIGHT-ERASE: no
// trace of the reading is kept), so its resend is stored again, as with
// the unique index this replaced.
func TestDedupErasedReadingStoredAgain(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	insertWant(t, db, []bool{true, true}, dedupReading("merged", "m1"), dedupReading("keep", "m1"))
	if err := db.MergeReadingKeys(ctx); err != nil {
		t.Fatalf("merge: %v", err)
	}
	insertWant(t, db, []bool{true, true}, dedupReading("cached", "m1"), dedupReading("gone", "m1"))
	if n, err := db.DeleteReadings(ctx, hearth.ErasureFilter{HouseholdID: "hh_1", DeviceID: "gone"}, 10); err != nil || n != 1 {
		t.Fatalf("DeleteReadings(gone) = %d, %v; want 1", n, err)
	}
	if err := db.MergeCachedReadingKeys(ctx); err != nil { // skips the key of the reading deleted while cached
		t.Fatalf("merge: %v", err)
	}
	insertWant(t, db, []bool{true}, dedupReading("gone", "m1"))
	for _, dev := range []string{"merged", "cached"} {
		n, err := db.DeleteReadings(ctx, hearth.ErasureFilter{HouseholdID: "hh_1", DeviceID: dev}, 10)
		if err != nil || n != 1 {
			t.Fatalf("DeleteReadings(%s) = %d, %v; want 1", dev, n, err)
		}
	}
	var left int64
	rawQuery(t, filepath.Join(dir, sqlite.DataFile), "SELECT count(*) FROM reading_keys WHERE device_id IN ('merged', 'cached')", &left)
	if left != 0 {
		t.Errorf("reading_keys keeps %d keys of the erased reading", left)
	}
	insertWant(t, db, []bool{true, true, false}, dedupReading("merged", "m1"), dedupReading("cached", "m1"), dedupReading("keep", "m1"))
	insertWant(t, db, []bool{false, false}, dedupReading("merged", "m1"), dedupReading("cached", "m1"))
	if err := db.MergeCachedReadingKeys(ctx); err != nil {
		t.Fatalf("merge: %v", err)
	}
	insertWant(t, db, []bool{false, false, false, false},
		dedupReading("merged", "m1"), dedupReading("cached", "m1"), dedupReading("keep", "m1"), dedupReading("gone", "m1"))
}

// TestDedupMergeInChunks: a merge of more keys than one chunk moves every
// cached key into reading_keys, raises the watermark to the newest reading,
// and each key stays a duplicate.
func TestDedupMergeInChunks(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	const n = 5000 // more than two chunks
	rs := make([]hearth.Reading, n)
	want := make([]bool, n)
	for i := range rs {
		rs[i], want[i] = dedupReading(fmt.Sprintf("d%d", i%13), fmt.Sprintf("m%d", i)), true
	}
	insertWant(t, db, want, rs...)
	if err := db.MergeCachedReadingKeys(context.Background()); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if wm, keys := dedupState(t, dir); wm != n || keys != n {
		t.Fatalf("after the merge: watermark %d, %d keys in reading_keys; want %d, %d", wm, keys, n, n)
	}
	if c := db.CachedReadingKeys(); c != 0 {
		t.Fatalf("%d keys cached after the merge, want 0", c)
	}
	for i := range rs {
		want[i] = false
	}
	insertWant(t, db, want, rs...)
}

// TestDedupAgainstModel drives two handles on one directory (two
// processes) through random batches with resends, erasures, merges of
// either kind and crashes of one handle, and checks every stored flag
// against a model of the readings present: a key is stored iff no reading
// with it is present, and no key is ever stored twice.
func TestDedupAgainstModel(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	handles := make([]*sqlite.DB, 2)
	for i := range handles {
		db, err := sqlite.Open(dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		handles[i] = db
	}
	defer func() {
		for _, db := range handles {
			db.Close()
		}
	}()
	present := map[[2]string]bool{}
	rng := rand.New(rand.NewPCG(13, 2026))
	devices := []string{"d0", "d1", "d2"}
	for step := range 400 {
		h := rng.IntN(len(handles))
		db := handles[h]
		switch op := rng.IntN(20); {
		case op < 14: // a batch with resends
			rs := make([]hearth.Reading, 1+rng.IntN(40))
			want := make([]bool, len(rs))
			batch := map[[2]string]bool{}
			for i := range rs {
				k := [2]string{devices[rng.IntN(len(devices))], fmt.Sprintf("m%d", rng.IntN(60))}
				rs[i] = dedupReading(k[0], k[1])
				want[i] = !present[k] && !batch[k]
				batch[k] = true
			}
			stored, err := db.InsertReadings(ctx, rs)
			if err != nil {
				t.Fatalf("step %d: InsertReadings: %v", step, err)
			}
			for i := range rs {
				if (stored[i] == hearth.Stored) != want[i] {
					t.Fatalf("step %d, handle %d: %s/%s stored %v, want %v", step, h, rs[i].DeviceID, rs[i].MsgID, stored[i], want[i])
				}
				present[[2]string{rs[i].DeviceID, rs[i].MsgID}] = true
			}
		case op < 16: // erase a device's readings
			dev := devices[rng.IntN(len(devices))]
			if _, err := db.DeleteReadings(ctx, hearth.ErasureFilter{HouseholdID: "hh_1", DeviceID: dev}, 1000); err != nil {
				t.Fatalf("step %d: DeleteReadings: %v", step, err)
			}
			for k := range present {
				if k[0] == dev {
					delete(present, k)
				}
			}
		case op < 17:
			if err := db.MergeCachedReadingKeys(ctx); err != nil {
				t.Fatalf("step %d: merge: %v", step, err)
			}
		case op < 18:
			if err := db.MergeReadingKeys(ctx); err != nil {
				t.Fatalf("step %d: merge: %v", step, err)
			}
		default: // a crash of this handle, then a new one
			if err := db.CloseWithoutMerge(); err != nil {
				t.Fatalf("step %d: close: %v", step, err)
			}
			db, err := sqlite.Open(dir)
			if err != nil {
				t.Fatalf("step %d: reopen: %v", step, err)
			}
			handles[h] = db
		}
	}
	seen := map[[2]string]bool{}
	var after int64
	for {
		page, err := handles[0].Readings(ctx, hearth.ReadingFilter{HouseholdID: "hh_1", After: after})
		if err != nil {
			t.Fatalf("Readings: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			k := [2]string{r.DeviceID, r.MsgID}
			if seen[k] {
				t.Errorf("%s/%s stored twice", k[0], k[1])
			}
			seen[k] = true
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != len(present) {
		t.Errorf("%d readings stored, the model has %d", len(seen), len(present))
	}
}
