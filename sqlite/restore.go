package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-iot/hearth/internal/migration"
)

// RestoreOptions configures Restore.
type RestoreOptions struct {
	Keys     bool                    // restore keys.db instead of hearth.db
	Force    bool                    // replace the database if the directory has one
	Progress func(done, total int64) // bytes copied so far and in all; nil for none
}

// Restore puts the backup file src in place as dir's hearth.db (keys.db
// with opt.Keys), leaving the other database as it is: restoring data
// keeps keys.db, so people erased since the backup stay unreadable. It
// returns the schema version of the restored database.
//
// It first checks src: an SQLite database, not truncated, a Hearth data
// database (a key store with opt.Keys; each is told from the other), with a
// schema no newer than this build knows, that passes integrity_check. Each
// refusal names the problem. The check runs on a private copy (mode 0600)
// inside dir, which is then renamed over the database in one step, after
// the old database's -wal and -shm files are removed (a log left from
// another database must never be replayed into this one).
//
// It refuses while any process has the store in dir open (ErrInUse: a
// server, or a command such as backup), holding an exclusive lock on dir
// until it is done, and refuses to replace an existing database (an error
// wrapping fs.ErrExist) unless opt.Force. dir is created (mode 0700) if
// missing.
func Restore(ctx context.Context, dir, src string, opt RestoreOptions) (int, error) {
	name, want := DataFile, dataDB
	if opt.Keys {
		name, want = KeysFile, keysDB
	}
	dst := filepath.Join(dir, name)
	if err := checkHeader(src); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDir(dir, true)
	if err != nil {
		return 0, fmt.Errorf("restore into %s: %w", dir, err)
	}
	defer lock.Close()
	if _, err := os.Lstat(dst); err == nil && !opt.Force {
		return 0, fmt.Errorf("restore into %s: %w", dst, fs.ErrExist)
	}
	tmp, err := privateTemp(dir, "."+name+".restore-*")
	if err != nil {
		return 0, fmt.Errorf("restore into %s: %w", dir, err)
	}
	defer removeDB(tmp) // after the rename there is nothing to remove
	if err := copyFile(src, tmp, opt.Progress); err != nil {
		return 0, fmt.Errorf("copy %s: %w", src, err)
	}
	version, err := checkBackup(ctx, tmp, want)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", src, err)
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("remove the old %s%s: %w", name, ext, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return 0, fmt.Errorf("restore into %s: %w", dst, err)
	}
	if err := syncDir(dir); err != nil {
		return 0, fmt.Errorf("restore into %s: %w", dst, err)
	}
	return version, nil
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader refuses a file that is not an SQLite database, or is shorter
// than its header says (a truncated copy).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[:16]) != sqliteMagic {
		return fmt.Errorf("%s is not a Hearth backup: not an SQLite database", path)
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("%s is damaged: its header gives a page size of %d", path, pageSize)
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	// The page count in the header is valid when the change counter
	// matches "version-valid-for" (every SQLite since 3.7.0 keeps it so).
	if binary.BigEndian.Uint32(h[24:28]) == binary.BigEndian.Uint32(h[92:96]) && fi.Size() < pages*pageSize {
		return fmt.Errorf("%s is truncated: it has %d bytes, its header says %d pages of %d bytes (%d bytes)",
			path, fi.Size(), pages, pageSize, pages*pageSize)
	}
	if fi.Size()%pageSize != 0 {
		return fmt.Errorf("%s is truncated or damaged: its %d bytes are not a whole number of %d-byte pages", path, fi.Size(), pageSize)
	}
	return nil
}

// copyFile copies src to the existing file dst, reporting progress, and
// syncs dst.
func copyFile(src, dst string, progress func(done, total int64)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	defer out.Close()
	var w io.Writer = out
	if progress != nil {
		w = &countingWriter{w: out, total: fi.Size(), progress: progress}
	}
	if _, err := io.Copy(w, in); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return out.Close()
}

// countingWriter reports the bytes written through it.
type countingWriter struct {
	w        io.Writer
	done     int64
	total    int64
	progress func(done, total int64)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.done += int64(n)
	c.progress(c.done, c.total)
	return n, err
}

// dbKind is what a Hearth database holds.
type dbKind struct {
	file   string // its file name in the data directory
	migDir string // its embedded migrations
	table  string // a table only it has
}

var (
	dataDB = dbKind{file: DataFile, migDir: "migrations/hearth", table: "readings"}
	keysDB = dbKind{file: KeysFile, migDir: "migrations/keys", table: "keys"}
)

// checkBackup checks that the database at path is a Hearth database of
// kind want, with a schema this build knows, that passes integrity_check,
// and returns its schema version.
func checkBackup(ctx context.Context, path string, want dbKind) (int, error) {
	db, err := sql.Open("sqlite", path+fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMS))
	if err != nil {
		return 0, fmt.Errorf("open backup: %w", err)
	}
	defer db.Close()
	tables, err := tableNames(ctx, db)
	if err != nil {
		// A damaged page of the schema itself fails here, before
		// integrity_check could run: it is the same refusal.
		return 0, fmt.Errorf("fails SQLite's integrity check: %w", err)
	}
	other := keysDB
	if want == keysDB {
		other = dataDB
	}
	switch {
	case !tables["schema_migrations"]:
		return 0, errors.New("not a Hearth backup: an SQLite database without Hearth's schema")
	case !tables[want.table] && tables[other.table]:
		return 0, fmt.Errorf("a backup of %s, not of %s", other.file, want.file)
	case !tables[want.table]:
		return 0, fmt.Errorf("not a Hearth backup of %s: it has no %s table", want.file, want.table)
	}
	version, err := schemaVersion(ctx, db)
	if err != nil {
		return 0, err
	}
	migs, err := fs.Sub(migrationFS, want.migDir)
	if err != nil {
		return 0, err
	}
	known, err := migration.Load(migs)
	if err != nil {
		return 0, err
	}
	if version > len(known) {
		return 0, fmt.Errorf("its schema version %d is newer than this build of Hearth knows (%d): restore it with the Hearth that made it, or a newer one",
			version, len(known))
	}
	if err := integrityCheck(ctx, db); err != nil {
		return 0, err
	}
	return version, nil
}

// tableNames returns the names of db's tables.
func tableNames(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read the schema: %w", err)
		}
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	return out, nil
}

// integrityCheck runs PRAGMA integrity_check and returns its first
// problems, if any.
func integrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check(10)")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if p != "ok" {
			problems = append(problems, p)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("fails SQLite's integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// removeDB removes the database file path and its -wal, -shm and -journal
// files, if they exist.
func removeDB(path string) {
	for _, ext := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + ext)
	}
}
