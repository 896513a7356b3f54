package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

var _ hearth.ChangeStore = (*DB)(nil)

const notificationCols = "id, person_id, household_id, kind, title, body, created, read"

// AddNotifications stores ns in one transaction, skipping those whose ID is
// stored already (by this node or another). It returns ENOTFOUND if a
// person does not exist.
func (db *DB) AddNotifications(ctx context.Context, ns []hearth.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for i := range ns {
		n := &ns[i]
		b.Queue("INSERT INTO notifications ("+notificationCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "+
			"ON CONFLICT (id) DO NOTHING",
			n.ID, n.PersonID, optString(n.HouseholdID), string(n.Kind), n.Title, n.Body, ts(n.Created), optTS(n.Read))
	}
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		err := tx.SendBatch(ctx, b).Close()
		return wrap("insert notifications", err, map[string]string{hearth.ENOTFOUND: "no such person"})
	})
}

// Notifications lists a person's notifications newest first, after the
// notification before, at most limit (0 means 100). EINVALID if before is
// not one of the person's notifications or limit is negative.
func (db *DB) Notifications(ctx context.Context, personID, before string, limit int) ([]hearth.Notification, error) {
	if limit < 0 {
		return nil, hearth.FieldError("limit", "the limit must not be negative")
	}
	if limit == 0 {
		limit = defaultLimit
	}
	if before == "" {
		return queryAll(ctx, db.data, scanNotification, "notifications", "SELECT "+notificationCols+
			" FROM notifications WHERE person_id = $1 ORDER BY created DESC, id DESC LIMIT $2", personID, limit)
	}
	var created int64
	err := db.data.QueryRow(ctx, "SELECT created FROM notifications WHERE id = $1 AND person_id = $2",
		before, personID).Scan(&created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, hearth.FieldError("cursor", "not a cursor from an earlier page")
	} else if err != nil {
		return nil, wrap("select notification cursor", err, nil)
	}
	return queryAll(ctx, db.data, scanNotification, "notifications", "SELECT "+notificationCols+
		" FROM notifications WHERE person_id = $1 AND (created, id) < ($2, $3)"+
		" ORDER BY created DESC, id DESC LIMIT $4", personID, created, before, limit)
}

func scanNotification(row pgx.Row) (*hearth.Notification, error) {
	var n hearth.Notification
	var hh *string
	var kind string
	var created int64
	var read *int64
	if err := row.Scan(&n.ID, &n.PersonID, &hh, &kind, &n.Title, &n.Body, &created, &read); err != nil {
		return nil, err
	}
	n.HouseholdID, n.Kind, n.Created, n.Read = str(hh), hearth.NotificationKind(kind), fromTS(created), fromOptTS(read)
	return &n, nil
}

// MarkNotificationRead sets the Read time of a person's notification if it
// is unset: of two nodes marking it at once, the first to commit sets it.
// ENOTFOUND if the person has no notification with that ID.
func (db *DB) MarkNotificationRead(ctx context.Context, personID, id string, at time.Time) error {
	var exists bool
	err := db.data.QueryRow(ctx, `WITH marked AS (
			UPDATE notifications SET read = $1 WHERE id = $2 AND person_id = $3 AND read IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM marked) OR EXISTS (SELECT 1 FROM notifications WHERE id = $2 AND person_id = $3)`,
		ts(at), id, personID).Scan(&exists)
	if err != nil {
		return wrap("mark notification read", err, nil)
	}
	if !exists {
		return hearth.Errorf(hearth.ENOTFOUND, "no such notification")
	}
	return nil
}

// RecordManifest stores r as the latest loaded manifest.
func (db *DB) RecordManifest(ctx context.Context, r *hearth.ManifestRecord) error {
	_, err := db.data.Exec(ctx, "INSERT INTO manifest_versions (version, digest, canonical, loaded) VALUES ($1, $2, $3, $4)",
		r.Version, nonNil(r.Digest), nonNil(r.Canonical), ts(r.Loaded))
	return wrap("insert manifest version", err, nil)
}

// LastManifest returns the latest recorded manifest (the last one
// committed, by any node), or ENOTFOUND.
func (db *DB) LastManifest(ctx context.Context) (*hearth.ManifestRecord, error) {
	var r hearth.ManifestRecord
	var loaded int64
	err := db.data.QueryRow(ctx, "SELECT version, digest, canonical, loaded FROM manifest_versions ORDER BY seq DESC LIMIT 1").
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
	_, err := db.data.Exec(ctx, `INSERT INTO terms_acceptances (person_id, version, accepted) VALUES ($1, $2, $3)
		ON CONFLICT (person_id, version) DO NOTHING`, a.PersonID, a.Version, ts(a.Accepted))
	return wrap("insert terms acceptance", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// AcceptedTerms returns the person's latest acceptance (the latest
// accepted time; of two at the same time, the one stored last), or
// ENOTFOUND.
func (db *DB) AcceptedTerms(ctx context.Context, personID string) (*hearth.TermsAcceptance, error) {
	a := hearth.TermsAcceptance{PersonID: personID}
	var accepted int64
	err := db.data.QueryRow(ctx, `SELECT version, accepted FROM terms_acceptances
		WHERE person_id = $1 ORDER BY accepted DESC, seq DESC LIMIT 1`, personID).Scan(&a.Version, &accepted)
	if err != nil {
		return nil, notFound("select terms acceptance", err, "no terms were accepted")
	}
	a.Accepted = fromTS(accepted)
	return &a, nil
}

// EveryMember lists the memberships of every household by household ID
// then person ID, after (afterHousehold, afterPerson), at most limit (0
// means 100).
func (db *DB) EveryMember(ctx context.Context, afterHousehold, afterPerson string, limit int) ([]hearth.Member, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, db.data, scanMember, "every member", "SELECT "+memberCols+
		" FROM members WHERE (household_id, person_id) > ($1, $2) ORDER BY household_id, person_id LIMIT $3",
		afterHousehold, afterPerson, limit)
}

// EveryAccount lists every account by ID after the account after, at most
// limit (0 means 100).
func (db *DB) EveryAccount(ctx context.Context, after string, limit int) ([]hearth.Account, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, db.data, scanAccount, "every account",
		"SELECT "+accountCols+" FROM accounts WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
}
