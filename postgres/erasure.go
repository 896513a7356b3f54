package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// Checkpoint implements hearth.ErasureStore.
func (db *DB) Checkpoint(ctx context.Context) error {
	panic(notYet)
}

// CountReadings implements hearth.ErasureStore.
func (db *DB) CountReadings(ctx context.Context, f hearth.ErasureFilter) (int64, error) {
	panic(notYet)
}

// DeletePerson implements hearth.ErasureStore.
func (db *DB) DeletePerson(ctx context.Context, personID string) error {
	panic(notYet)
}

// DeletePersonalData implements hearth.ErasureStore.
func (db *DB) DeletePersonalData(ctx context.Context, personID string, before time.Time) error {
	panic(notYet)
}

// DeleteReadings implements hearth.ErasureStore.
func (db *DB) DeleteReadings(ctx context.Context, f hearth.ErasureFilter, limit int) (int64, error) {
	panic(notYet)
}

// DeleteDeletionSchedule implements hearth.DeletionScheduleStore.
func (db *DB) DeleteDeletionSchedule(ctx context.Context, personID string, category string) error {
	panic(notYet)
}

// DeletionSchedules implements hearth.DeletionScheduleStore.
func (db *DB) DeletionSchedules(ctx context.Context, personID string) ([]hearth.DeletionSchedule, error) {
	panic(notYet)
}

// EveryDeletionSchedule implements hearth.DeletionScheduleStore.
func (db *DB) EveryDeletionSchedule(ctx context.Context, afterPerson string, afterCategory string, limit int) ([]hearth.DeletionSchedule, error) {
	panic(notYet)
}

// PutDeletionSchedule implements hearth.DeletionScheduleStore.
func (db *DB) PutDeletionSchedule(ctx context.Context, s *hearth.DeletionSchedule) error {
	panic(notYet)
}
