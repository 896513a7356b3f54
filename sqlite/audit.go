package sqlite

import "github.com/hearth-iot/hearth"

// AuditLog returns the audit log: the table audit in hearth.db, with the
// consent ledger's contract and code (see chainTable) and its own chain.
// Entry times are kept to the nanosecond.
func (db *DB) AuditLog() hearth.LedgerStore {
	return chainTable{p: db.data, table: "audit", name: "the audit log"}
}
