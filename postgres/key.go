package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const keyCols = "id, subject, kek_id, wrapped, created"

// PutKey stores a wrapped key in the key database; ECONFLICT if the
// subject has a key already or the key ID is taken.
func (db *DB) PutKey(ctx context.Context, k *hearth.WrappedKey) error {
	_, err := db.keys.Exec(ctx, "INSERT INTO keys ("+keyCols+") VALUES ($1, $2, $3, $4, $5)",
		k.ID, k.Subject, k.KEKID, nonNil(k.Wrapped), ts(k.Created))
	return wrap("insert key", err, map[string]string{hearth.ECONFLICT: "that subject has a key already"})
}

// Key returns the subject's key, or ENOTFOUND.
func (db *DB) Key(ctx context.Context, subject string) (*hearth.WrappedKey, error) {
	return scanKey(db.keys.QueryRow(ctx, "SELECT "+keyCols+" FROM keys WHERE subject = $1", subject))
}

// KeyByID returns a key by its ID, or ENOTFOUND.
func (db *DB) KeyByID(ctx context.Context, id string) (*hearth.WrappedKey, error) {
	return scanKey(db.keys.QueryRow(ctx, "SELECT "+keyCols+" FROM keys WHERE id = $1", id))
}

func scanKey(row pgx.Row) (*hearth.WrappedKey, error) {
	var k hearth.WrappedKey
	var created int64
	if err := row.Scan(&k.ID, &k.Subject, &k.KEKID, &k.Wrapped, &created); err != nil {
		return nil, notFound("select key", err, "no such key")
	}
	k.Created = fromTS(created)
	return &k, nil
}

// DeleteKey destroys the subject's keys (crypto-shredding), then runs
// VACUUM on the keys table, which frees the deleted row's line pointer and
// removes its index entries: nothing that finds rows through the table's
// line pointers or its indexes reaches the row again. What it cannot promise (SQLite's
// secure_delete overwrites the bytes; PostgreSQL has no such setting): the
// key's bytes may stay in the table's page until a later row is written
// over them; a transaction still running that may see the row keeps it
// until the next VACUUM; and the write-ahead log, any archive of it and any
// base backup of the key database hold it until they are recycled. Deleting
// a subject without a key is not an error. An error from VACUUM is
// returned after the delete committed; calling DeleteKey again is safe.
func (db *DB) DeleteKey(ctx context.Context, subject string) error {
	if _, err := db.keys.Exec(ctx, "DELETE FROM keys WHERE subject = $1", subject); err != nil {
		return wrap("delete key", err, nil)
	}
	_, err := db.keys.Exec(ctx, "VACUUM keys")
	return wrap("vacuum keys", err, nil)
}

// KEKIDs returns the distinct key-encryption key IDs of the keys in the key
// database, sorted; none when it holds no key.
func (db *DB) KEKIDs(ctx context.Context) ([]string, error) {
	return queryAll(ctx, db.keys, func(row pgx.Row) (*string, error) {
		var s string
		return &s, row.Scan(&s)
	}, "key-encryption key IDs", "SELECT DISTINCT kek_id FROM keys ORDER BY kek_id")
}

