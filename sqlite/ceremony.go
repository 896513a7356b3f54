package sqlite

import (
	"context"
	"database/sql"
	"math"
	"math/rand/v2"
	"time"

	"github.com/hearth-iot/hearth"
)

// Messages of the auth ceremony methods.
const (
	msgCeremonyGone    = "no such sign-in or passkey registration step: it expired or was finished"
	msgCeremonyChanged = "the sign-in or passkey registration step changed meanwhile: try again"
)

// newCeremonyVersion returns a random non-zero AuthCeremony version.
func newCeremonyVersion() int64 { return rand.Int64N(math.MaxInt64) + 1 }

// CreateAuthCeremony removes expired ceremonies and, past max of c.Kind,
// the ones created first, then stores c, in one transaction (the writer's
// lock serialises creations); ENOTFOUND if there is no such account.
func (db *DB) CreateAuthCeremony(ctx context.Context, c *hearth.AuthCeremony, max int) error {
	if max < 1 {
		return hearth.Errorf(hearth.EINVALID, "a bound of at least one ceremony is needed")
	}
	v := newCeremonyVersion()
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM auth_ceremonies WHERE expires <= ?", ts(c.Created)); err != nil {
			return wrap("delete expired auth ceremonies", err, nil)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM auth_ceremonies WHERE kind = ? AND key = ?", c.Kind, c.Key); err != nil {
			return wrap("replace auth ceremony", err, nil)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM auth_ceremonies WHERE kind = ?", c.Kind).Scan(&n); err != nil {
			return wrap("count auth ceremonies", err, nil)
		}
		if n >= max {
			_, err := tx.ExecContext(ctx, `DELETE FROM auth_ceremonies WHERE rowid IN
				(SELECT rowid FROM auth_ceremonies WHERE kind = ? ORDER BY created, key LIMIT ?)`, c.Kind, n-max+1)
			if err != nil {
				return wrap("delete oldest auth ceremonies", err, nil)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_ceremonies
			(kind, key, account_id, created, expires, attempts, done, challenge, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Kind, c.Key, c.AccountID, ts(c.Created), ts(c.Expires), c.Attempts, c.Done, c.Challenge, v)
		return wrap("insert auth ceremony", err, map[string]string{hearth.ENOTFOUND: "no such account"})
	})
	if err != nil {
		return err
	}
	c.Version = v
	return nil
}

// AuthCeremony returns the unexpired ceremony of kind with key, or
// ENOTFOUND.
func (db *DB) AuthCeremony(ctx context.Context, kind string, key []byte, now time.Time) (*hearth.AuthCeremony, error) {
	c := hearth.AuthCeremony{Kind: kind, Key: key}
	var created, expires int64
	err := db.data.r.QueryRowContext(ctx, `SELECT account_id, created, expires, attempts, done, challenge, version
		FROM auth_ceremonies WHERE kind = ? AND key = ? AND expires > ?`, kind, key, ts(now)).
		Scan(&c.AccountID, &created, &expires, &c.Attempts, &c.Done, &c.Challenge, &c.Version)
	if err != nil {
		return nil, notFound("select auth ceremony", err, msgCeremonyGone)
	}
	c.Created, c.Expires = fromTS(created), fromTS(expires)
	return &c, nil
}

// UpdateAuthCeremony stores c's Attempts, Done and Challenge if the stored
// ceremony still has c.Version and is unexpired; ECONFLICT if it changed,
// ENOTFOUND if it is gone or expired.
func (db *DB) UpdateAuthCeremony(ctx context.Context, c *hearth.AuthCeremony, now time.Time) error {
	v := newCeremonyVersion()
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE auth_ceremonies SET attempts = ?, done = ?, challenge = ?, version = ?
			WHERE kind = ? AND key = ? AND version = ? AND expires > ?`,
			c.Attempts, c.Done, c.Challenge, v, c.Kind, c.Key, c.Version, ts(now))
		if err != nil {
			return wrap("update auth ceremony", err, nil)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return wrap("update auth ceremony", err, nil)
		}
		var one int
		err = tx.QueryRowContext(ctx, "SELECT 1 FROM auth_ceremonies WHERE kind = ? AND key = ? AND expires > ?",
			c.Kind, c.Key, ts(now)).Scan(&one)
		if err != nil {
			return notFound("select auth ceremony", err, msgCeremonyGone)
		}
		return hearth.Errorf(hearth.ECONFLICT, msgCeremonyChanged)
	})
	if err != nil {
		return err
	}
	c.Version = v
	return nil
}

// DeleteAuthCeremony removes the ceremony of kind with key if it has
// version (any when 0); ECONFLICT if it has another, ENOTFOUND if none.
func (db *DB) DeleteAuthCeremony(ctx context.Context, kind string, key []byte, version int64) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var stored int64
		err := tx.QueryRowContext(ctx, "SELECT version FROM auth_ceremonies WHERE kind = ? AND key = ?", kind, key).Scan(&stored)
		if err != nil {
			return notFound("select auth ceremony", err, msgCeremonyGone)
		}
		if version != 0 && stored != version {
			return hearth.Errorf(hearth.ECONFLICT, msgCeremonyChanged)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM auth_ceremonies WHERE kind = ? AND key = ?", kind, key)
		return wrap("delete auth ceremony", err, nil)
	})
}

// CountAuthCeremonies returns how many ceremonies of kind are stored.
func (db *DB) CountAuthCeremonies(ctx context.Context, kind string) (int, error) {
	var n int
	err := db.data.r.QueryRowContext(ctx, "SELECT count(*) FROM auth_ceremonies WHERE kind = ?", kind).Scan(&n)
	if err != nil {
		return 0, wrap("count auth ceremonies", err, nil)
	}
	return n, nil
}
