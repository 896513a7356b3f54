package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// Reading implements hearth.RectificationStore.
func (db *DB) Reading(ctx context.Context, householdID string, id int64) (*hearth.Reading, error) {
	panic(notYet)
}

// RewriteReading implements hearth.RectificationStore.
func (db *DB) RewriteReading(ctx context.Context, r *hearth.Reading) error {
	panic(notYet)
}

// SetDisplayName implements hearth.RectificationStore.
func (db *DB) SetDisplayName(ctx context.Context, personID string, name string) error {
	panic(notYet)
}
