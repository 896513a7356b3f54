package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// PutSettings implements hearth.SettingsStore.
func (db *DB) PutSettings(ctx context.Context, s *hearth.PersonSettings) error {
	panic(notYet)
}

// Settings implements hearth.SettingsStore.
func (db *DB) Settings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	panic(notYet)
}
