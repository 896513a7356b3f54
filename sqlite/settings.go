package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hearth-iot/hearth/internal/settingsform"

	"github.com/hearth-iot/hearth"
)

const settingsCols = "person_id, features, purposes, location, feature_location, rights, updated, sealed"

// Settings returns a person's stored settings, or ENOTFOUND.
func (db *DB) Settings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	row := db.data.r.QueryRowContext(ctx, "SELECT "+settingsCols+" FROM settings WHERE person_id = ?", personID)
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

// PutSettings stores a person's settings, replacing earlier ones; ENOTFOUND
// if there is no such person.
func (db *DB) PutSettings(ctx context.Context, s *hearth.PersonSettings) error {
	args, err := settingsArgs(s)
	if err != nil {
		return err
	}
	_, err = exec(ctx, db.data, upsertSettingsSQL, args...)
	return wrap("put settings", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// ReplaceSettings stores s in place of old only if the stored settings are
// still old (compared by Updated; nil: none stored): one conditional
// statement on the writer connection. ECONFLICT if they changed since,
// ENOTFOUND if there is no such person.
func (db *DB) ReplaceSettings(ctx context.Context, old, s *hearth.PersonSettings) error {
	args, err := settingsArgs(s)
	if err != nil {
		return err
	}
	var res sql.Result
	if old == nil {
		res, err = exec(ctx, db.data, insertSettingsSQL, args...)
	} else {
		res, err = exec(ctx, db.data, replaceSettingsSQL, append(args, ts(old.Updated))...)
	}
	if err != nil {
		return wrap("replace settings", err, map[string]string{hearth.ENOTFOUND: "no such person"})
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return wrap("replace settings", err, nil)
	}
	var person int
	err = db.data.r.QueryRowContext(ctx, "SELECT count(*) FROM persons WHERE id = ?", s.PersonID).Scan(&person)
	switch {
	case err != nil:
		return wrap("replace settings", err, nil)
	case person == 0:
		return &hearth.Error{Code: hearth.ENOTFOUND, Message: "no such person"}
	}
	return &hearth.Error{Code: hearth.ECONFLICT, Message: settingsChanged}
}

// settingsChanged is ReplaceSettings' message for ECONFLICT.
const settingsChanged = "the settings were changed by someone else at the same time; try again"

// insertSettingsSQL stores settings where none are; replaceSettingsSQL
// replaces them where their updated column is the extra last argument.
const (
	insertSettingsSQL  = "INSERT INTO settings (" + settingsCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO NOTHING"
	replaceSettingsSQL = "UPDATE settings SET features = ?2, purposes = ?3, location = ?4, feature_location = ?5, rights = ?6, " +
		"updated = ?7, sealed = ?8 WHERE person_id = ?1 AND updated = ?9"
)

// upsertSettings is PutSettings inside tx.
func upsertSettings(ctx context.Context, tx *sql.Tx, s *hearth.PersonSettings) error {
	args, err := settingsArgs(s)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, upsertSettingsSQL, args...)
	return wrap("put settings", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

const upsertSettingsSQL = "INSERT INTO settings (" + settingsCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) " +
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

// jsonList encodes a list of IDs as a JSON array, [] for none.
func jsonList(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return "", fmt.Errorf("encode settings: %w", err)
	}
	return string(b), nil
}
