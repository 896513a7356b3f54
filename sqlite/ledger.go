package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/hearth-iot/hearth"
)

const ledgerCols = "seq, time, type, person, purpose, household_id, manifest_version, notice_version, method, actor, statement, details, prev_hash, hash"

// AppendEntries appends es to the ledger in hearth.db in one transaction:
// all or none. The writer connection takes the write lock up front (BEGIN
// IMMEDIATE), so the head it checks cannot move before the insert commits,
// even with other processes on the same file. It returns ECONFLICT if es
// does not continue the stored head or a sequence number is taken, and
// EINVALID for an empty es.
func (db *DB) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	if len(es) == 0 {
		return hearth.Errorf(hearth.EINVALID, "no ledger entries to append")
	}
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		seq, hash, err := ledgerHead(ctx, tx)
		if err != nil {
			return err
		}
		for i := range es {
			e := &es[i]
			if e.Seq != seq+1 || !bytes.Equal(e.PrevHash, hash) {
				return hearth.Errorf(hearth.ECONFLICT, "the ledger moved on; append again")
			}
			if err := insertEntry(ctx, tx, e); err != nil {
				return err
			}
			seq, hash = e.Seq, e.Hash
		}
		return nil
	})
}

// ledgerHead returns the last entry's sequence number and hash, or 0 and
// nil for an empty ledger.
func ledgerHead(ctx context.Context, tx *sql.Tx) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, wrap("select ledger head", err, nil)
	}
	return seq, hash, nil
}

// insertEntry inserts one entry; ECONFLICT if its sequence number is taken.
func insertEntry(ctx context.Context, tx *sql.Tx, e *hearth.LedgerEntry) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO ledger ("+ledgerCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.Seq, ts(e.Time), string(e.Type), e.Person, e.Purpose, e.HouseholdID, e.ManifestVersion,
		e.NoticeVersion, string(e.Method), e.Actor, e.Statement, nonNil(e.Details), nonNil(e.PrevHash), nonNil(e.Hash))
	return wrap("insert ledger entry", err, map[string]string{hearth.ECONFLICT: "the ledger moved on; append again"})
}

// nonNil returns b, or an empty slice for nil: the columns are NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LedgerHead returns the last ledger entry, or ENOTFOUND for an empty ledger.
func (db *DB) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	row := db.data.r.QueryRowContext(ctx, "SELECT "+ledgerCols+" FROM ledger ORDER BY seq DESC LIMIT 1")
	e, err := scanEntry(row)
	if err != nil {
		return nil, notFound("select ledger head", err, "the ledger is empty")
	}
	return e, nil
}

// LedgerEntries lists the entries with Seq > after in ascending order, at
// most limit (0 means DefaultLimit).
func (db *DB) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return db.queryEntries(ctx, "SELECT "+ledgerCols+" FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
}

// LedgerEntriesFor lists the entries about personID in ascending order.
func (db *DB) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return db.queryEntries(ctx, "SELECT "+ledgerCols+" FROM ledger WHERE person = ? ORDER BY seq", personID)
}

func (db *DB) queryEntries(ctx context.Context, query string, args ...any) ([]hearth.LedgerEntry, error) {
	return queryAll(ctx, db.data, scanEntry, "ledger entries", query, args...)
}

func scanEntry(row rowScanner) (*hearth.LedgerEntry, error) {
	var e hearth.LedgerEntry
	var t int64
	var typ, method string
	err := row.Scan(&e.Seq, &t, &typ, &e.Person, &e.Purpose, &e.HouseholdID, &e.ManifestVersion,
		&e.NoticeVersion, &method, &e.Actor, &e.Statement, &e.Details, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	e.Time, e.Type, e.Method = fromTS(t), hearth.EntryType(typ), hearth.Method(method)
	return &e, nil
}
