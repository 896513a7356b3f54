package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
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
