package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// progressEvery is how often Backup reports how much it has written.
const progressEvery = 100 * time.Millisecond

// BackupOptions configures Backup.
type BackupOptions struct {
	Keys     bool                    // back up keys.db instead of hearth.db
	Force    bool                    // replace the output file if it exists
	Progress func(done, total int64) // bytes written so far and expected; nil for none
}

// Backup writes a consistent copy of the store's hearth.db in dir (keys.db
// with opt.Keys) to the file out, while servers keep using the store. The
// copy is made with VACUUM INTO inside one read transaction: it holds
// exactly the transactions committed before it began (so every reading
// acknowledged by then), and no free pages. Nothing of the other database is
// in it, and never the key-encryption key.
//
// out is written as a temporary file created with mode 0600 in out's
// directory, synced, and then given its name, so a failed or interrupted
// backup never leaves a partial file under that name. An existing out is
// refused (an error wrapping fs.ErrExist) unless opt.Force. Backup holds a
// shared lock on dir, so a restore cannot replace the database under it. It
// returns the size of the copy.
func Backup(ctx context.Context, dir, out string, opt BackupOptions) (int64, error) {
	name := DataFile
	if opt.Keys {
		name = KeysFile
	}
	src := filepath.Join(dir, name)
	if strings.Contains(src, "?") {
		return 0, fmt.Errorf("back up %s: the data directory name may not contain '?'", src)
	}
	if _, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("back up %s: %w", src, err)
	}
	if _, err := os.Lstat(out); err == nil && !opt.Force {
		return 0, fmt.Errorf("back up to %s: %w", out, fs.ErrExist)
	}
	lock, err := lockDir(dir, false)
	if errors.Is(err, ErrInUse) {
		return 0, fmt.Errorf("back up %s: a restore is under way: %w", src, err)
	}
	if err == nil { // else a file system without locks: as in Open
		defer lock.Close()
	}
	tmp, err := privateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("back up to %s: %w", out, err)
	}
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := vacuumInto(ctx, src, tmp, opt.Progress); err != nil {
		return 0, fmt.Errorf("back up %s: %w", src, err)
	}
	size, err := syncFile(tmp)
	if err != nil {
		return 0, fmt.Errorf("back up to %s: %w", out, err)
	}
	if err := place(tmp, out, opt.Force); err != nil {
		return 0, fmt.Errorf("back up to %s: %w", out, err)
	}
	return size, nil
}

// vacuumInto copies the database src into the empty file dst with VACUUM
// INTO, reporting dst's growth to progress against src's size.
func vacuumInto(ctx context.Context, src, dst string, progress func(done, total int64)) error {
	// A plain connection: no journal_mode change, no query_only (VACUUM
	// INTO needs a writable connection, though it writes only to dst).
	db, err := sql.Open("sqlite", src+fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMS))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	var pages, pageSize int64
	if err := db.QueryRowContext(ctx, "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()").Scan(&pages, &pageSize); err != nil {
		return fmt.Errorf("read database size: %w", err)
	}
	if progress != nil {
		stop := watchSize(dst, pages*pageSize, progress)
		defer stop()
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("vacuum into %s: %w", dst, err)
	}
	return nil
}

// watchSize reports path's size to progress every progressEvery until the
// returned function is called.
func watchSize(path string, total int64, progress func(done, total int64)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if fi, err := os.Stat(path); err == nil {
					progress(fi.Size(), total)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if fi, err := os.Stat(path); err == nil {
			progress(fi.Size(), max(total, fi.Size()))
		}
	}
}

// privateTemp creates an empty file in dir named by pattern (as
// os.CreateTemp) with mode 0600, and returns its path.
func privateTemp(dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	path := f.Name()
	err = errors.Join(f.Chmod(0o600), f.Close())
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// syncFile syncs the file at path to disk and returns its size.
func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// place gives the file tmp the name dst, in the same directory, and syncs
// the directory. Without replace, an existing dst is refused (fs.ErrExist)
// and tmp is left for the caller to remove.
func place(tmp, dst string, replace bool) error {
	if replace {
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	} else {
		err := os.Link(tmp, dst)
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		if err != nil { // a file system without hard links
			if _, serr := os.Lstat(dst); serr == nil {
				return fs.ErrExist
			}
			err = os.Rename(tmp, dst)
		}
		if err != nil {
			return err
		}
		os.Remove(tmp)
	}
	return syncDir(filepath.Dir(dst))
}

// syncDir makes the directory entries in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
