package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// ImportPerson implements hearth.ImportStore.
func (db *DB) ImportPerson(ctx context.Context, imp *hearth.PersonImport) error {
	panic(notYet)
}

// Imported implements hearth.ImportStore.
func (db *DB) Imported(ctx context.Context, exportID string) (time.Time, error) {
	panic(notYet)
}
