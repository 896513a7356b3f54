package postgres

import "github.com/hearth-iot/hearth"

// AuditLog returns the audit log: the table audit in the data database,
// with the consent ledger's contract and code (see chainTable), its own
// chain and its own advisory lock. Entry times are kept to the nanosecond.
func (db *DB) AuditLog() hearth.LedgerStore {
	return chainTable{pool: db.data, table: "audit", name: "the audit log", lock: auditLock}
}
