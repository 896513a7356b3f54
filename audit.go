package hearth

// AuditStore keeps the audit log: a second hash-chained ledger, apart from
// the consent ledger, of every access to personal data and every
// administrative action (see package audit). Its entries are
// LedgerEntry values, kept with their times' full precision.
type AuditStore interface {
	// AuditLog returns the audit log's store. It has the consent ledger's
	// contract, on its own table and its own chain.
	AuditLog() LedgerStore
}
