package sqlite

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// AuditLog implements hearth.AuditStore.
func (db *DB) AuditLog() hearth.LedgerStore { return auditTODO{} }

type auditTODO struct{}

func (auditTODO) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error { return errTODO }
func (auditTODO) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error)      { return nil, errTODO }
func (auditTODO) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	return nil, errTODO
}
func (auditTODO) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	return nil, errTODO
}
