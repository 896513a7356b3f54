package postgres

import (
	"bytes"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-iot/hearth"
)

// defaultLimit is the page size of a list method called with limit 0.
const defaultLimit = 100

// The transaction-scoped advisory locks that serialise appends to the
// ledger and to the audit log across every node sharing the data database.
const (
	ledgerLock int64 = 0x4865617274680003 // "Hearth" 3
	auditLock  int64 = 0x4865617274680004
)

const ledgerCols = "seq, time, type, person, purpose, household_id, manifest_version, notice_version, method, actor, statement, details, prev_hash, hash"

// chainTable is a hash-chained, append-only table with the ledger's
// columns: the consent ledger (table "ledger") or the audit log (table
// "audit"). With its pool set it implements hearth.LedgerStore on that
// table.
type chainTable struct {
	pool  *pgxpool.Pool
	table string // a constant, never input: it is written into the SQL
	name  string // what messages call it: "the ledger", "the audit log"
	lock  int64  // the advisory lock held while appending
}

// consentLedger is the consent ledger's table, without a pool.
var consentLedger = chainTable{table: "ledger", name: "the ledger", lock: ledgerLock}

// ledger is the consent ledger's table on db.
func (db *DB) ledger() chainTable {
	c := consentLedger
	c.pool = db.data
	return c
}

// AppendEntries appends es to the ledger in one transaction: all or none.
// The transaction first takes an advisory lock held until it ends
// (pg_advisory_xact_lock), so appends from every node on the data database
// run one at a time and the head it checks cannot move before the insert
// commits: the ledger stays one hash chain. It returns ECONFLICT if es
// does not continue the stored head or a sequence number is taken, and
// EINVALID for an empty es.
func (db *DB) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	return db.ledger().AppendEntries(ctx, es)
}

// LedgerHead returns the last ledger entry, or ENOTFOUND for an empty ledger.
func (db *DB) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	return db.ledger().LedgerHead(ctx)
}

// LedgerEntries lists the entries with Seq > after in ascending order, at
// most limit (0 means 100).
func (db *DB) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	return db.ledger().LedgerEntries(ctx, after, limit)
}

// LedgerEntriesFor lists the entries about personID in ascending order.
func (db *DB) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return db.ledger().LedgerEntriesFor(ctx, personID)
}

// LedgerEntriesAbout lists the entries about personID with Seq > after in
// ascending order, at most limit (0 means 100).
func (db *DB) LedgerEntriesAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.LedgerEntry, error) {
	return db.ledger().LedgerEntriesAbout(ctx, personID, after, limit)
}

// AppendEntries appends es to the table in one transaction holding the
// table's advisory lock, as DB.AppendEntries does to the ledger.
func (c chainTable) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	if len(es) == 0 {
		return hearth.Errorf(hearth.EINVALID, "no entries to append to %s", c.name)
	}
	return inTx(ctx, c.pool, func(tx pgx.Tx) error {
		seq, hash, err := c.lockHead(ctx, tx)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i := range es {
			e := &es[i]
			if e.Seq != seq+1 || !bytes.Equal(e.PrevHash, hash) {
				return hearth.Errorf(hearth.ECONFLICT, "%s", c.movedMsg())
			}
			c.queue(b, e)
			seq, hash = e.Seq, e.Hash
		}
		err = tx.SendBatch(ctx, b).Close()
		return wrap("insert "+c.table+" entries", err, map[string]string{hearth.ECONFLICT: c.movedMsg()})
	})
}

func (c chainTable) movedMsg() string { return c.name + " moved on; append again" }

// lockHead takes the table's advisory lock for the rest of tx and returns
// the last entry's sequence number and hash, or 0 and nil for an empty
// table.
func (c chainTable) lockHead(ctx context.Context, tx pgx.Tx) (int64, []byte, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", c.lock); err != nil {
		return 0, nil, wrap("lock "+c.table, err, nil)
	}
	var seq int64
	var hash []byte
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM "+c.table+" ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, wrap("select "+c.table+" head", err, nil)
	}
	return seq, hash, nil
}

// queue queues the insert of one entry in b.
func (c chainTable) queue(b *pgx.Batch, e *hearth.LedgerEntry) {
	b.Queue("INSERT INTO "+c.table+" ("+ledgerCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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

// LedgerHead returns the table's last entry, or ENOTFOUND if it is empty.
func (c chainTable) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	row := c.pool.QueryRow(ctx, "SELECT "+ledgerCols+" FROM "+c.table+" ORDER BY seq DESC LIMIT 1")
	e, err := scanEntry(row)
	if err != nil {
		return nil, notFound("select "+c.table+" head", err, c.name+" is empty")
	}
	return e, nil
}

// LedgerEntries lists the table's entries with Seq > after in ascending
// order, at most limit (0 means 100).
func (c chainTable) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, c.pool, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
}

// LedgerEntriesFor lists the table's entries about personID in ascending
// order.
func (c chainTable) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return queryAll(ctx, c.pool, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE person = $1 ORDER BY seq", personID)
}

// LedgerEntriesAbout lists the table's entries about personID with Seq >
// after in ascending order, at most limit (0 means 100), through the
// (person, seq) index.
func (c chainTable) LedgerEntriesAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, c.pool, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE person = $1 AND seq > $2 ORDER BY seq LIMIT $3", personID, after, limit)
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
