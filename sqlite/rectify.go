package sqlite

import (
	"context"
	"database/sql"

	"github.com/hearth-iot/hearth"
)

var _ hearth.RectificationStore = (*DB)(nil)

// SetDisplayName replaces a person's display name; ENOTFOUND if there is
// no such person. With secure_delete on, the old name is overwritten.
func (db *DB) SetDisplayName(ctx context.Context, personID, name string) error {
	res, err := exec(ctx, db.data, "UPDATE persons SET display_name = ? WHERE id = ?", name, personID)
	return affectedOne("set display name", res, err, "no such person")
}

// Reading returns a reading of a household by ID, or ENOTFOUND.
func (db *DB) Reading(ctx context.Context, householdID string, id int64) (*hearth.Reading, error) {
	r, err := scanReading(db.data.r.QueryRowContext(ctx, "SELECT "+readingCols+
		" FROM readings WHERE id = ? AND household_id = ?", id, householdID))
	if err != nil {
		return nil, notFound("select reading", err, "no such reading")
	}
	return &r, nil
}

// RewriteReading replaces a reading's person, disputed flag and sealed
// values; ENOTFOUND for an unknown reading or person. With secure_delete
// on, the old sealed values are overwritten.
func (db *DB) RewriteReading(ctx context.Context, r *hearth.Reading) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		if r.PersonID != "" {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM persons WHERE id = ?", r.PersonID).Scan(&one)
			if err != nil {
				return notFound("select person", err, "no such person")
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE readings SET person_id = ?, disputed = ?, sealed = ? WHERE id = ? AND household_id = ?",
			optString(r.PersonID), r.Disputed, r.Sealed, r.ID, r.HouseholdID)
		return affectedOne("rewrite reading", res, err, "no such reading")
	})
}

// affectedOne turns an UPDATE's result into ENOTFOUND with msg when it
// changed no row.
func affectedOne(op string, res sql.Result, err error, msg string) error {
	if err != nil {
		return wrap(op, err, nil)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err, nil)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "%s", msg)
	}
	return nil
}
