package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointerCopiesLog shows that the background checkpointer copies
// committed pages from the write-ahead log into the database file without
// any checkpoint from the writer, and that Checkpoint, which erasure uses
// to truncate the log, still succeeds alongside it.
func TestCheckpointerCopiesLog(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.data.w.ExecContext(ctx, "PRAGMA wal_autocheckpoint(0)"); err != nil {
		t.Fatalf("turn off the writer's checkpoints: %v", err)
	}
	main := filepath.Join(dir, DataFile)
	before := fileSize(t, main)
	if _, err := db.data.w.ExecContext(ctx, "CREATE TABLE ckpt_probe (b BLOB); INSERT INTO ckpt_probe VALUES (zeroblob(1000000))"); err != nil {
		t.Fatalf("write: %v", err)
	}
	if got := fileSize(t, main); got != before {
		t.Fatalf("database file grew before any checkpoint: %d, want %d", got, before)
	}
	deadline := time.Now().Add(30 * checkpointInterval) // a bound on a broken checkpointer, not a timing assertion
	for fileSize(t, main) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the log was never checkpointed", fileSize(t, main))
		}
		time.Sleep(checkpointInterval / 10)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Errorf("Checkpoint alongside the checkpointer: %v", err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Size()
}
