package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hearth-iot/hearth"
)

// TestRestoreLockExcludesStoreUsers: while a restore holds the data
// directory's lock, neither opening the store nor a backup may start, and
// both can once it is released; two store users share the directory.
func TestRestoreLockExcludesStoreUsers(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	other, err := Open(dir)
	if err != nil {
		t.Fatalf("a second Open of the same directory: %v, want shared use", err)
	}
	other.Close()
	db.Close()
	lock, err := lockDir(dir, true)
	if err != nil {
		t.Fatalf("exclusive lock: %v", err)
	}
	out := filepath.Join(t.TempDir(), "b.db")
	if _, err := Open(dir); !errors.Is(err, ErrInUse) {
		t.Errorf("Open during a restore: %v, want ErrInUse", err)
	}
	if _, err := Backup(context.Background(), dir, out, BackupOptions{}); !errors.Is(err, ErrInUse) {
		t.Errorf("Backup during a restore: %v, want ErrInUse", err)
	}
	lock.Close()
	if _, err := Backup(context.Background(), dir, out, BackupOptions{}); err != nil {
		t.Errorf("Backup after the restore: %v", err)
	}
	db, err = Open(dir)
	if err != nil {
		t.Fatalf("Open after the restore: %v", err)
	}
	db.Close()
}

// TestCloseWhileAnotherReads: Close succeeds while another connection (as
// a server in another process would) holds a read transaction that keeps
// the log from being checkpointed to the end.
func TestCloseWhileAnotherReads(t *testing.T) {
	dir := t.TempDir()
	server, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer server.Close()
	cmd, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := cmd.data.w.Exec("CREATE TABLE scratch (x); INSERT INTO scratch VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	tx, err := server.data.r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow("SELECT COUNT(*) FROM scratch").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.data.w.Exec("INSERT INTO scratch VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Checkpoint(context.Background()); hearth.ErrorCode(err) != hearth.EUNAVAILABLE {
		t.Fatalf("Checkpoint with a reader on an older snapshot: %v, want EUNAVAILABLE (the test proves nothing otherwise)", err)
	}
	if err := cmd.Close(); err != nil {
		t.Errorf("Close while another reads: %v, want nil", err)
	}
}
