package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

// keyMarker is in the wrapped key the tests store, so a scan can find key
// material in a file.
var keyMarker = []byte("WRAPPED-KEY-MARKER-5d1c")

// seeded opens a store in a fresh directory with a wrapped key for p_1 and
// a household hh_1 owned by p_1.
func seeded(t *testing.T) (string, *sqlite.DB) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("PutKey", db.PutKey(ctx, &hearth.WrappedKey{ID: "k_1", Subject: "p_1", KEKID: "kek", Wrapped: keyMarker, Created: time.Unix(1, 0)}))
	must("CreateAccount", db.CreateAccount(ctx, &hearth.Account{ID: "a_1", Email: "x@example.org", PasswordHash: "h", PersonID: "p_1", Created: time.Unix(1, 0)},
		&hearth.Person{ID: "p_1", DisplayName: "X", AccountID: "a_1", Created: time.Unix(1, 0)}))
	addHousehold(t, db, "hh_1")
	return dir, db
}

func addHousehold(t *testing.T, db *sqlite.DB, id string) {
	t.Helper()
	h := &hearth.Household{ID: id, Name: "Home", Created: time.Unix(1, 0)}
	if err := db.CreateHousehold(context.Background(), h, &hearth.Member{HouseholdID: id, PersonID: "p_1", Role: hearth.RoleOwner, Added: time.Unix(1, 0)}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
}

// checkPrivate fails unless path has mode 0600 (SEC-ENCRYPT).
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("%s has mode %v, want 0600", filepath.Base(path), got)
	}
}

// TestBackupRestore backs up a store in use, restores the backup after
// more data was written and a key destroyed, and checks that the restored
// data is the backup's while keys.db stays as it was (RIGHT-ERASE: a
// person erased since the backup stays unreadable; SEC-ENCRYPT: the backup
// holds no key material, and every file is 0600).
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir, db := seeded(t)
	out := filepath.Join(t.TempDir(), "hearth.db.bak")
	var reported int64
	size, err := sqlite.Backup(ctx, dir, out, sqlite.BackupOptions{Progress: func(done, _ int64) { reported = done }})
	if err != nil {
		t.Fatalf("Backup while the store is open: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size || reported != size {
		t.Errorf("Backup returned size %d and reported %d; the file has %d bytes", size, reported, len(b))
	}
	if bytes.Contains(b, keyMarker) {
		t.Error("the data backup contains wrapped key material")
	}
	checkPrivate(t, out)
	if _, err := sqlite.Backup(ctx, dir, out, sqlite.BackupOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Backup over an existing file: %v, want fs.ErrExist", err)
	}
	if _, err := sqlite.Backup(ctx, dir, out, sqlite.BackupOptions{Force: true}); err != nil {
		t.Errorf("Backup with Force over an existing file: %v", err)
	}
	keysOut := filepath.Join(t.TempDir(), "keys.db.bak")
	if _, err := sqlite.Backup(ctx, dir, keysOut, sqlite.BackupOptions{Keys: true}); err != nil {
		t.Fatalf("Backup of keys.db: %v", err)
	}
	if kb, _ := os.ReadFile(keysOut); !bytes.Contains(kb, keyMarker) {
		t.Error("the keys.db backup does not hold the wrapped key")
	}
	checkPrivate(t, keysOut)

	if _, err := sqlite.Restore(ctx, dir, out, sqlite.RestoreOptions{Force: true}); !errors.Is(err, sqlite.ErrInUse) {
		t.Errorf("Restore while the store is open: %v, want ErrInUse", err)
	}
	addHousehold(t, db, "hh_2")                      // written after the backup
	if err := db.DeleteKey(ctx, "p_1"); err != nil { // erased after the backup
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Restore(ctx, dir, out, sqlite.RestoreOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Restore over an existing hearth.db without Force: %v, want fs.ErrExist", err)
	}
	version, err := sqlite.Restore(ctx, dir, out, sqlite.RestoreOptions{Force: true})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	var want int
	rawQuery(t, out, "SELECT MAX(version) FROM schema_migrations", &want)
	if version != want {
		t.Errorf("Restore returned schema version %d, want %d", version, want)
	}
	checkPrivate(t, filepath.Join(dir, sqlite.DataFile))
	if got := names(t, dir); !slices.Equal(got, []string{sqlite.DataFile, sqlite.KeysFile}) {
		t.Errorf("data directory after restore: %v, want only the two databases", got)
	}
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open after restore: %v", err)
	}
	if _, err := db.Household(ctx, "hh_1"); err != nil {
		t.Errorf("household from the backup: %v", err)
	}
	if _, err := db.Household(ctx, "hh_2"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("household written after the backup: %v, want ENOTFOUND", err)
	}
	if _, err := db.Key(ctx, "p_1"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("key destroyed after the backup: %v, want ENOTFOUND (keys.db kept as it was)", err)
	}
	db.Close()
	// A key backup older than an erasure brings the erased key back: why
	// key backups are kept on a shorter rotation than data backups.
	if _, err := sqlite.Restore(ctx, dir, keysOut, sqlite.RestoreOptions{Keys: true, Force: true}); err != nil {
		t.Fatalf("Restore of keys.db: %v", err)
	}
	checkPrivate(t, filepath.Join(dir, sqlite.KeysFile))
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open after restoring keys.db: %v", err)
	}
	defer db.Close()
	if _, err := db.Key(ctx, "p_1"); err != nil {
		t.Errorf("key from the keys.db backup: %v", err)
	}
}

