package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// DeleteKey implements hearth.KeyStore.
func (db *DB) DeleteKey(ctx context.Context, subject string) error {
	panic(notYet)
}

// Key implements hearth.KeyStore.
func (db *DB) Key(ctx context.Context, subject string) (*hearth.WrappedKey, error) {
	panic(notYet)
}

// KeyByID implements hearth.KeyStore.
func (db *DB) KeyByID(ctx context.Context, id string) (*hearth.WrappedKey, error) {
	panic(notYet)
}

// PutKey implements hearth.KeyStore.
func (db *DB) PutKey(ctx context.Context, k *hearth.WrappedKey) error {
	panic(notYet)
}

// KEKIDs implements hearth.KEKInventory.
func (db *DB) KEKIDs(ctx context.Context) ([]string, error) {
	panic(notYet)
}

// Erasures implements hearth.ErasureJournal.
func (db *DB) Erasures(ctx context.Context, after int64, limit int) ([]hearth.Erasure, error) {
	panic(notYet)
}

// RecordErasure implements hearth.ErasureJournal.
func (db *DB) RecordErasure(ctx context.Context, e *hearth.Erasure) error {
	panic(notYet)
}

// AddErasureNotices implements hearth.ErasureNoticeStore.
func (db *DB) AddErasureNotices(ctx context.Context, ns []hearth.ErasureNotice) error {
	panic(notYet)
}

// DueErasureNotices implements hearth.ErasureNoticeStore.
func (db *DB) DueErasureNotices(ctx context.Context, now time.Time, limit int) ([]hearth.ErasureNotice, error) {
	panic(notYet)
}

// ErasureNotices implements hearth.ErasureNoticeStore.
func (db *DB) ErasureNotices(ctx context.Context, personID string) ([]hearth.ErasureNotice, error) {
	panic(notYet)
}

// UpdateErasureNotice implements hearth.ErasureNoticeStore.
func (db *DB) UpdateErasureNotice(ctx context.Context, n *hearth.ErasureNotice) error {
	panic(notYet)
}
