package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
)

// Deduplication of (device_id, msg_id) without an index entry per reading.
//
// The database is the truth: reading_keys holds the key of every stored
// reading with an ID up to the watermark (reading_keys_state), and the
// readings above it hold their own keys. The writer caches the keys of
// the readings above the watermark in memory (keyCache) and, between group
// commits, merges them into reading_keys in key order, in chunks of
// mergeChunk keys: a merge dirties about one page of reading_keys per
// device, where a unique index on readings dirtied one page per reading
// (migration 0013).
//
// Each batch, inside its write transaction:
//  1. catch up: readings above the highest ID the cache knows (written by
//     another process, or by this one before a crash) have their keys
//     loaded; a large gap is merged into reading_keys instead;
//  2. a reading is a duplicate if its key is earlier in the batch, or in
//     the cache and that reading still exists (a deleted reading's key is
//     no longer a duplicate), or in reading_keys (whose rows the
//     readings_delete_key trigger deletes with their reading);
//  3. the others are inserted, and their keys cached once committed.
const (
	// mergeKeys is how many cached keys trigger a merge.
	mergeKeys = 65536
	// mergeAge is how long keys may stay cached before a merge.
	mergeAge = 30 * time.Second
	// catchUpMergeRows is the gap above which a catch-up merges the
	// readings into reading_keys in the batch's transaction instead of
	// loading their keys into memory (a crashed bulk import, say).
	catchUpMergeRows = 4 * mergeKeys
)

// readingKey is a reading's deduplication key.
type readingKey struct{ device, msg string }

// keyCache holds the keys of the readings above the watermark that this
// process knows of. mu serializes every write to readings through
// InsertReadings and merges, and guards the fields.
type keyCache struct {
	mu     sync.Mutex
	ids    map[readingKey]int64 // key -> ID of the reading stored with it
	known  int64                // every reading with ID <= known is merged or in ids
	merged time.Time            // when the last merge ended (or the cache started)

	kick chan struct{} // asks the merger for a merge
	stop context.CancelFunc
	done sync.WaitGroup
}

// startKeyCache starts the cache of the data database p and its merger,
// which merges when mergeKeys keys are cached, or mergeAge after the last
// merge when any are.
func startKeyCache(p *pair) *keyCache {
	ctx, cancel := context.WithCancel(context.Background())
	c := &keyCache{ids: map[readingKey]int64{}, known: -1, merged: time.Now(), kick: make(chan struct{}, 1), stop: cancel}
	c.done.Go(func() {
		t := time.NewTimer(mergeAge)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.kick:
			case <-t.C:
			}
			// A failed merge loses nothing: the keys stay in the cache
			// and in readings; the next merge, or Close, tries again.
			_ = c.mergeIfDue(ctx, p)
			t.Reset(mergeAge)
		}
	})
	return c
}

// close stops the merger and merges what is cached. It is safe on nil.
func (c *keyCache) close(p *pair) error {
	if c == nil {
		return nil
	}
	c.stop()
	c.done.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids) == 0 {
		return nil
	}
	return c.merge(context.Background(), p)
}

// MergeReadingKeys merges now the keys of every reading above the
// watermark into reading_keys, including readings that another process
// wrote or that were inserted without the adapter (bench/tail fill), so
// that no later write transaction has to catch up with them. The store
// merges on its own; this is for tools that bulk-load readings.
func (db *DB) MergeReadingKeys(ctx context.Context) error {
	c := db.dedup
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.merge(ctx, db.data)
}

// mergeIfDue merges the cached keys (mergeCached) if mergeKeys are
// cached, or some are and mergeAge has passed since the last merge.
func (c *keyCache) mergeIfDue(ctx context.Context, p *pair) error {
	c.mu.Lock()
	due := len(c.ids) >= mergeKeys || len(c.ids) > 0 && time.Since(c.merged) >= mergeAge
	c.mu.Unlock()
	if !due {
		return nil
	}
	return c.mergeCached(ctx, p)
}

// mergeChunk is how many keys one statement of mergeCached merges: the
// writer is held for one chunk at a time, a few milliseconds, and group
// commits run between chunks.
const mergeChunk = 2048

