package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/storetest"
)

// open opens a store in a fresh temporary directory.
func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hearth.Store { return open(t) })
}

// rawQuery opens path directly (not through the adapter) and scans one row.
func rawQuery(t *testing.T, path, query string, dest ...any) {
	t.Helper()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer conn.Close()
	if err := conn.QueryRow(query).Scan(dest...); err != nil {
		t.Fatalf("%s on %s: %v", query, filepath.Base(path), err)
	}
}

func TestOpenCreatesPrivateDirAndBothFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "hearth")
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o700); got != want {
		t.Errorf("data directory mode %v, want %v", got, want)
	}
	for _, name := range []string{sqlite.DataFile, sqlite.KeysFile, sqlite.DataFile + "-wal", sqlite.KeysFile + "-wal"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want { // SEC-ENCRYPT: readable by the owner only
			t.Errorf("%s mode %v, want %v", name, got, want)
		}
	}
	files := db.Files()
	if len(files) != 6 {
		t.Fatalf("Files() = %v, want 6 paths", files)
	}
	for _, f := range files {
		if !strings.HasPrefix(f, dir) {
			t.Errorf("Files() lists %s, outside %s", f, dir)
		}
	}
}

// TestPragmas checks the settings in force on a connection configured as
// the adapter configures its own (persistent ones read from the files).
func TestPragmas(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	got, err := db.Pragmas(ctx)
	if err != nil {
		t.Fatalf("Pragmas: %v", err)
	}
	want := map[string]string{
		"journal_mode":  "wal", // group commit and concurrent readers
		"synchronous":   "2",   // FULL: a commit is synced before InsertReadings returns
		"secure_delete": "1",   // RIGHT-ERASE: deleted content is overwritten
		"foreign_keys":  "1",
		"busy_timeout":  "5000",
	}
	for _, file := range []string{sqlite.DataFile, sqlite.KeysFile} {
		for name, w := range want {
			if g := got[file][name]; g != w {
				t.Errorf("%s: PRAGMA %s = %q, want %q", file, name, g, w)
			}
		}
	}
	db.Close()
	// journal_mode is persistent: the files themselves are in WAL mode.
	for _, f := range []string{sqlite.DataFile, sqlite.KeysFile} {
		var mode string
		rawQuery(t, filepath.Join(filepath.Dir(db.Files()[0]), f), "PRAGMA journal_mode", &mode)
		if mode != "wal" {
			t.Errorf("%s journal_mode %q, want wal", f, mode)
		}
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	k := &hearth.WrappedKey{ID: "k_1", Subject: "p_1", KEKID: "kek", Wrapped: []byte{1, 2, 3}, Created: time.Unix(1, 0)}
	h := &hearth.Household{ID: "hh_1", Name: "Home", Created: time.Unix(1, 0)}
	if err := db.PutKey(ctx, k); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	a := &hearth.Account{ID: "a_1", Email: "x@example.org", PasswordHash: "h", PersonID: "p_1", Created: time.Unix(1, 0)}
	p := &hearth.Person{ID: "p_1", DisplayName: "X", AccountID: "a_1", Created: time.Unix(1, 0)}
	if err := db.CreateAccount(ctx, a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if err := db.CreateHousehold(ctx, h, &hearth.Member{HouseholdID: h.ID, PersonID: p.ID, Role: hearth.RoleOwner, Added: time.Unix(1, 0)}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v, want nil (idempotent)", err)
	}

	for i := range 2 { // migrations are idempotent: reopening twice changes nothing
		db, err := sqlite.Open(dir)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if _, err := db.Key(ctx, "p_1"); err != nil {
			t.Errorf("reopen %d: Key: %v", i, err)
		}
		if _, err := db.Household(ctx, "hh_1"); err != nil {
			t.Errorf("reopen %d: Household: %v", i, err)
		}
		db.Close()
	}
	for _, f := range []string{sqlite.DataFile, sqlite.KeysFile} {
		var n, max int
		rawQuery(t, filepath.Join(dir, f), "SELECT COUNT(*), MAX(version) FROM schema_migrations", &n, &max)
		if n != max {
			t.Errorf("%s: %d migration rows for version %d, want one per version", f, n, max)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	conn, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := conn.Exec("INSERT INTO schema_migrations (version, applied) VALUES (999, 0)"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	conn.Close()
	if db, err := sqlite.Open(dir); err == nil {
		db.Close()
		t.Fatalf("Open of a newer schema: nil error, want one")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v, want an error saying the schema is newer", err)
	}
}

// TestCheckpointEmptiesWAL: after a checkpoint the WAL holds nothing, so
// content deleted with secure_delete is gone from every file (RIGHT-ERASE).
func TestCheckpointEmptiesWAL(t *testing.T) {
	db := open(t)
	defer db.Close()
	ctx := context.Background()
	marker := []byte("MARKER-7f3a9c-wrapped-key")
	if err := db.PutKey(ctx, &hearth.WrappedKey{ID: "k_1", Subject: "p_1", KEKID: "kek", Wrapped: marker, Created: time.Unix(1, 0)}); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	if err := db.DeleteKey(ctx, "p_1"); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	for _, f := range db.Files() {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		if strings.HasSuffix(f, "-wal") && len(b) != 0 {
			t.Errorf("%s holds %d bytes after Checkpoint, want 0", filepath.Base(f), len(b))
		}
		if strings.Contains(string(b), string(marker)) {
			t.Errorf("%s still contains the deleted key's bytes", filepath.Base(f))
		}
	}
}

func TestErrorsCarryNoPersonalData(t *testing.T) {
	db := open(t)
	defer db.Close()
	ctx := context.Background()
	a := &hearth.Account{ID: "a_1", Email: "secret.person@example.org", PasswordHash: "h", PersonID: "p_1", Created: time.Unix(1, 0)}
	p := &hearth.Person{ID: "p_1", DisplayName: "X", AccountID: "a_1", Created: time.Unix(1, 0)}
	if err := db.CreateAccount(ctx, a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	a2, p2 := *a, *p
	a2.ID, p2.ID, a2.PersonID = "a_2", "p_2", "p_2"
	err := db.CreateAccount(ctx, &a2, &p2)
	if got := hearth.ErrorCode(err); got != hearth.ECONFLICT {
		t.Fatalf("duplicate CreateAccount code %q, want %q", got, hearth.ECONFLICT)
	}
	if strings.Contains(err.Error(), "secret.person") || strings.Contains(hearth.ErrorMessage(err), "secret.person") {
		t.Errorf("error %q contains the e-mail address", err)
	}
}
