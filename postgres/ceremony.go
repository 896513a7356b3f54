package postgres

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

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
// the ones created first, then stores c, in one transaction. Creations of
// one kind take a transaction-level advisory lock first, so nodes creating
// at once count one after the other and never hold more than max;
// ENOTFOUND if there is no such account.
func (db *DB) CreateAuthCeremony(ctx context.Context, c *hearth.AuthCeremony, max int) error {
	if max < 1 {
		return hearth.Errorf(hearth.EINVALID, "a bound of at least one ceremony is needed")
	}
	v := newCeremonyVersion()
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", leaseKey("auth-ceremonies "+c.Kind)); err != nil {
			return wrap("lock auth ceremonies", err, nil)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM auth_ceremonies WHERE expires <= $1", ts(c.Created)); err != nil {
			return wrap("delete expired auth ceremonies", err, nil)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM auth_ceremonies WHERE kind = $1 AND key = $2", c.Kind, c.Key); err != nil {
			return wrap("replace auth ceremony", err, nil)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM auth_ceremonies WHERE kind = $1", c.Kind).Scan(&n); err != nil {
			return wrap("count auth ceremonies", err, nil)
		}
		if n >= max {
			_, err := tx.Exec(ctx, `DELETE FROM auth_ceremonies WHERE kind = $1 AND key IN
				(SELECT key FROM auth_ceremonies WHERE kind = $1 ORDER BY created, key LIMIT $2)`, c.Kind, n-max+1)
			if err != nil {
				return wrap("delete oldest auth ceremonies", err, nil)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO auth_ceremonies
			(kind, key, account_id, created, expires, attempts, done, challenge, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
	err := db.data.QueryRow(ctx, `SELECT account_id, created, expires, attempts, done, challenge, version
		FROM auth_ceremonies WHERE kind = $1 AND key = $2 AND expires > $3`, kind, key, ts(now)).
		Scan(&c.AccountID, &created, &expires, &c.Attempts, &c.Done, &c.Challenge, &c.Version)
	if err != nil {
		return nil, notFound("select auth ceremony", err, msgCeremonyGone)
	}
	c.Created, c.Expires = fromTS(created), fromTS(expires)
	return &c, nil
}

// UpdateAuthCeremony stores c's Attempts, Done and Challenge if the stored
// ceremony still has c.Version and is unexpired, in one statement: a node
// whose update waited for another's row lock sees the other's version and
// changes nothing. ECONFLICT if it changed, ENOTFOUND if it is gone or
// expired.
func (db *DB) UpdateAuthCeremony(ctx context.Context, c *hearth.AuthCeremony, now time.Time) error {
	v := newCeremonyVersion()
	tag, err := db.data.Exec(ctx, `UPDATE auth_ceremonies SET attempts = $1, done = $2, challenge = $3, version = $4
		WHERE kind = $5 AND key = $6 AND version = $7 AND expires > $8`,
		c.Attempts, c.Done, c.Challenge, v, c.Kind, c.Key, c.Version, ts(now))
	if err != nil {
		return wrap("update auth ceremony", err, nil)
	}
	if tag.RowsAffected() == 1 {
		c.Version = v
		return nil
	}
	var one int
	err = db.data.QueryRow(ctx, "SELECT 1 FROM auth_ceremonies WHERE kind = $1 AND key = $2 AND expires > $3",
		c.Kind, c.Key, ts(now)).Scan(&one)
	if err != nil {
		return notFound("select auth ceremony", err, msgCeremonyGone)
	}
	return hearth.Errorf(hearth.ECONFLICT, msgCeremonyChanged)
}

// DeleteAuthCeremony removes the ceremony of kind with key if it has
// version (any when 0), in one statement; ECONFLICT if it has another,
// ENOTFOUND if none.
func (db *DB) DeleteAuthCeremony(ctx context.Context, kind string, key []byte, version int64) error {
	tag, err := db.data.Exec(ctx, "DELETE FROM auth_ceremonies WHERE kind = $1 AND key = $2 AND ($3::bigint = 0 OR version = $3)",
		kind, key, version)
	if err != nil {
		return wrap("delete auth ceremony", err, nil)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	err = db.data.QueryRow(ctx, "SELECT 1 FROM auth_ceremonies WHERE kind = $1 AND key = $2", kind, key).Scan(&one)
	if err != nil {
		return notFound("select auth ceremony", err, msgCeremonyGone)
	}
	return hearth.Errorf(hearth.ECONFLICT, msgCeremonyChanged)
}

// CountAuthCeremonies returns how many ceremonies of kind are stored.
func (db *DB) CountAuthCeremonies(ctx context.Context, kind string) (int, error) {
	var n int
	if err := db.data.QueryRow(ctx, "SELECT count(*) FROM auth_ceremonies WHERE kind = $1", kind).Scan(&n); err != nil {
		return 0, wrap("count auth ceremonies", err, nil)
	}
	return n, nil
}