// mergeCached merges the cached keys into reading_keys in key order, in
// chunks of mergeChunk keys, each its own statement, the group commits of
// InsertReadings running between them; then it raises the watermark to
// the highest ID the cache knew when it began. Every reading at or below
// that ID was merged before or is cached (keyCache.known), so all of their
// keys are then in reading_keys. A reading deleted before its chunk is
// skipped (the chunk joins readings by ID), one deleted after takes its
// key with it (the trigger); a key another merge inserted already is
// ignored.
//
// The statements commit with synchronous=NORMAL (withoutSync): a merge
// lost in a crash loses nothing but its work, since the keys are still in
// readings above the watermark, and the log keeps commits in order, so the
// watermark can never be durable without the chunks before it. The next
// group commit syncs them.
func (c *keyCache) mergeCached(ctx context.Context, p *pair) error {
	type cached struct {
		k  readingKey
		id int64
	}
	c.mu.Lock()
	ks := make([]cached, 0, len(c.ids))
	for k, id := range c.ids {
		ks = append(ks, cached{k, id})
	}
	upto := c.known
	c.mu.Unlock()
	slices.SortFunc(ks, func(a, b cached) int {
		return cmp.Or(strings.Compare(a.k.device, b.k.device), strings.Compare(a.k.msg, b.k.msg))
	})
	var ids []byte
	for from := 0; from < len(ks); from += mergeChunk {
		ids = append(ids[:0], '[')
		for i, k := range ks[from:min(from+mergeChunk, len(ks))] {
			if i > 0 {
				ids = append(ids, ',')
			}
			ids = strconv.AppendInt(ids, k.id, 10)
		}
		ids = append(ids, ']')
		err := c.locked(ctx, p, func(conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, `INSERT OR IGNORE INTO reading_keys (device_id, msg_id)
				SELECT r.device_id, r.msg_id FROM json_each(?) AS j CROSS JOIN readings AS r ON r.id = j.value`, string(ids))
			return err
		})
		if err != nil {
			return fmt.Errorf("merge reading keys: %w", err)
		}
	}
	err := c.locked(ctx, p, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "UPDATE reading_keys_state SET watermark = ? WHERE watermark < ?", upto, upto)
		if err == nil {
			c.forget(upto)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("raise watermark: %w", err)
	}
	return nil
}

