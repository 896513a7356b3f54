package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
)

// erasureWhere builds the WHERE clause (without the keyword) and arguments
// selecting the readings f names; EINVALID for an empty f.
func erasureWhere(f hearth.ErasureFilter) (string, []any, error) {
	if f.Empty() {
		return "", nil, hearth.Errorf(hearth.EINVALID, "an erasure must name a person, a household or a category")
	}
	var c conds
	c.readings(f.HouseholdID, f.DeviceID, f.PersonID, f.Category, f.From, f.To)
	if !f.ReceivedBefore.IsZero() {
		c.add("received < ?", ts(f.ReceivedBefore))
	}
	return strings.Join(c.where, " AND "), c.args, nil
}

// CountReadings counts the readings f selects; EINVALID for an empty f.
func (db *DB) CountReadings(ctx context.Context, f hearth.ErasureFilter) (int64, error) {
	where, args, err := erasureWhere(f)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.data.r.QueryRowContext(ctx, "SELECT count(*) FROM readings WHERE "+where, args...).Scan(&n)
	return n, wrap("count readings", err, nil)
}

// DeleteReadings deletes at most limit of the readings f selects, lowest
// IDs first, in one transaction, and returns how many it deleted. The rows
// are looked up on a read connection first, so the writer, which
// ingestion shares, is held only for the delete itself. With
// secure_delete on, their content is overwritten in the database file;
// Checkpoint clears it from the write-ahead log. EINVALID for an empty f or
// a limit below 1.
//
// The delete commits with synchronous=NORMAL: it is written to the log but
// not synced, so the writer is not held for a sync of its own. It is
// durable once the log is next synced: by the next commit of ingestion or
// anything else (synchronous=FULL syncs the whole log), by any checkpoint,
// and at the latest by the Checkpoint that every erasure and retention run
// ends with. Under an erasure, the delete's sync was what ingestion waited
// behind, on a disk also busy with the erasure's checkpoints
// (BENCHMARKS.md). A crash can lose only deletions not yet synced, which
// the erasure journal's replay at start, or the next retention run, does
// again.
func (db *DB) DeleteReadings(ctx context.Context, f hearth.ErasureFilter, limit int) (int64, error) {
	where, args, err := erasureWhere(f)
	if err != nil {
		return 0, err
	}
	if limit < 1 {
		return 0, hearth.FieldError("limit", "must be at least 1")
	}
	var ids string
	err = db.data.r.QueryRowContext(ctx, "SELECT coalesce(json_group_array(id), '[]') FROM (SELECT id FROM readings WHERE "+
		where+" ORDER BY id LIMIT ?)", append(args, limit)...).Scan(&ids)
	if err != nil {
		return 0, wrap("select readings to delete", err, nil)
	}
	if ids == "[]" {
		return 0, nil
	}
	var n int64
	err = withoutSync(ctx, db.data, func(conn *sql.Conn) error {
		// The filter is checked again: a row cannot change, but this
		// keeps the delete correct on its own.
		res, err := conn.ExecContext(ctx, "DELETE FROM readings WHERE id IN (SELECT value FROM json_each(?)) AND "+where,
			append([]any{ids}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, wrap("delete readings", err, nil)
}

// DeletePerson deletes a person with their account, sessions, OAuth token
// records, memberships, settings, notifications, terms acceptances and
// deletion schedules in one transaction (the other tables cascade from
// persons and accounts).
// Readings and the ledger are left: see DeleteReadings. Deleting a missing
// person is not an error.
func (db *DB) DeletePerson(ctx context.Context, personID string) error {
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM accounts WHERE person_id = ?", personID); err != nil {
			return wrap("delete account", err, nil)
		}
		if _, err := deleteOAuthTokensFor(ctx, tx, personID, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM persons WHERE id = ?", personID)
		return wrap("delete person", err, nil)
	})
	return err
}

// DeletePersonalData deletes a person's settings, notifications, terms
// acceptances, deletion schedules and OAuth token records stored before
// before, in one transaction, and keeps the person, their account,
// sessions and memberships.
func (db *DB) DeletePersonalData(ctx context.Context, personID string, before time.Time) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		for _, q := range []string{
			"DELETE FROM settings WHERE person_id = ? AND updated < ?",
			"DELETE FROM notifications WHERE person_id = ? AND created < ?",
			"DELETE FROM terms_acceptances WHERE person_id = ? AND accepted < ?",
			"DELETE FROM deletion_schedules WHERE person_id = ? AND updated < ?",
			"DELETE FROM oauth_tokens WHERE person_id = ? AND requested < ?",
		} {
			if _, err := tx.ExecContext(ctx, q, personID, ts(before)); err != nil {
				return wrap("delete personal data", err, nil)
			}
		}
		return nil
	})
}
