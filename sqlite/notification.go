package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

var _ hearth.ChangeStore = (*DB)(nil)

const notificationCols = "id, person_id, household_id, kind, title, body, created, read"

// AddNotifications stores ns in one transaction, skipping those whose ID is
// stored already. It returns ENOTFOUND if a person does not exist.
func (db *DB) AddNotifications(ctx context.Context, ns []hearth.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO notifications ("+notificationCols+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
		if err != nil {
			return wrap("prepare insert notification", err, nil)
		}
		defer stmt.Close()
		for i := range ns {
			n := &ns[i]
			_, err := stmt.ExecContext(ctx, n.ID, n.PersonID, optString(n.HouseholdID), string(n.Kind),
				n.Title, n.Body, ts(n.Created), optTS(n.Read))
			if err != nil {
				return wrap("insert notification", err, map[string]string{hearth.ENOTFOUND: "no such person"})
			}
		}
		return nil
	})
}

// Notifications lists a person's notifications newest first, after the
// notification before, at most limit (0 means DefaultLimit). EINVALID if
// before is not one of the person's notifications or limit is negative.
func (db *DB) Notifications(ctx context.Context, personID, before string, limit int) ([]hearth.Notification, error) {
	if limit < 0 {
		return nil, hearth.FieldError("limit", "the limit must not be negative")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if before == "" {
		return db.queryNotifications(ctx, "SELECT "+notificationCols+` FROM notifications
			WHERE person_id = ? ORDER BY created DESC, id DESC LIMIT ?`, personID, limit)
	}
	var created int64
	err := db.data.r.QueryRowContext(ctx, "SELECT created FROM notifications WHERE id = ? AND person_id = ?",
		before, personID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hearth.FieldError("cursor", "not a cursor from an earlier page")
	} else if err != nil {
		return nil, wrap("select notification cursor", err, nil)
	}
	return db.queryNotifications(ctx, "SELECT "+notificationCols+` FROM notifications
		WHERE person_id = ? AND (created < ? OR (created = ? AND id < ?))
		ORDER BY created DESC, id DESC LIMIT ?`, personID, created, created, before, limit)
}

func (db *DB) queryNotifications(ctx context.Context, query string, args ...any) ([]hearth.Notification, error) {
	rows, err := db.data.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("select notifications", err, nil)
	}
	defer rows.Close()
	var out []hearth.Notification
	for rows.Next() {
		var n hearth.Notification
		var hh sql.NullString
		var kind string
		var created int64
		var read sql.NullInt64
		if err := rows.Scan(&n.ID, &n.PersonID, &hh, &kind, &n.Title, &n.Body, &created, &read); err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		n.HouseholdID, n.Kind, n.Created, n.Read = hh.String, hearth.NotificationKind(kind), fromTS(created), fromOptTS(read)
		out = append(out, n)
	}
	return out, wrap("select notifications", rows.Err(), nil)
}

// MarkNotificationRead sets the Read time of a person's notification if it
// is unset. ENOTFOUND if the person has no notification with that ID.
func (db *DB) MarkNotificationRead(ctx context.Context, personID, id string, at time.Time) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var read sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT read FROM notifications WHERE id = ? AND person_id = ?", id, personID).Scan(&read)
		if err != nil {
			return notFound("select notification", err, "no such notification")
		}
		if read.Valid {
			return nil
		}
		_, err = tx.ExecContext(ctx, "UPDATE notifications SET read = ? WHERE id = ?", ts(at), id)
		return wrap("mark notification read", err, nil)
	})
}

// RecordManifest stores r as the latest loaded manifest.
func (db *DB) RecordManifest(ctx context.Context, r *hearth.ManifestRecord) error {
	_, err := exec(ctx, db.data, "INSERT INTO manifest_versions (version, digest, canonical, loaded) VALUES (?, ?, ?, ?)",
		r.Version, nonNil(r.Digest), nonNil(r.Canonical), ts(r.Loaded))
	return wrap("insert manifest version", err, nil)
}

// LastManifest returns the latest recorded manifest, or ENOTFOUND.
func (db *DB) LastManifest(ctx context.Context) (*hearth.ManifestRecord, error) {
	var r hearth.ManifestRecord
	var loaded int64
	err := db.data.r.QueryRowContext(ctx, "SELECT version, digest, canonical, loaded FROM manifest_versions ORDER BY seq DESC LIMIT 1").
		Scan(&r.Version, &r.Digest, &r.Canonical, &loaded)
	if err != nil {
		return nil, notFound("select manifest version", err, "no manifest was recorded")
	}
	r.Loaded = fromTS(loaded)
	return &r, nil
}

// AcceptTerms stores an acceptance, keeping an earlier one of the same
// version. ENOTFOUND if the person does not exist.
func (db *DB) AcceptTerms(ctx context.Context, a *hearth.TermsAcceptance) error {
	_, err := exec(ctx, db.data, `INSERT INTO terms_acceptances (person_id, version, accepted) VALUES (?, ?, ?)
		ON CONFLICT (person_id, version) DO NOTHING`, a.PersonID, a.Version, ts(a.Accepted))
	return wrap("insert terms acceptance", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// AcceptedTerms returns the person's latest acceptance, or ENOTFOUND.
func (db *DB) AcceptedTerms(ctx context.Context, personID string) (*hearth.TermsAcceptance, error) {
	a := hearth.TermsAcceptance{PersonID: personID}
	var accepted int64
	err := db.data.r.QueryRowContext(ctx, `SELECT version, accepted FROM terms_acceptances
		WHERE person_id = ? ORDER BY accepted DESC, rowid DESC LIMIT 1`, personID).Scan(&a.Version, &accepted)
	if err != nil {
		return nil, notFound("select terms acceptance", err, "no terms were accepted")
	}
	a.Accepted = fromTS(accepted)
	return &a, nil
}

// EveryMember lists the memberships of every household by household ID
// then person ID, after (afterHousehold, afterPerson), at most limit (0
// means DefaultLimit).
func (db *DB) EveryMember(ctx context.Context, afterHousehold, afterPerson string, limit int) ([]hearth.Member, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return queryAll(ctx, db.data, scanMember, "every member", "SELECT "+memberCols+` FROM members
		WHERE household_id > ? OR (household_id = ? AND person_id > ?)
		ORDER BY household_id, person_id LIMIT ?`, afterHousehold, afterHousehold, afterPerson, limit)
}

// EveryAccount lists every account by ID after the account after, at most
// limit (0 means DefaultLimit).
func (db *DB) EveryAccount(ctx context.Context, after string, limit int) ([]hearth.Account, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return queryAll(ctx, db.data, scanAccount, "every account",
		"SELECT "+accountCols+" FROM accounts WHERE id > ? ORDER BY id LIMIT ?", after, limit)
}
