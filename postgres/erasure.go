package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// erasureWhere returns the conditions selecting the readings f names;
// EINVALID for an empty f.
func erasureWhere(f hearth.ErasureFilter) (*conds, error) {
	if f.Empty() {
		return nil, hearth.Errorf(hearth.EINVALID, "an erasure must name a person, a household or a category")
	}
	var c conds
	c.readings(f.HouseholdID, f.DeviceID, f.PersonID, f.Category, f.From, f.To)
	if !f.ReceivedBefore.IsZero() {
		c.add("received < $%d", ts(f.ReceivedBefore))
	}
	return &c, nil
}

// CountReadings counts the readings f selects; EINVALID for an empty f.
func (db *DB) CountReadings(ctx context.Context, f hearth.ErasureFilter) (int64, error) {
	c, err := erasureWhere(f)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.data.QueryRow(ctx, "SELECT count(*) FROM readings WHERE "+c.String(), c.args...).Scan(&n)
	return n, wrap("count readings", err, nil)
}

// DeleteReadings deletes at most limit of the readings f selects, lowest
// IDs first, in one transaction, and returns how many it deleted. EINVALID
// for an empty f or a limit below 1.
//
// The transaction commits with synchronous_commit off: PostgreSQL writes
// its commit to the write-ahead log but does not wait for the log to be
// flushed, so the deleting node does not wait for a flush of its own. It
// is durable once the log is next flushed: by the next synchronous commit
// of ingestion or anything else on the server (a flush covers the whole
// log before it), by the WAL writer within three times wal_writer_delay
// (600 ms by default), and at the latest by the Checkpoint that every
// erasure and retention run ends with. A crash can lose only commits made
// this way, never a synchronous one; the erasure journal's replay at start,
// or the next retention run, deletes them again.
//
// Deleted rows stay in their pages until vacuumed: see Checkpoint.
func (db *DB) DeleteReadings(ctx context.Context, f hearth.ErasureFilter, limit int) (int64, error) {
	c, err := erasureWhere(f)
	if err != nil {
		return 0, err
	}
	if limit < 1 {
		return 0, hearth.FieldError("limit", "must be at least 1")
	}
	q := "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE " + c.String() +
		fmt.Sprintf(" ORDER BY id LIMIT $%d)", len(c.args)+1)
	var n int64
	err = inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return wrap("delete readings", err, nil)
		}
		tag, err := tx.Exec(ctx, q, append(c.args, limit)...)
		n = tag.RowsAffected()
		return wrap("delete readings", err, nil)
	})
	return n, err
}

// Checkpoint makes the deletions before it durable and reclaims the space
// of the deleted readings. On PostgreSQL a deleted row stays in its page,
// and its index entries in the indexes, until VACUUM removes them, so
// Checkpoint runs VACUUM on readings (if another node is vacuuming it, it
// waits for that VACUUM to end, then runs its own), then commits a transaction
// synchronously, which flushes the write-ahead log and with it every
// DeleteReadings before.
//
// What it cannot promise: VACUUM frees the space of a deleted row for
// reuse and removes its index entries, but its bytes may stay in the page
// until a later row is written over them; a row that a transaction still
// running (an export on another node) may see is kept until the next
// VACUUM; and the write-ahead log, and any archive or replica of it, holds
// the deleted rows until its segments are recycled. The sealed values in
// those remnants are encrypted: an erasure of everything about a subject
// destroys the subject's data key as well, which leaves them unreadable; a
// partial erasure (a category, a time range) keeps the key, so its
// remnants stay readable with it until overwritten or recycled.
func (db *DB) Checkpoint(ctx context.Context) error {
	if _, err := db.data.Exec(ctx, "VACUUM readings"); err != nil {
		return wrap("vacuum readings", err, nil)
	}
	// A transaction that takes a transaction ID writes a commit record
	// and, with synchronous_commit on, waits for the log to be flushed.
	if _, err := db.data.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil {
		return wrap("flush the write-ahead log", err, nil)
	}
	return nil
}

// DeletePerson deletes a person with their account, sessions, OAuth token
// records, memberships, settings, notifications, terms acceptances,
// deletion schedules and export links in one transaction (the other tables cascade from persons and
// accounts). Readings and the ledger are left: see DeleteReadings. The
// households the person is a member of are locked first, as every change
// of members is (lockHousehold). Deleting a missing person is not an error.
func (db *DB) DeletePerson(ctx context.Context, personID string) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT 1 FROM households WHERE id IN
			(SELECT household_id FROM members WHERE person_id = $1) ORDER BY id FOR NO KEY UPDATE`, personID)
		if err != nil {
			return wrap("lock households", err, nil)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM accounts WHERE person_id = $1", personID); err != nil {
			return wrap("delete account", err, nil)
		}
		if _, err := deleteOAuthTokensFor(ctx, tx, personID, ""); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM persons WHERE id = $1", personID)
		return wrap("delete person", err, nil)
	})
}

// DeletePersonalData deletes a person's settings, notifications, terms
// acceptances, deletion schedules and OAuth token records stored before
// before, in one transaction, and keeps the person, their account,
// sessions and memberships.
func (db *DB) DeletePersonalData(ctx context.Context, personID string, before time.Time) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, q := range []string{
			"DELETE FROM settings WHERE person_id = $1 AND updated < $2",
			"DELETE FROM notifications WHERE person_id = $1 AND created < $2",
			"DELETE FROM terms_acceptances WHERE person_id = $1 AND accepted < $2",
			"DELETE FROM deletion_schedules WHERE person_id = $1 AND updated < $2",
			"DELETE FROM oauth_tokens WHERE person_id = $1 AND requested < $2",
		} {
			b.Queue(q, personID, ts(before))
		}
		return wrap("delete personal data", tx.SendBatch(ctx, b).Close(), nil)
	})
}
