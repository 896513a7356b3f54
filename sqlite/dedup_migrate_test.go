package sqlite

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hearth-iot/hearth"
)

// TestReadingKeysMigration: migration 0013 on a store that holds readings
// (schema 12, with the unique index) copies every key into reading_keys and
// sets the watermark to the newest reading, so that resends of the old
// readings are still refused, new readings stored, and an erased old
// reading's resend stored again.
func TestReadingKeysMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, DataFile)
	if err := createPrivate(path); err != nil {
		t.Fatal(err)
	}
	w, err := openConns(path, 1, false)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	old := fstest.MapFS{}
	err = fs.WalkDir(migrationFS, "migrations/hearth", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) >= "0013" {
			return err
		}
		b, err := fs.ReadFile(migrationFS, p)
		old[filepath.Base(p)] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil || len(old) != 12 {
		t.Fatalf("migrations up to 12: %d, %v", len(old), err)
	}
	if err := migrate(ctx, w, old); err != nil {
		t.Fatalf("migrate to 12: %v", err)
	}
	const n = 300
	for i := range n {
		_, err := w.ExecContext(ctx, `INSERT INTO readings (device_id, household_id, category, msg_id, time, received, inferred, sealed)
			VALUES (?, 'hh_1', 'temperature', ?, 0, 0, 0, x'00')`, fmt.Sprintf("d%d", i%7), fmt.Sprintf("m%d", i))
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	w.Close()

	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open (migrates to 13): %v", err)
	}
	defer db.Close()
	var wm, keys, index int64
	err = db.data.r.QueryRowContext(ctx, `SELECT (SELECT watermark FROM reading_keys_state), (SELECT count(*) FROM reading_keys),
		(SELECT count(*) FROM sqlite_schema WHERE name = 'readings_device_msg')`).Scan(&wm, &keys, &index)
	if err != nil || wm != n || keys != n || index != 0 {
		t.Fatalf("after the migration: watermark %d, %d keys, unique index present %d (%v); want %d, %d, 0", wm, keys, index, err, n, n)
	}
	now := time.Now()
	r := func(dev, msg string) hearth.Reading {
		return hearth.Reading{DeviceID: dev, HouseholdID: "hh_1", Category: "temperature", MsgID: msg, Time: now, Received: now, Sealed: []byte{0}}
	}
	rs := []hearth.Reading{r("d0", "m0"), r("d5", "m299"), r("d1", "m0"), r("d3", "m10"), r("d3", "m10")}
	stored, err := db.InsertReadings(ctx, rs)
	if err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	if want := "[duplicate duplicate stored duplicate duplicate]"; fmt.Sprint(stored) != want {
		t.Fatalf("stored %v, want %v", stored, want)
	}
	if n, err := db.DeleteReadings(ctx, hearth.ErasureFilter{HouseholdID: "hh_1", DeviceID: "d0"}, 1); err != nil || n != 1 {
		t.Fatalf("DeleteReadings = %d, %v", n, err)
	}
	stored, err = db.InsertReadings(ctx, []hearth.Reading{r("d0", "m0"), r("d0", "m7")})
	if err != nil || fmt.Sprint(stored) != "[stored duplicate]" {
		t.Fatalf("after erasing d0/m0: %v, %v; want [stored duplicate]", stored, err)
	}
}
