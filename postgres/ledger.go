package postgres

import (
	"bytes"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// defaultLimit is the page size of a list method called with limit 0.
const defaultLimit = 100

// ledgerLock is the transaction-scoped advisory lock that serialises
// appends to the ledger across every node sharing the data database.
const ledgerLock int64 = 0x4865617274680003 // "Hearth" 3

const ledgerCols = "seq, time, type, person, purpose, household_id, manifest_version, notice_version, method, actor, statement, details, prev_hash, hash"

// AppendEntries appends es to the ledger in one transaction: all or none.
// The transaction first takes an advisory lock held until it ends
// (pg_advisory_xact_lock), so appends from every node on the data database
// run one at a time and the head it checks cannot move before the insert
// commits: the ledger stays one hash chain. It returns ECONFLICT if es
// does not continue the stored head or a sequence number is taken, and
// EINVALID for an empty es.
func (db *DB) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	if len(es) == 0 {
		return hearth.Errorf(hearth.EINVALID, "no ledger entries to append")
	}
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", ledgerLock); err != nil {
			return wrap("lock the ledger", err, nil)
		}
		seq, hash, err := ledgerHead(ctx, tx)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i := range es {
			e := &es[i]
			if e.Seq != seq+1 || !bytes.Equal(e.PrevHash, hash) {
				return hearth.Errorf(hearth.ECONFLICT, "the ledger moved on; append again")
			}
			queueEntry(b, e)
			seq, hash = e.Seq, e.Hash
		}
		err = tx.SendBatch(ctx, b).Close()
		return wrap("insert ledger entries", err, map[string]string{hearth.ECONFLICT: "the ledger moved on; append again"})
	})
}

// ledgerHead returns the last entry's sequence number and hash, or 0 and
// nil for an empty ledger.
func ledgerHead(ctx context.Context, tx pgx.Tx) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, wrap("select ledger head", err, nil)
	}
	return seq, hash, nil
}

// queueEntry queues the insert of one entry in b.
func queueEntry(b *pgx.Batch, e *hearth.LedgerEntry) {
	b.Queue("INSERT INTO ledger ("+ledgerCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
		e.Seq, ts(e.Time), string(e.Type), e.Person, e.Purpose, e.HouseholdID, e.ManifestVersion,
		e.NoticeVersion, string(e.Method), e.Actor, e.Statement, nonNil(e.Details), nonNil(e.PrevHash), nonNil(e.Hash))
}

// nonNil returns b, or an empty slice for nil: for BYTEA NOT NULL columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LedgerHead returns the last ledger entry, or ENOTFOUND for an empty ledger.
func (db *DB) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	row := db.data.QueryRow(ctx, "SELECT "+ledgerCols+" FROM ledger ORDER BY seq DESC LIMIT 1")
	e, err := scanEntry(row)
	if err != nil {
		return nil, notFound("select ledger head", err, "the ledger is empty")
	}
	return e, nil
}

// LedgerEntries lists the entries with Seq > after in ascending order, at
// most limit (0 means 100).
func (db *DB) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, db.data, scanEntry, "ledger entries",
		"SELECT "+ledgerCols+" FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
}

// LedgerEntriesFor lists the entries about personID in ascending order.
func (db *DB) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return queryAll(ctx, db.data, scanEntry, "ledger entries",
		"SELECT "+ledgerCols+" FROM ledger WHERE person = $1 ORDER BY seq", personID)
}

func scanEntry(row pgx.Row) (*hearth.LedgerEntry, error) {
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
