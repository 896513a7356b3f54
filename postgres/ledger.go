package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// AppendEntries implements hearth.LedgerStore.
func (db *DB) AppendEntries(ctx context.Context, es []hearth.LedgerEntry) error {
	panic(notYet)
}

// LedgerEntries implements hearth.LedgerStore.
func (db *DB) LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error) {
	panic(notYet)
}

// LedgerEntriesFor implements hearth.LedgerStore.
func (db *DB) LedgerEntriesFor(ctx context.Context, personID string) ([]hearth.LedgerEntry, error) {
	panic(notYet)
}

// LedgerHead implements hearth.LedgerStore.
func (db *DB) LedgerHead(ctx context.Context) (*hearth.LedgerEntry, error) {
	panic(notYet)
}