// locked runs fn on the writer connection with synchronous=NORMAL while
// holding c.mu.
func (c *keyCache) locked(ctx context.Context, p *pair, fn func(conn *sql.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return withoutSync(ctx, p, fn)
}

// merge moves the keys of every reading above the watermark into
// reading_keys, in its own write transaction. c.mu must be held.
func (c *keyCache) merge(ctx context.Context, p *pair) error {
	var upto int64
	err := inTx(ctx, p, func(tx *sql.Tx) error {
		var err error
		upto, err = mergeKeysTx(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("merge reading keys: %w", err)
	}
	c.forget(upto)
	return nil
}

// forget drops the cached keys of readings up to upto, now in reading_keys.
func (c *keyCache) forget(upto int64) {
	for k, id := range c.ids {
		if id <= upto {
			delete(c.ids, k)
		}
	}
	c.known = max(c.known, upto)
	c.merged = time.Now()
}

// mergeKeysTx inserts into reading_keys the keys of the readings above the
// watermark, in key order, raises the watermark to the highest reading ID
// and returns it.
func mergeKeysTx(ctx context.Context, tx *sql.Tx) (upto int64, err error) {
	wm, upto, err := watermark(ctx, tx)
	if err != nil {
		return 0, err
	}
	if upto <= wm {
		return wm, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO reading_keys (device_id, msg_id)
		SELECT device_id, msg_id FROM readings WHERE id > ? AND id <= ? ORDER BY device_id, msg_id`, wm, upto)
	if err != nil {
		return 0, wrap("merge reading keys", err, nil)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE reading_keys_state SET watermark = ? WHERE watermark < ?", upto, upto); err != nil {
		return 0, wrap("raise watermark", err, nil)
	}
	return upto, nil
}

// watermark returns, in tx, the watermark and the highest reading ID (0
// when there are no readings).
func watermark(ctx context.Context, tx *sql.Tx) (wm, top int64, err error) {
	err = tx.QueryRowContext(ctx, "SELECT (SELECT watermark FROM reading_keys_state), coalesce((SELECT max(id) FROM readings), 0)").
		Scan(&wm, &top)
	return wm, top, wrap("read watermark", err, nil)
}

// keyTx is the deduplication state of one write transaction that inserts
// readings: the keys caught up and inserted in it, applied to the cache
// once it commits.
type keyTx struct {
	c      *keyCache
	tx     *sql.Tx
	loaded map[readingKey]int64 // keys above the cache's known ID, caught up or inserted in tx
	top    int64                // the highest reading ID in tx
	merged int64                // > 0: tx merged the keys up to this ID into reading_keys
}

// begin catches the cache up with every reading stored, in tx (a write
// transaction, so that nobody else can insert meanwhile): the keys of
// readings above the highest ID it knows (written by another process, or
// by this one before a crash) are loaded, or, above catchUpMergeRows of
// them, merged into reading_keys in tx. c.mu must be held until commit.
func (c *keyCache) begin(ctx context.Context, tx *sql.Tx) (*keyTx, error) {
	t := &keyTx{c: c, tx: tx, loaded: map[readingKey]int64{}}
	wm, top, err := watermark(ctx, tx)
	if err != nil {
		return nil, err
	}
	t.top = top
	from := max(c.known, wm)
	if t.top <= from {
		t.top = max(t.top, c.known)
		return t, nil
	}
	if t.top-from > catchUpMergeRows {
		return t, t.merge(ctx)
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, device_id, msg_id FROM readings WHERE id > ? AND id <= ?", from, t.top)
	if err != nil {
		return nil, wrap("load reading keys", err, nil)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k readingKey
		if err := rows.Scan(&id, &k.device, &k.msg); err != nil {
			return nil, fmt.Errorf("scan reading key: %w", err)
		}
		t.loaded[k] = id
	}
	return t, wrap("load reading keys", rows.Err(), nil)
}

// merge merges every key above the watermark into reading_keys in tx.
func (t *keyTx) merge(ctx context.Context) error {
	upto, err := mergeKeysTx(ctx, t.tx)
	if err != nil {
		return err
	}
	t.merged, t.top = upto, max(t.top, upto)
	clear(t.loaded)
	return nil
}

// mergeIfLarge merges in tx once mergeKeys keys were inserted or loaded in
// it, so that a long transaction (an import) holds a bounded number.
func (t *keyTx) mergeIfLarge(ctx context.Context) error {
	if len(t.loaded) < mergeKeys {
		return nil
	}
	return t.merge(ctx)
}

// insert inserts the readings of rs that are not duplicates, and not
// marked hearth.Unbound in stored already, with one prepared statement,
// recording which were stored and their IDs. A key
// inserted earlier in tx is a duplicate; otherwise the statement checks,
// by the ID the cache gives for the key, that the reading stored with it
// still exists, and that reading_keys does not hold the key.
func (t *keyTx) insert(ctx context.Context, rs []hearth.Reading, stored []hearth.Insertion, ids []int64) error {
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO readings
		(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
		WHERE NOT EXISTS (SELECT 1 FROM readings WHERE id = ?11)
		AND NOT EXISTS (SELECT 1 FROM reading_keys WHERE device_id = ?1 AND msg_id = ?5)`)
	if err != nil {
		return wrap("prepare", err, nil)
	}
	defer stmt.Close()
	for i := range rs {
		if stored[i] == hearth.Unbound {
			continue
		}
		r := &rs[i]
		k := readingKey{r.DeviceID, r.MsgID}
		cached, ok := t.loaded[k]
		if !ok {
			cached = t.c.ids[k] // 0, no reading's ID, when not cached
		}
		res, err := stmt.ExecContext(ctx, r.DeviceID, r.HouseholdID, optString(r.PersonID), r.Category,
			r.MsgID, ts(r.Time), ts(r.Received), r.Inferred, r.Disputed, r.Sealed, cached)
		if err != nil {
			return wrap("insert reading", err, nil)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("rows affected: %w", err)
		}
		if n == 1 {
			stored[i] = hearth.Stored
			if ids[i], err = res.LastInsertId(); err != nil {
				return fmt.Errorf("last insert id: %w", err)
			}
			t.loaded[k] = ids[i]
			t.top = max(t.top, ids[i])
		}
	}
	return nil
}

// commit applies what tx did to the cache, once it committed, and asks
// the merger for a merge if mergeKeys keys are cached.
func (t *keyTx) commit() {
	c := t.c
	if t.merged > 0 {
		c.forget(t.merged)
	}
	for k, id := range t.loaded {
		c.ids[k] = id
	}
	c.known = max(c.known, t.top)
	if len(c.ids) >= mergeKeys {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}
