package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// ReadingsAbout lists the readings attributed to personID with ID > after,
// in ascending ID order, at most limit (100 when 0). It walks the
// readings_person index (person_id, id), so each page costs the same
// whatever the store's size, and an export reads a person's readings page
// by page, never all at once. EINVALID for a negative limit.
func (db *DB) ReadingsAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.Reading, error) {
	if limit < 0 {
		return nil, hearth.FieldError("limit", "must not be negative")
	}
	if limit == 0 {
		limit = defaultLimit
	}
	return queryReadings(ctx, db, "select readings about a person", "SELECT "+readingCols+
		" FROM readings WHERE person_id = $1 AND id > $2 ORDER BY id LIMIT $3", personID, after, limit)
}

// CreateExportLink stores l; ECONFLICT if its token hash is taken, ENOTFOUND
// if the person does not exist.
func (db *DB) CreateExportLink(ctx context.Context, l *hearth.ExportLink) error {
	_, err := db.data.Exec(ctx, `INSERT INTO export_links
		(token_hash, person_id, household_id, requested_by, expires, created) VALUES ($1, $2, $3, $4, $5, $6)`,
		l.TokenHash, l.PersonID, l.HouseholdID, l.RequestedBy, ts(l.Expires), ts(l.Created))
	return wrap("insert export link", err, map[string]string{
		hearth.ECONFLICT: "that export link exists already", hearth.ENOTFOUND: "no such person"})
}

// ExportLink returns the link with that token hash, expired or not, or
// ENOTFOUND.
func (db *DB) ExportLink(ctx context.Context, tokenHash []byte) (*hearth.ExportLink, error) {
	var l hearth.ExportLink
	var expires, created int64
	err := db.data.QueryRow(ctx, `SELECT token_hash, person_id, household_id, requested_by, expires, created
		FROM export_links WHERE token_hash = $1`, tokenHash).
		Scan(&l.TokenHash, &l.PersonID, &l.HouseholdID, &l.RequestedBy, &expires, &created)
	if err != nil {
		return nil, notFound("select export link", err, "no such export link")
	}
	l.Expires, l.Created = fromTS(expires), fromTS(created)
	return &l, nil
}
