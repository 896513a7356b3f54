package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

var _ hearth.RectificationStore = (*DB)(nil)

// SetDisplayName replaces a person's display name; ENOTFOUND if there is
// no such person.
func (db *DB) SetDisplayName(ctx context.Context, personID, name string) error {
	tag, err := db.data.Exec(ctx, "UPDATE persons SET display_name = $1 WHERE id = $2", name, personID)
	return expectOne("set display name", tag, err, "no such person")
}

// Reading returns a reading of a household by ID, or ENOTFOUND.
func (db *DB) Reading(ctx context.Context, householdID string, id int64) (*hearth.Reading, error) {
	rows, err := db.data.Query(ctx, "SELECT "+readingCols+" FROM readings WHERE id = $1 AND household_id = $2", id, householdID)
	if err != nil {
		return nil, wrap("select reading", err, nil)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReading)
	if err != nil {
		return nil, notFound("select reading", err, "no such reading")
	}
	return &r, nil
}

// RewriteReading replaces a reading's person, disputed flag and sealed
// values in one transaction; ENOTFOUND for an unknown reading or person.
// The person's row is locked (FOR KEY SHARE) until the transaction ends,
// so a person deleted by another node meanwhile cannot be left named.
func (db *DB) RewriteReading(ctx context.Context, r *hearth.Reading) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if r.PersonID != "" {
			var one int
			err := tx.QueryRow(ctx, "SELECT 1 FROM persons WHERE id = $1 FOR KEY SHARE", r.PersonID).Scan(&one)
			if err != nil {
				return notFound("select person", err, "no such person")
			}
		}
		tag, err := tx.Exec(ctx, "UPDATE readings SET person_id = $1, disputed = $2, sealed = $3 WHERE id = $4 AND household_id = $5",
			optString(r.PersonID), r.Disputed, r.Sealed, r.ID, r.HouseholdID)
		return expectOne("rewrite reading", tag, err, "no such reading")
	})
}