// names lists the files in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestRestoreRefuses: a file that is not a Hearth data backup is refused
// with the exact problem, and the data directory is left as it was.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	dir, db := seeded(t)
	good := filepath.Join(t.TempDir(), "good.bak")
	if _, err := sqlite.Backup(ctx, dir, good, sqlite.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(t.TempDir(), "keys.bak")
	if _, err := sqlite.Backup(ctx, dir, keys, sqlite.BackupOptions{Keys: true}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	goodBytes, _ := os.ReadFile(good)
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("newer.bak", goodBytes)
	exec(t, newer, "INSERT INTO schema_migrations (version, applied) VALUES (999, 0)")
	foreign := filepath.Join(tmp, "foreign.db")
	exec(t, foreign, "CREATE TABLE notes (body TEXT)")
	damaged := slices.Clone(goodBytes)
	pageSize := len(damaged) / countPages(t, good)
	damaged[len(damaged)-pageSize] = 0x07 // the last page's b-tree page type: no such type
	tests := []struct {
		name string
		file string
		keys bool
		want string
	}{
		{"not SQLite", write("notes.txt", []byte("hello, this is not a database at all, but it is long enough to have a header..........")), false, "not a Hearth backup: not an SQLite database"},
		{"empty", write("empty.bak", nil), false, "not an SQLite database"},
		{"truncated", write("half.bak", goodBytes[:len(goodBytes)/2]), false, "is truncated: it has"},
		{"cut mid-page", write("cut.bak", goodBytes[:len(goodBytes)-100]), false, "is truncated"},
		{"keys.db as data", keys, false, "a backup of keys.db, not of hearth.db"},
		{"data as keys.db", good, true, "a backup of hearth.db, not of keys.db"},
		{"another SQLite database", foreign, false, "without Hearth's schema"},
		{"newer schema", newer, false, "schema version 999 is newer than this build of Hearth knows"},
		{"damaged page", write("damaged.bak", damaged), false, "integrity check"},
		{"missing", filepath.Join(tmp, "nope.bak"), false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqlite.Restore(ctx, dir, tt.file, sqlite.RestoreOptions{Force: true, Keys: tt.keys})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Restore: %v, want an error containing %q", err, tt.want)
			}
			after, _ := os.ReadFile(filepath.Join(dir, sqlite.DataFile))
			if !bytes.Equal(after, before) {
				t.Error("a refused restore changed hearth.db")
			}
			if got := names(t, dir); !slices.Equal(got, []string{sqlite.DataFile, sqlite.KeysFile}) {
				t.Errorf("data directory after a refused restore: %v", got)
			}
		})
	}
}

// exec runs one statement on the database at path, directly.
func exec(t *testing.T, path, stmt string) {
	t.Helper()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func countPages(t *testing.T, path string) int {
	t.Helper()
	var n int
	rawQuery(t, path, "PRAGMA page_count", &n)
	return n
}
