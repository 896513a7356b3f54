package sqlite

import (
	"context"

	"github.com/hearth-iot/hearth"
)

const scheduleCols = "person_id, category, period, updated"

// PutDeletionSchedule stores a person's periodic deletion choice for a
// category, replacing an earlier one; ENOTFOUND if there is no such person.
func (db *DB) PutDeletionSchedule(ctx context.Context, s *hearth.DeletionSchedule) error {
	_, err := exec(ctx, db.data, "INSERT INTO deletion_schedules ("+scheduleCols+") VALUES (?, ?, ?, ?) "+
		"ON CONFLICT (person_id, category) DO UPDATE SET period = excluded.period, updated = excluded.updated",
		s.PersonID, s.Category, string(s.Period), ts(s.Updated))
	return wrap("put deletion schedule", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// DeleteDeletionSchedule removes a person's choice for a category.
func (db *DB) DeleteDeletionSchedule(ctx context.Context, personID, category string) error {
	_, err := exec(ctx, db.data, "DELETE FROM deletion_schedules WHERE person_id = ? AND category = ?", personID, category)
	return wrap("delete deletion schedule", err, nil)
}

// DeletionSchedules lists a person's choices by category.
func (db *DB) DeletionSchedules(ctx context.Context, personID string) ([]hearth.DeletionSchedule, error) {
	return queryAll(ctx, db.data, scanSchedule, "deletion schedules",
		"SELECT "+scheduleCols+" FROM deletion_schedules WHERE person_id = ? ORDER BY category", personID)
}

// EveryDeletionSchedule lists at most limit choices after the cursor.
func (db *DB) EveryDeletionSchedule(ctx context.Context, afterPerson, afterCategory string, limit int) ([]hearth.DeletionSchedule, error) {
	return queryAll(ctx, db.data, scanSchedule, "deletion schedules",
		"SELECT "+scheduleCols+" FROM deletion_schedules WHERE (person_id, category) > (?, ?) ORDER BY person_id, category LIMIT ?",
		afterPerson, afterCategory, limit)
}

func scanSchedule(row rowScanner) (*hearth.DeletionSchedule, error) {
	var s hearth.DeletionSchedule
	var period string
	var updated int64
	if err := row.Scan(&s.PersonID, &s.Category, &period, &updated); err != nil {
		return nil, err
	}
	s.Period, s.Updated = hearth.DeletionPeriod(period), fromTS(updated)
	return &s, nil
}
