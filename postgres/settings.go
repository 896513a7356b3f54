package postgres

import (
	"context"

	"github.com/hearth-iot/hearth/internal/settingsform"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-iot/hearth"
)

const settingsCols = "person_id, features, purposes, location, feature_location, rights, updated, sealed"

// Settings returns a person's stored settings, or ENOTFOUND.
func (db *DB) Settings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	row := db.data.QueryRow(ctx, "SELECT "+settingsCols+" FROM settings WHERE person_id = $1", personID)
	var s hearth.PersonSettings
	var c settingsform.Columns
	var updated int64
	if err := row.Scan(&s.PersonID, &c.Features, &c.Purposes, &s.Location, &c.FeatureLocation, &c.Rights, &updated, &s.Sealed); err != nil {
		return nil, notFound("select settings", err, "no settings stored for that person")
	}
	if err := settingsform.Decode(c, &s); err != nil {
		return nil, err
	}
	s.Updated = fromTS(updated)
	return &s, nil
}

// PutSettings stores a person's settings, replacing earlier ones, in one
// statement (of two nodes' writes, the later one wins whole); ENOTFOUND if
// there is no such person.
func (db *DB) PutSettings(ctx context.Context, s *hearth.PersonSettings) error {
	return upsertSettings(ctx, db.data, s)
}

// ReplaceSettings stores s in place of old only if the stored settings are
// still old (compared by Updated; nil: none stored), in one conditional
// statement: an UPDATE … WHERE updated = old's re-checks the row another
// transaction changed meanwhile, and INSERT … ON CONFLICT DO NOTHING waits
// for another node's insert of the same person. ECONFLICT if they changed
// since, ENOTFOUND if there is no such person.
func (db *DB) ReplaceSettings(ctx context.Context, old, s *hearth.PersonSettings) error {
	args, err := settingsArgs(s)
	if err != nil {
		return err
	}
	var tag pgconn.CommandTag
	if old == nil {
		tag, err = db.data.Exec(ctx, insertSettingsSQL, args...)
	} else {
		tag, err = db.data.Exec(ctx, replaceSettingsSQL, append(args, ts(old.Updated))...)
	}
	if err != nil {
		return wrap("replace settings", err, map[string]string{hearth.ENOTFOUND: "no such person"})
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var person bool
	if err := db.data.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM persons WHERE id = $1)", s.PersonID).Scan(&person); err != nil {
		return wrap("replace settings", err, nil)
	}
	if !person {
		return &hearth.Error{Code: hearth.ENOTFOUND, Message: "no such person"}
	}
	return &hearth.Error{Code: hearth.ECONFLICT, Message: "the settings were changed by someone else at the same time; try again"}
}

// insertSettingsSQL stores settings where none are; replaceSettingsSQL
// replaces them where their updated column is $9.
const (
	insertSettingsSQL  = "INSERT INTO settings (" + settingsCols + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (person_id) DO NOTHING"
	replaceSettingsSQL = "UPDATE settings SET features = $2, purposes = $3, location = $4, feature_location = $5, rights = $6, " +
		"updated = $7, sealed = $8 WHERE person_id = $1 AND updated = $9"
)

// execer is what a pool and a transaction have in common for a statement
// that returns no rows.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// upsertSettings is PutSettings on q: the data pool, or a transaction
// (pgx.Tx) that the settings are part of.
func upsertSettings(ctx context.Context, q execer, s *hearth.PersonSettings) error {
	args, err := settingsArgs(s)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, upsertSettingsSQL, args...)
	return wrap("put settings", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

const upsertSettingsSQL = "INSERT INTO settings (" + settingsCols + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) " +
	"ON CONFLICT (person_id) DO UPDATE SET features = excluded.features, purposes = excluded.purposes, " +
	"location = excluded.location, feature_location = excluded.feature_location, rights = excluded.rights, " +
	"updated = excluded.updated, sealed = excluded.sealed"

// settingsArgs returns the column values of s, in settingsCols order.
func settingsArgs(s *hearth.PersonSettings) ([]any, error) {
	c, err := settingsform.Encode(s)
	if err != nil {
		return nil, err
	}
	return []any{s.PersonID, c.Features, c.Purposes, s.Location, c.FeatureLocation, c.Rights, ts(s.Updated), s.Sealed}, nil
}
