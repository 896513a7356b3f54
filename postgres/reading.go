package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// InsertReadings implements hearth.ReadingStore.
func (db *DB) InsertReadings(ctx context.Context, rs []hearth.Reading) ([]hearth.Insertion, error) {
	panic(notYet)
}

// Readings implements hearth.ReadingStore.
func (db *DB) Readings(ctx context.Context, f hearth.ReadingFilter) ([]hearth.Reading, error) {
	panic(notYet)
}