// jsonList encodes IDs as a JSON array; nil becomes "[]".
func jsonList(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

const erasureCols = "seq, person_id, everything, closed, household_id, filter_person, device_id, category, time_from, time_to, received_before, at"

// RecordErasure appends e to the journal in the key database and sets its
// Seq, which the database assigns: every node appending to one journal gets
// a distinct, increasing one.
func (db *DB) RecordErasure(ctx context.Context, e *hearth.Erasure) error {
	f := e.Filter
	err := db.keys.QueryRow(ctx, "INSERT INTO erasures (person_id, everything, closed, household_id, filter_person, "+
		"device_id, category, time_from, time_to, received_before, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "+
		"RETURNING seq",
		e.PersonID, e.Everything, e.Closed, f.HouseholdID, f.PersonID, f.DeviceID, f.Category,
		optTS(f.From), optTS(f.To), optTS(f.ReceivedBefore), ts(e.At)).Scan(&e.Seq)
	return wrap("record erasure", err, nil)
}

// Erasures lists at most limit journal entries with Seq > after, in order.
func (db *DB) Erasures(ctx context.Context, after int64, limit int) ([]hearth.Erasure, error) {
	return queryAll(ctx, db.keys, scanErasure, "erasures",
		"SELECT "+erasureCols+" FROM erasures WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
}

func scanErasure(row pgx.Row) (*hearth.Erasure, error) {
	var e hearth.Erasure
	var from, to, before *int64
	var at int64
	err := row.Scan(&e.Seq, &e.PersonID, &e.Everything, &e.Closed, &e.Filter.HouseholdID, &e.Filter.PersonID,
		&e.Filter.DeviceID, &e.Filter.Category, &from, &to, &before, &at)
	if err != nil {
		return nil, err
	}
	e.Filter.From, e.Filter.To, e.Filter.ReceivedBefore, e.At = fromOptTS(from), fromOptTS(to), fromOptTS(before), fromTS(at)
	return &e, nil
}

const noticeCols = "id, erasure_seq, person_id, recipient_id, everything, categories, time_from, time_to, " +
	"created, state, attempts, next_attempt, last_error, delivered"

// AddErasureNotices stores new notices in the key database in one
// transaction; ECONFLICT for a taken ID, ENOTFOUND for an unknown journal
// entry.
func (db *DB) AddErasureNotices(ctx context.Context, ns []hearth.ErasureNotice) error {
	if len(ns) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for i := range ns {
		n := &ns[i]
		cats, err := jsonList(n.Categories)
		if err != nil {
			return err
		}
		b.Queue("INSERT INTO erasure_notices ("+noticeCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
			n.ID, n.ErasureSeq, n.PersonID, n.RecipientID, n.Everything, cats, optTS(n.From), optTS(n.To),
			ts(n.Created), string(n.State), n.Attempts, ts(n.NextAttempt), n.LastError, optTS(n.Delivered))
	}
	return inTx(ctx, db.keys, func(tx pgx.Tx) error {
		err := tx.SendBatch(ctx, b).Close()
		return wrap("insert erasure notices", err, map[string]string{
			hearth.ENOTFOUND: "no such erasure",
			hearth.ECONFLICT: "an erasure notice with that ID exists",
		})
	})
}

// ErasureNotices lists a person's notices, newest first.
func (db *DB) ErasureNotices(ctx context.Context, personID string) ([]hearth.ErasureNotice, error) {
	return queryAll(ctx, db.keys, scanNotice, "erasure notices",
		"SELECT "+noticeCols+" FROM erasure_notices WHERE person_id = $1 ORDER BY created DESC, id DESC", personID)
}

// DueErasureNotices lists at most limit pending notices due at now,
// soonest first. Two nodes asking at once get the same notices: the store
// does not hand a notice to one sender only.
func (db *DB) DueErasureNotices(ctx context.Context, now time.Time, limit int) ([]hearth.ErasureNotice, error) {
	return queryAll(ctx, db.keys, scanNotice, "erasure notices", "SELECT "+noticeCols+
		" FROM erasure_notices WHERE state = 'pending' AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2",
		ts(now), limit)
}

// UpdateErasureNotice stores n's delivery state; ENOTFOUND for an unknown ID.
func (db *DB) UpdateErasureNotice(ctx context.Context, n *hearth.ErasureNotice) error {
	tag, err := db.keys.Exec(ctx, "UPDATE erasure_notices SET state = $1, attempts = $2, next_attempt = $3, "+
		"last_error = $4, delivered = $5 WHERE id = $6",
		string(n.State), n.Attempts, ts(n.NextAttempt), n.LastError, optTS(n.Delivered), n.ID)
	if err != nil {
		return wrap("update erasure notice", err, nil)
	}
	if tag.RowsAffected() == 0 {
		return notFound("update erasure notice", pgx.ErrNoRows, "no such erasure notice")
	}
	return nil
}

func scanNotice(row pgx.Row) (*hearth.ErasureNotice, error) {
	var n hearth.ErasureNotice
	var cats, state string
	var from, to, delivered *int64
	var created, next int64
	err := row.Scan(&n.ID, &n.ErasureSeq, &n.PersonID, &n.RecipientID, &n.Everything, &cats, &from, &to,
		&created, &state, &n.Attempts, &next, &n.LastError, &delivered)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cats), &n.Categories); err != nil {
		return nil, fmt.Errorf("decode categories: %w", err)
	}
	n.State = hearth.NoticeState(state)
	n.From, n.To, n.Delivered = fromOptTS(from), fromOptTS(to), fromOptTS(delivered)
	n.Created, n.NextAttempt = fromTS(created), fromTS(next)
	return &n, nil
}
