// Package sqlite is Hearth's embedded storage adapter: it implements
// hearth.Store on two SQLite databases in one directory, using the pure-Go
// driver modernc.org/sqlite (so builds stay cgo-free).
//
// hearth.db holds the data (accounts, households, devices, sealed readings);
// keys.db holds the wrapped data keys. They are kept apart so that restoring
// an old data backup cannot bring an erased subject's key back.
//
// Both databases run in WAL mode with synchronous=FULL (a commit is synced to
// disk before the call that made it returns; only DeleteReadings commits
// without, see there), secure_delete=ON (deleted
// content is overwritten), foreign_keys=ON and a busy timeout. Each has one
// writer connection, since SQLite serialises writers anyway, and a small pool
// of read-only connections. The schema is created and upgraded by embedded,
// numbered, transactional migrations.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hearth-iot/hearth"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// The file names inside the directory given to Open.
const (
	DataFile = "hearth.db" // accounts, households, devices, sealed readings
	KeysFile = "keys.db"   // wrapped data keys
)

const (
	busyTimeoutMS = 5000 // how long a connection waits for a lock
	readerConns   = 4    // size of each database's read-only pool

	writerCacheKiB     = 16 << 10 // page cache of each writer connection (SQLite's default: 2 MiB)
	walCheckpointPages = 65536    // WAL pages before the writer checkpoints itself (default 1000; see checkpointer)
)

var _ hearth.Store = (*DB)(nil)

// DB is a Hearth store on SQLite files. It is safe for concurrent use; its
// zero value is not usable: call Open.
type DB struct {
	data *pair
	keys *pair
	lock *os.File // shared lock on the directory, so a restore waits for Close; nil if unsupported

	dedup *keyCache // the keys of the newest readings (dedup.go)

	closeOnce sync.Once
	closeErr  error
}

// pair is one SQLite database: a single writer connection and a read-only pool.
type pair struct {
	path string
	w    *sql.DB
	r    *sql.DB
	ckpt *checkpointer // passive checkpoints off the writer's path
}

// ErrInUse is returned when the data directory is locked by another process
// in a way that conflicts: a restore while the store is open, or the store
// opened while a restore runs.
var ErrInUse = errors.New("the data directory is in use by another Hearth process")

// Open opens (creating if needed) the store in dir: it creates dir with mode
// 0700 if it does not exist, opens hearth.db and keys.db, and migrates both
// to the current schema. It holds a shared lock on dir until Close, so that
// Restore refuses to replace a database in use. It fails if a database has
// a newer schema than this build knows, if dir contains a '?', or with
// ErrInUse while a restore runs in dir.
func Open(dir string) (*DB, error) {
	if strings.Contains(dir, "?") {
		return nil, hearth.Errorf(hearth.EINVALID, "the data directory name may not contain '?'")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDir(dir, false)
	if errors.Is(err, ErrInUse) {
		return nil, fmt.Errorf("open %s: a restore is under way: %w", dir, err)
	}
	if err != nil {
		lock = nil // a file system without locks: run without (only restore needs one)
	}
	db, err := openDB(dir)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	db.lock = lock
	return db, nil
}

// openDB opens and migrates both databases in dir.
func openDB(dir string) (*DB, error) {
	if err := createPrivate(filepath.Join(dir, DataFile), filepath.Join(dir, KeysFile)); err != nil {
		return nil, err
	}
	data, err := openPair(filepath.Join(dir, DataFile), "migrations/hearth")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", DataFile, err)
	}
	keys, err := openPair(filepath.Join(dir, KeysFile), "migrations/keys")
	if err != nil {
		data.close()
		return nil, fmt.Errorf("open %s: %w", KeysFile, err)
	}
	return &DB{data: data, keys: keys, dedup: startKeyCache(data)}, nil
}

// createPrivate creates the database files that do not exist yet with mode
// 0600, whatever the umask; SQLite gives the -wal and -shm files the mode of
// their database file.
func createPrivate(paths ...string) error {
	for _, p := range paths {
		f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("create %s: %w", filepath.Base(p), err)
		}
		f.Close()
	}
	return nil
}

// openPair opens the database at path and applies the migrations in the
// embedded folder migDir.
func openPair(path, migDir string) (*pair, error) {
	w, err := openConns(path, 1, false)
	if err != nil {
		return nil, err
	}
	migs, err := fs.Sub(migrationFS, migDir)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if err := migrate(context.Background(), w, migs); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openConns(path, readerConns, true)
	if err != nil {
		w.Close()
		return nil, err
	}
	return &pair{path: path, w: w, r: r, ckpt: startCheckpointer(r, w)}, nil
}

