package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const scheduleCols = "person_id, category, period, updated"

// PutDeletionSchedule stores a person's periodic deletion choice for a
// category, replacing an earlier one; ENOTFOUND if there is no such person.
func (db *DB) PutDeletionSchedule(ctx context.Context, s *hearth.DeletionSchedule) error {
	_, err := db.data.Exec(ctx, "INSERT INTO deletion_schedules ("+scheduleCols+") VALUES ($1, $2, $3, $4) "+
		"ON CONFLICT (person_id, category) DO UPDATE SET period = excluded.period, updated = excluded.updated",
		s.PersonID, s.Category, string(s.Period), ts(s.Updated))
	return wrap("put deletion schedule", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// DeleteDeletionSchedule removes a person's choice for a category;
// removing a missing one is not an error.
func (db *DB) DeleteDeletionSchedule(ctx context.Context, personID, category string) error {
	_, err := db.data.Exec(ctx, "DELETE FROM deletion_schedules WHERE person_id = $1 AND category = $2", personID, category)
	return wrap("delete deletion schedule", err, nil)
}

// DeletionSchedules lists a person's choices by category.
func (db *DB) DeletionSchedules(ctx context.Context, personID string) ([]hearth.DeletionSchedule, error) {
	return queryAll(ctx, db.data, scanSchedule, "deletion schedules",
		"SELECT "+scheduleCols+" FROM deletion_schedules WHERE person_id = $1 ORDER BY category", personID)
}

// EveryDeletionSchedule lists at most limit choices after the
// (afterPerson, afterCategory) cursor, in that order.
func (db *DB) EveryDeletionSchedule(ctx context.Context, afterPerson, afterCategory string, limit int) ([]hearth.DeletionSchedule, error) {
	return queryAll(ctx, db.data, scanSchedule, "deletion schedules",
		"SELECT "+scheduleCols+" FROM deletion_schedules WHERE (person_id, category) > ($1, $2) ORDER BY person_id, category LIMIT $3",
		afterPerson, afterCategory, limit)
}

// scanSchedule scans a row of scheduleCols.
func scanSchedule(row pgx.Row) (*hearth.DeletionSchedule, error) {
	var s hearth.DeletionSchedule
	var period string
	var updated int64
	if err := row.Scan(&s.PersonID, &s.Category, &period, &updated); err != nil {
		return nil, err
	}
	s.Period, s.Updated = hearth.DeletionPeriod(period), fromTS(updated)
	return &s, nil
}
