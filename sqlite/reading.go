package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
)

// DefaultLimit is the number of readings Readings returns when the filter's
// Limit is 0.
const DefaultLimit = 100

// InsertReadings stores a batch in one transaction, committed and synced to
// disk (synchronous=FULL) before it returns. A reading whose (DeviceID,
// MsgID) is stored already, by an earlier call or earlier in the same batch,
// is skipped (hearth.Duplicate); a reading whose device is, in that
// transaction, bound to another household or none, or in local-only mode,
// is not stored (hearth.Unbound; a device ID the store does not know is not
// checked). It reports for each reading what it did and sets the ID of
// each one stored; IDs increase with insertion order and are never reused.
// On error nothing in the batch is stored.
//
// Duplicates are found without an index entry per reading: see keyCache.
func (db *DB) InsertReadings(ctx context.Context, rs []hearth.Reading) ([]hearth.Insertion, error) {
	stored := make([]hearth.Insertion, len(rs))
	if len(rs) == 0 {
		return stored, nil
	}
	ids := make([]int64, len(rs))
	c := db.dedup
	c.mu.Lock()
	defer c.mu.Unlock()
	var kt *keyTx
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var err error
		if kt, err = c.begin(ctx, tx); err != nil {
			return err
		}
		if err := unbound(ctx, tx, rs, stored); err != nil {
			return err
		}
		return kt.insert(ctx, rs, stored, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("insert readings: %w", err)
	}
	kt.commit()
	for i := range rs {
		if stored[i] == hearth.Stored {
			rs[i].ID = ids[i]
		}
	}
	return stored, nil
}

// unbound marks hearth.Unbound in out the readings of rs whose device is,
// in tx, not bound to the reading's household in cloud mode (OWN-CLEAN,
// LOCAL-ONLY). One query reads every device of the batch by primary key:
// a statement per device cost about a sixth of the process's CPU time at
// 10,000 readings a second from 1,000 devices (BENCHMARKS.md).
func unbound(ctx context.Context, tx *sql.Tx, rs []hearth.Reading, out []hearth.Insertion) error {
	type binding struct {
		household string
		cloud     bool
	}
	bindings := make(map[string]binding, len(rs))
	ids := make([]string, 0, len(rs))
	for i := range rs {
		if _, ok := bindings[rs[i].DeviceID]; !ok {
			bindings[rs[i].DeviceID] = binding{}
			ids = append(ids, rs[i].DeviceID)
		}
	}
	clear(bindings) // from here on, a device is in bindings only if it is stored
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("read device bindings: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, household_id, mode FROM devices WHERE id IN (SELECT value FROM json_each(?))", string(list))
	if err != nil {
		return wrap("read device bindings", err, nil)
	}
	defer rows.Close()
	for rows.Next() {
		var id, mode string
		var hh sql.NullString
		if err := rows.Scan(&id, &hh, &mode); err != nil {
			return fmt.Errorf("scan device binding: %w", err)
		}
		bindings[id] = binding{household: hh.String, cloud: hearth.DeviceMode(mode) == hearth.ModeCloud}
	}
	if err := rows.Err(); err != nil {
		return wrap("read device bindings", err, nil)
	}
	for i := range rs {
		if b, known := bindings[rs[i].DeviceID]; known && (b.household != rs[i].HouseholdID || !b.cloud) {
			out[i] = hearth.Unbound
		}
	}
	return nil
}

const readingCols = "id, device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed"

// Readings lists readings matching f in ascending ID order: at most f.Limit
// of them (DefaultLimit when 0). It returns EINVALID for a negative limit.
func (db *DB) Readings(ctx context.Context, f hearth.ReadingFilter) ([]hearth.Reading, error) {
	q, args, err := readingQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.data.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("select readings", err, nil)
	}
	defer rows.Close()
	var out []hearth.Reading
	for rows.Next() {
		r, err := scanReading(rows)
		if err != nil {
			return nil, fmt.Errorf("scan reading: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap("select readings", rows.Err(), nil)
}

// readingQuery builds the SELECT for f.
func readingQuery(f hearth.ReadingFilter) (string, []any, error) {
	if f.Limit < 0 {
		return "", nil, hearth.FieldError("limit", "must not be negative")
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	c := conds{where: []string{"id > ?"}, args: []any{f.After}}
	c.readings(f.HouseholdID, f.DeviceID, f.PersonID, f.Category, f.From, f.To)
	args := append(c.args, limit)
	q := "SELECT " + readingCols + " FROM readings WHERE " + strings.Join(c.where, " AND ") + " ORDER BY id LIMIT ?"
	return q, args, nil
}

// conds collects the conditions of a WHERE clause and their arguments.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(cond string, arg any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, arg)
}

// readings adds the conditions selecting readings by household, device,
// person ("-" for the household's own readings), category and time range
// [from, to); an empty value selects any.
func (c *conds) readings(household, device, person, category string, from, to time.Time) {
	if household != "" {
		c.add("household_id = ?", household)
	}
	if device != "" {
		c.add("device_id = ?", device)
	}
	switch person {
	case "":
	case "-":
		c.where = append(c.where, "person_id IS NULL")
	default:
		c.add("person_id = ?", person)
	}
	if category != "" {
		c.add("category = ?", category)
	}
	if !from.IsZero() {
		c.add("time >= ?", ts(from))
	}
	if !to.IsZero() {
		c.add("time < ?", ts(to))
	}
}

func scanReading(row rowScanner) (hearth.Reading, error) {
	var r hearth.Reading
	var person sql.NullString
	var t, received int64
	err := row.Scan(&r.ID, &r.DeviceID, &r.HouseholdID, &person, &r.Category, &r.MsgID,
		&t, &received, &r.Inferred, &r.Disputed, &r.Sealed)
	if err != nil {
		return r, err
	}
	r.PersonID, r.Time, r.Received = person.String, fromTS(t), fromTS(received)
	return r, nil
}
