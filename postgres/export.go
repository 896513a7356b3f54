package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// CreateExportLink implements hearth.ExportStore.
func (db *DB) CreateExportLink(ctx context.Context, l *hearth.ExportLink) error {
	panic(notYet)
}

// ExportLink implements hearth.ExportStore.
func (db *DB) ExportLink(ctx context.Context, tokenHash []byte) (*hearth.ExportLink, error) {
	panic(notYet)
}

// ReadingsAbout implements hearth.ExportStore.
func (db *DB) ReadingsAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.Reading, error) {
	panic(notYet)
}
