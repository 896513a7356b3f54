package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

const erasureCols = "seq, person_id, everything, closed, household_id, filter_person, device_id, category, time_from, time_to, received_before, at"

// RecordErasure appends e to the journal in keys.db and sets its Seq.
func (db *DB) RecordErasure(ctx context.Context, e *hearth.Erasure) error {
	f := e.Filter
	res, err := exec(ctx, db.keys, "INSERT INTO erasures (person_id, everything, closed, household_id, filter_person, "+
		"device_id, category, time_from, time_to, received_before, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.PersonID, e.Everything, e.Closed, f.HouseholdID, f.PersonID, f.DeviceID, f.Category,
		optTS(f.From), optTS(f.To), optTS(f.ReceivedBefore), ts(e.At))
	if err != nil {
		return wrap("record erasure", err, nil)
	}
	if e.Seq, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("record erasure: %w", err)
	}
	return nil
}

// Erasures lists at most limit journal entries with Seq > after, in order.
func (db *DB) Erasures(ctx context.Context, after int64, limit int) ([]hearth.Erasure, error) {
	return queryAll(ctx, db.keys, scanErasure, "erasures",
		"SELECT "+erasureCols+" FROM erasures WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
}

func scanErasure(row rowScanner) (*hearth.Erasure, error) {
	var e hearth.Erasure
	var from, to, before sql.NullInt64
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

// AddErasureNotices stores new notices in keys.db in one transaction;
// ECONFLICT for a taken ID, ENOTFOUND for an unknown journal entry.
func (db *DB) AddErasureNotices(ctx context.Context, ns []hearth.ErasureNotice) error {
	return inTx(ctx, db.keys, func(tx *sql.Tx) error {
		for i := range ns {
			n := &ns[i]
			cats, err := jsonList(n.Categories)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO erasure_notices ("+noticeCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				n.ID, n.ErasureSeq, n.PersonID, n.RecipientID, n.Everything, cats, optTS(n.From), optTS(n.To),
				ts(n.Created), string(n.State), n.Attempts, ts(n.NextAttempt), n.LastError, optTS(n.Delivered))
			if err != nil {
				return wrap("insert erasure notice", err, map[string]string{hearth.ENOTFOUND: "no such erasure"})
			}
		}
		return nil
	})
}

// ErasureNotices lists a person's notices, newest first.
func (db *DB) ErasureNotices(ctx context.Context, personID string) ([]hearth.ErasureNotice, error) {
	return queryAll(ctx, db.keys, scanNotice, "erasure notices",
		"SELECT "+noticeCols+" FROM erasure_notices WHERE person_id = ? ORDER BY created DESC, id DESC", personID)
}

// DueErasureNotices lists at most limit pending notices due at now, soonest first.
func (db *DB) DueErasureNotices(ctx context.Context, now time.Time, limit int) ([]hearth.ErasureNotice, error) {
	return queryAll(ctx, db.keys, scanNotice, "erasure notices",
		"SELECT "+noticeCols+" FROM erasure_notices WHERE state = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?",
		ts(now), limit)
}

// UpdateErasureNotice stores n's delivery state; ENOTFOUND for an unknown ID.
func (db *DB) UpdateErasureNotice(ctx context.Context, n *hearth.ErasureNotice) error {
	res, err := exec(ctx, db.keys, "UPDATE erasure_notices SET state = ?, attempts = ?, next_attempt = ?, "+
		"last_error = ?, delivered = ? WHERE id = ?",
		string(n.State), n.Attempts, ts(n.NextAttempt), n.LastError, optTS(n.Delivered), n.ID)
	if err != nil {
		return wrap("update erasure notice", err, nil)
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return notFound("update erasure notice", sql.ErrNoRows, "no such erasure notice")
	}
	return nil
}

func scanNotice(row rowScanner) (*hearth.ErasureNotice, error) {
	var n hearth.ErasureNotice
	var cats, state string
	var from, to, delivered sql.NullInt64
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
