package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const accountCols = "id, email, password_hash, person_id, created, email_sealed, operator"

// CreateAccount stores a new account and its person in one transaction. The
// e-mail address is stored lower-cased. It returns ECONFLICT if the address
// (in any letter case) or either ID is taken; the unique index decides when
// two nodes sign the same address up at once.
func (db *DB) CreateAccount(ctx context.Context, a *hearth.Account, p *hearth.Person) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if err := insertPerson(ctx, tx, p); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO accounts ("+accountCols+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
			a.ID, lowerEmail(a.Email), a.PasswordHash, a.PersonID, ts(a.Created), a.SealedEmail, a.Operator)
		return wrap("insert account", err, map[string]string{
			hearth.ECONFLICT: "an account with that e-mail address exists already",
		})
	})
}

// insertPerson inserts p inside tx; ECONFLICT if its ID is taken,
// ENOTFOUND if its household does not exist.
func insertPerson(ctx context.Context, tx pgx.Tx, p *hearth.Person) error {
	_, err := tx.Exec(ctx,
		"INSERT INTO persons (id, household_id, display_name, account_id, created) VALUES ($1, $2, $3, $4, $5)",
		p.ID, optString(p.HouseholdID), p.DisplayName, optString(p.AccountID), ts(p.Created))
	return wrap("insert person", err, map[string]string{
		hearth.ECONFLICT: "that person exists already",
		hearth.ENOTFOUND: "no such household",
	})
}

// lowerEmail is the stored form of an e-mail address.
func lowerEmail(e hearth.Email) string { return strings.ToLower(string(e)) }

// AccountByEmail returns the account with that address, matched without
// regard to letter case, or ENOTFOUND.
func (db *DB) AccountByEmail(ctx context.Context, email hearth.Email) (*hearth.Account, error) {
	return scanAccount(db.data.QueryRow(ctx, "SELECT "+accountCols+" FROM accounts WHERE email = $1", lowerEmail(email)))
}

// Account returns the account with that ID, or ENOTFOUND.
func (db *DB) Account(ctx context.Context, id string) (*hearth.Account, error) {
	return scanAccount(db.data.QueryRow(ctx, "SELECT "+accountCols+" FROM accounts WHERE id = $1", id))
}

// scanAccount scans the accountCols of row; ENOTFOUND if there is none.
func scanAccount(row pgx.Row) (*hearth.Account, error) {
	var a hearth.Account
	var email string
	var created int64
	if err := row.Scan(&a.ID, &email, &a.PasswordHash, &a.PersonID, &created, &a.SealedEmail, &a.Operator); err != nil {
		return nil, notFound("select account", err, "no such account")
	}
	a.Email = hearth.Email(email)
	a.Created = fromTS(created)
	return &a, nil
}

// CreateSession stores a session; ECONFLICT if the token hash is taken,
// ENOTFOUND if the account does not exist.
func (db *DB) CreateSession(ctx context.Context, s *hearth.Session) error {
	_, err := db.data.Exec(ctx, "INSERT INTO sessions (token_hash, account_id, created, expires, factor) VALUES ($1, $2, $3, $4, $5)",
		s.TokenHash, s.AccountID, ts(s.Created), ts(s.Expires), s.Factor)
	return wrap("insert session", err, map[string]string{
		hearth.ECONFLICT: "that session exists already",
		hearth.ENOTFOUND: "no such account",
	})
}

// Session returns the session with that token hash if it expires after now,
// or ENOTFOUND.
func (db *DB) Session(ctx context.Context, tokenHash []byte, now time.Time) (*hearth.Session, error) {
	var s hearth.Session
	var created, expires int64
	err := db.data.QueryRow(ctx,
		"SELECT token_hash, account_id, created, expires, factor FROM sessions WHERE token_hash = $1 AND expires > $2",
		tokenHash, ts(now)).Scan(&s.TokenHash, &s.AccountID, &created, &expires, &s.Factor)
	if err != nil {
		return nil, notFound("select session", err, "no such session")
	}
	s.Created, s.Expires = fromTS(created), fromTS(expires)
	return &s, nil
}

// DeleteSession removes a session; removing a missing one is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.data.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash)
	return wrap("delete session", err, nil)
}
