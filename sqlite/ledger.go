package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/hearth-iot/hearth"
)

const ledgerCols = "seq, time, type, person, purpose, household_id, manifest_version, notice_version, method, actor, statement, details, prev_hash, hash"

// chainTable is a hash-chained, append-only table with the ledger's
// columns: the consent ledger (table "ledger") or the audit log (table
// "audit"). It implements hearth.LedgerStore on that table.
type chainTable struct {
	p     *pair
	table string // a constant, never input: it is written into the SQL
	name  string // what messages call it: "the ledger", "the audit log"
}

// ledger is the consent ledger's table.
func (db *DB) ledger() chainTable { return chainTable{p: db.data, table: "ledger", name: "the ledger"} }

// AppendEntries appends es to the ledger in hearth.db in one transaction:
// all or none. The writer connection takes the write lock up front (BEGIN
// IMMEDIATE), so the head it checks cannot move before the insert commits,
// even with other processes on the same file. It returns ECONFLICT if es
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
// most limit (0 means DefaultLimit).
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

// AppendEntries appends es to the table in one transaction, as
// DB.AppendEntries does to the ledger.
func (c chainTable) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	if len(es) == 0 {
		return hearth.Errorf(hearth.EINVALID, "no entries to append to %s", c.name)
	}
	return inTx(ctx, c.p, func(tx *sql.Tx) error {
		seq, hash, err := c.head(ctx, tx)
		if err != nil {
			return err
		}
		for i := range es {
			e := &es[i]
			if e.Seq != seq+1 || !bytes.Equal(e.PrevHash, hash) {
				return c.moved()
			}
			if err := c.insert(ctx, tx, e); err != nil {
				return err
			}
			seq, hash = e.Seq, e.Hash
		}
		return nil
	})
}

// moved is the error of an append that does not continue the head.
func (c chainTable) moved() error { return hearth.Errorf(hearth.ECONFLICT, "%s", c.movedMsg()) }

func (c chainTable) movedMsg() string { return c.name + " moved on; append again" }

// head returns the last entry's sequence number and hash, or 0 and nil
// for an empty table.
func (c chainTable) head(ctx context.Context, tx *sql.Tx) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM "+c.table+" ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, wrap("select "+c.table+" head", err, nil)
	}
	return seq, hash, nil
}

// insert inserts one entry; ECONFLICT if its sequence number is taken.
func (c chainTable) insert(ctx context.Context, tx *sql.Tx, e *hearth.LedgerEntry) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO "+c.table+" ("+ledgerCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.Seq, ts(e.Time), string(e.Type), e.Person, e.Purpose, e.HouseholdID, e.ManifestVersion,
		e.NoticeVersion, string(e.Method), e.Actor, e.Statement, nonNil(e.Details), nonNil(e.PrevHash), nonNil(e.Hash))
	return wrap("insert "+c.table+" entry", err, map[string]string{hearth.ECONFLICT: c.movedMsg()})
}

// nonNil returns b, or an empty slice for nil: the columns are NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LedgerHead returns the table's last entry, or ENOTFOUND if it is empty.
func (c chainTable) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	row := c.p.r.QueryRowContext(ctx, "SELECT "+ledgerCols+" FROM "+c.table+" ORDER BY seq DESC LIMIT 1")
	e, err := scanEntry(row)
	if err != nil {
		return nil, notFound("select "+c.table+" head", err, c.name+" is empty")
	}
	return e, nil
}

// LedgerEntries lists the table's entries with Seq > after in ascending
// order, at most limit (0 means DefaultLimit).
func (c chainTable) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return queryAll(ctx, c.p, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
}

// LedgerEntriesFor lists the table's entries about personID in ascending
// order.
func (c chainTable) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return queryAll(ctx, c.p, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE person = ? ORDER BY seq", personID)
}

// LedgerEntriesAbout lists the table's entries about personID with Seq >
// after in ascending order, at most limit (0 means 100), through the
// (person, seq) index.
func (c chainTable) LedgerEntriesAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.LedgerEntry, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return queryAll(ctx, c.p, scanEntry, c.table+" entries",
		"SELECT "+ledgerCols+" FROM "+c.table+" WHERE person = ? AND seq > ? ORDER BY seq LIMIT ?", personID, after, limit)
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