// openConns opens a pool of at most n connections to path with Hearth's
// pragmas; readOnly pools refuse writes (query_only).
func openConns(path string, n int, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "secure_delete(ON)")
	q.Add("_pragma", "foreign_keys(ON)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Set("_txlock", "immediate")
		// Ingestion's group commits dirty an index page per device: a
		// page cache that holds them saves a read per row. The background
		// checkpointer copies the WAL; the writer's own threshold is only
		// a bound for when it falls behind.
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB))
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return db, nil
}

// close closes both pools, returning the first error.
func (p *pair) close() error {
	p.ckpt.close()
	return errors.Join(p.r.Close(), p.w.Close())
}

// Close merges the cached keys of the newest readings into reading_keys
// (dedup.go), checkpoints the write-ahead logs into the database files and closes
// both databases. A checkpoint that another process's readers keep from
// completing is not an error: the commits are durable in the log, and that
// process checkpoints it. It is idempotent: later calls return the first
// call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		mergeErr := db.dedup.close(db.data)
		ckErr := db.Checkpoint(context.Background())
		if hearth.ErrorCode(ckErr) == hearth.EUNAVAILABLE {
			// Another process (a server, while a command such as export
			// runs) is reading: every commit is already durable in the
			// log, and that process's checkpoints copy it.
			ckErr = nil
		}
		db.closeErr = errors.Join(mergeErr, ckErr, db.data.close(), db.keys.close())
		if db.lock != nil {
			db.lock.Close() // releases the directory lock
		}
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("close store: %w", db.closeErr)
		}
	})
	return db.closeErr
}

// Files returns the paths of every file the store may keep on disk: each
// database with its -wal and -shm files, data first. Files that do not exist
// at the moment are listed too. Storage-scan tests read them.
func (db *DB) Files() []string {
	var out []string
	for _, p := range []string{db.data.path, db.keys.path} {
		out = append(out, p, p+"-wal", p+"-shm")
	}
	return out
}

// passiveCheckpoints bounds the passive rounds of Checkpoint and of the
// background checkpointer.
const passiveCheckpoints = 5

// quietFrames is how few pages a passive round may find committed since
// the round before for the log to count as copied: what is left for a
// checkpoint on the writer is then a few milliseconds of commits.
const quietFrames = 256

// passiveCheckpoint copies the log into the database on a read connection
// in rounds: each copies what was committed during the one before, until a
// round finds fewer than quietFrames new pages, or passiveCheckpoints
// rounds. It blocks nobody, so a checkpoint on the writer after it has
// almost nothing to copy or sync while it holds the writer. It returns the
// largest size of the log, in pages, that a round found, and whether the
// last round found it quiet (copied but for fewer than quietFrames pages).
func passiveCheckpoint(ctx context.Context, r *sql.DB) (frames int, quiet bool, err error) {
	copied := -1 // pages copied by the last round that ran
	for range passiveCheckpoints {
		var busy, log, done int
		if err := r.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
			return frames, false, err
		}
		// A round reports the log as it was when it began, all of it
		// copied unless a reader held part back, or -1 when it could not
		// run (another connection was checkpointing); a log smaller than
		// copied was started over meanwhile.
		if log < 0 {
			continue
		}
		frames = max(frames, log)
		if copied >= 0 && done >= log && log-copied < quietFrames {
			return frames, true, nil
		}
		copied = done
	}
	return frames, false, nil
}

// Checkpoint copies both write-ahead logs into their database files and
// truncates the logs (wal_checkpoint(TRUNCATE)), so that content removed
// with secure_delete no longer lingers in a WAL. A passive checkpoint on a
// read connection copies the log first, so the truncating one, which holds
// the writer, has little left to copy. It returns EUNAVAILABLE if a reader
// kept a log from being fully checkpointed.
func (db *DB) Checkpoint(ctx context.Context) error {
	for _, p := range []*pair{db.data, db.keys} {
		var busy, logFrames, done int
		p.ckpt.mu.Lock() // not while a background round holds the checkpoint lock
		_, _, err := passiveCheckpoint(ctx, p.r)
		if err == nil {
			err = p.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
		}
		p.ckpt.mu.Unlock()
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", filepath.Base(p.path), err)
		}
		if busy != 0 {
			return hearth.Errorf(hearth.EUNAVAILABLE, "the store is busy; try the checkpoint again")
		}
	}
	return nil
}
