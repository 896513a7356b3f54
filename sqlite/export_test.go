package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// Pragmas returns, per database file, the pragma settings in force on the
// writer connection and on a reader connection; a setting that differs
// between them is reported as "writer|reader".
func (db *DB) Pragmas(ctx context.Context) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for file, p := range map[string]*pair{DataFile: db.data, KeysFile: db.keys} {
		out[file] = map[string]string{}
		for _, name := range []string{"journal_mode", "synchronous", "secure_delete", "foreign_keys", "busy_timeout"} {
			w, err := pragma(ctx, p.w, name)
			if err != nil {
				return nil, err
			}
			r, err := pragma(ctx, p.r, name)
			if err != nil {
				return nil, err
			}
			if w != r {
				w += "|" + r
			}
			out[file][name] = w
		}
	}
	return out, nil
}

func pragma(ctx context.Context, db *sql.DB, name string) (string, error) {
	var v string
	if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		return "", fmt.Errorf("pragma %s: %w", name, err)
	}
	return v, nil
}

// CachedReadingKeys returns how many keys the cache holds.
func (db *DB) CachedReadingKeys() int {
	c := db.dedup
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids)
}

// CloseWithoutMerge closes the store as a crash leaves it: the cached keys
// are dropped, not merged.
func (db *DB) CloseWithoutMerge() error {
	c := db.dedup
	c.stop()
	c.done.Wait()
	c.mu.Lock()
	clear(c.ids)
	c.mu.Unlock()
	return db.Close()
}

// MergeCachedReadingKeys runs the merger's merge of the cached keys now.
func (db *DB) MergeCachedReadingKeys(ctx context.Context) error {
	return db.dedup.mergeCached(ctx, db.data)
}
