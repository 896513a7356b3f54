package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// The MFA methods that change several rows lock the account's row first
// (lockAccount), always in that order, so that two nodes changing the same
// account's second factors run one after the other; a method of one
// statement relies on the statement's own row lock: its condition is
// checked again on the row another node just committed.

// SetOperator grants or revokes the operator role; ENOTFOUND if there is
// no such account.
func (db *DB) SetOperator(ctx context.Context, accountID string, operator bool) error {
	tag, err := db.data.Exec(ctx, "UPDATE accounts SET operator = $1 WHERE id = $2", operator, accountID)
	if err != nil {
		return wrap("set operator", err, nil)
	}
	if tag.RowsAffected() == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no such account")
	}
	return nil
}

// lockAccount locks the account's row until tx ends and reports whether
// the account exists.
func lockAccount(ctx context.Context, tx pgx.Tx, accountID string) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", accountID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap("lock account", err, nil)
	}
	return true, nil
}

// PutTOTP stores an unconfirmed TOTP secret, replacing an unconfirmed one,
// in one statement; ECONFLICT if the account has a confirmed one,
// ENOTFOUND if there is no such account.
func (db *DB) PutTOTP(ctx context.Context, t *hearth.TOTP) error {
	var one int
	err := db.data.QueryRow(ctx, `INSERT INTO totp_secrets (account_id, secret, confirmed, last_step, created)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, confirmed = excluded.confirmed,
			last_step = excluded.last_step, created = excluded.created
		WHERE totp_secrets.confirmed IS NULL
		RETURNING 1`,
		t.AccountID, t.Secret, optTS(t.Confirmed), t.LastStep, ts(t.Created)).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.Errorf(hearth.ECONFLICT, "an authenticator app is set up already: disable it first")
	}
	return wrap("put totp secret", err, map[string]string{hearth.ENOTFOUND: "no such account"})
}

// TOTP returns the account's TOTP secret, or ENOTFOUND.
func (db *DB) TOTP(ctx context.Context, accountID string) (*hearth.TOTP, error) {
	var t hearth.TOTP
	var confirmed *int64
	var created int64
	err := db.data.QueryRow(ctx,
		"SELECT account_id, secret, confirmed, last_step, created FROM totp_secrets WHERE account_id = $1", accountID).
		Scan(&t.AccountID, &t.Secret, &confirmed, &t.LastStep, &created)
	if err != nil {
		return nil, notFound("select totp secret", err, "no authenticator app is set up")
	}
	t.Confirmed, t.Created = fromOptTS(confirmed), fromTS(created)
	return &t, nil
}

// ConfirmTOTP confirms the unconfirmed secret, accepting step, and
// replaces the account's recovery codes, in one transaction; ENOTFOUND if
// there is no unconfirmed secret.
func (db *DB) ConfirmTOTP(ctx context.Context, accountID string, step int64, codeHashes [][]byte, at time.Time) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx,
			"UPDATE totp_secrets SET confirmed = $1, last_step = $2 WHERE account_id = $3 AND confirmed IS NULL",
			ts(at), step, accountID)
		if err != nil {
			return wrap("confirm totp secret", err, nil)
		}
		if tag.RowsAffected() == 0 {
			return hearth.Errorf(hearth.ENOTFOUND, "no authenticator app is waiting for its first code")
		}
		return replaceRecoveryCodes(ctx, tx, accountID, codeHashes)
	})
}

// replaceRecoveryCodes replaces the account's recovery codes inside tx,
// which holds the account's lock.
func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, accountID string, codeHashes [][]byte) error {
	if _, err := tx.Exec(ctx, "DELETE FROM recovery_codes WHERE account_id = $1", accountID); err != nil {
		return wrap("delete recovery codes", err, nil)
	}
	if codeHashes == nil {
		codeHashes = [][]byte{}
	}
	_, err := tx.Exec(ctx, "INSERT INTO recovery_codes (account_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h",
		accountID, codeHashes)
	return wrap("insert recovery codes", err, map[string]string{
		hearth.ENOTFOUND: "no such account",
		hearth.ECONFLICT: "the same recovery code was given twice",
	})
}

// ReplaceRecoveryCodes replaces the account's recovery codes in one
// transaction; ENOTFOUND if there is no such account.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes [][]byte) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		ok, err := lockAccount(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if !ok {
			return hearth.Errorf(hearth.ENOTFOUND, "no such account")
		}
		return replaceRecoveryCodes(ctx, tx, accountID, codeHashes)
	})
}

// UseTOTPStep accepts step if it is after the last accepted one, in one
// conditional statement (of two nodes given the same code, one accepts
// it); ECONFLICT for a replay, ENOTFOUND without a confirmed secret.
func (db *DB) UseTOTPStep(ctx context.Context, accountID string, step int64) error {
	tag, err := db.data.Exec(ctx, `UPDATE totp_secrets SET last_step = $2
		WHERE account_id = $1 AND confirmed IS NOT NULL AND last_step < $2`, accountID, step)
	if err != nil {
		return wrap("update totp step", err, nil)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var last int64
	err = db.data.QueryRow(ctx,
		"SELECT last_step FROM totp_secrets WHERE account_id = $1 AND confirmed IS NOT NULL", accountID).Scan(&last)
	if err != nil {
		return notFound("select totp step", err, "no authenticator app is set up")
	}
	return hearth.Errorf(hearth.ECONFLICT, "this code was used already: wait for the next one")
}

// UseRecoveryCode marks a recovery code used, in one conditional statement
// (of two nodes given the same code, one accepts it); ECONFLICT if it was
// used already, ENOTFOUND if there is no such code.
func (db *DB) UseRecoveryCode(ctx context.Context, accountID string, codeHash []byte, at time.Time) error {
	tag, err := db.data.Exec(ctx, `UPDATE recovery_codes SET used = $3
		WHERE account_id = $1 AND code_hash = $2 AND used IS NULL`, accountID, codeHash, ts(at))
	if err != nil {
		return wrap("use recovery code", err, nil)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	err = db.data.QueryRow(ctx,
		"SELECT 1 FROM recovery_codes WHERE account_id = $1 AND code_hash = $2", accountID, codeHash).Scan(&one)
	if err != nil {
		return notFound("select recovery code", err, "no such recovery code")
	}
	return hearth.Errorf(hearth.ECONFLICT, "this recovery code was used already: each works once")
}

// RecoveryCodesLeft counts the account's unused recovery codes.
func (db *DB) RecoveryCodesLeft(ctx context.Context, accountID string) (int, error) {
	var n int
	err := db.data.QueryRow(ctx,
		"SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used IS NULL", accountID).Scan(&n)
	return n, wrap("count recovery codes", err, nil)
}

const passkeyCols = "credential_id, account_id, record, sign_count, created, last_used"

// AddPasskey stores a passkey; ECONFLICT if its credential ID is taken,
// ENOTFOUND if there is no such account.
func (db *DB) AddPasskey(ctx context.Context, p *hearth.Passkey) error {
	_, err := db.data.Exec(ctx, "INSERT INTO passkeys ("+passkeyCols+") VALUES ($1, $2, $3, $4, $5, $6)",
		p.CredentialID, p.AccountID, p.Record, int64(p.SignCount), ts(p.Created), optTS(p.LastUsed))
	return wrap("insert passkey", err, map[string]string{
		hearth.ECONFLICT: "this passkey is registered already",
		hearth.ENOTFOUND: "no such account",
	})
}

// Passkeys lists the account's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, accountID string) ([]hearth.Passkey, error) {
	return queryAll(ctx, db.data, scanPasskey, "passkeys",
		"SELECT "+passkeyCols+" FROM passkeys WHERE account_id = $1 ORDER BY created, credential_id", accountID)
}

// scanPasskey scans the passkeyCols of row.
func scanPasskey(row pgx.Row) (*hearth.Passkey, error) {
	var p hearth.Passkey
	var created, signCount int64
	var lastUsed *int64
	if err := row.Scan(&p.CredentialID, &p.AccountID, &p.Record, &signCount, &created, &lastUsed); err != nil {
		return nil, err
	}
	p.SignCount = uint32(signCount)
	p.Created, p.LastUsed = fromTS(created), fromOptTS(lastUsed)
	return &p, nil
}

// UsePasskey records a use with the authenticator's new sign count, in one
// conditional statement (of two nodes given the same assertion, one
// accepts it); ECONFLICT if the count did not increase (either being
// non-zero), ENOTFOUND if the account has no such passkey.
func (db *DB) UsePasskey(ctx context.Context, accountID string, credentialID []byte, signCount uint32, at time.Time) error {
	tag, err := db.data.Exec(ctx, `UPDATE passkeys SET sign_count = $3, last_used = $4
		WHERE account_id = $1 AND credential_id = $2 AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))`,
		accountID, credentialID, int64(signCount), ts(at))
	if err != nil {
		return wrap("use passkey", err, nil)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	err = db.data.QueryRow(ctx,
		"SELECT 1 FROM passkeys WHERE account_id = $1 AND credential_id = $2", accountID, credentialID).Scan(&one)
	if err != nil {
		return notFound("select passkey", err, "no such passkey")
	}
	return hearth.Errorf(hearth.ECONFLICT, "the passkey's signature counter did not advance: the assertion was replayed or the authenticator cloned")
}

// DeleteSecondFactors removes the account's TOTP secret, recovery codes and
// passkeys in one transaction.
func (db *DB) DeleteSecondFactors(ctx context.Context, accountID string) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := lockAccount(ctx, tx, accountID); err != nil {
			return err
		}
		for _, table := range []string{"totp_secrets", "recovery_codes", "passkeys"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE account_id = $1", accountID); err != nil {
				return wrap("delete "+table, err, nil)
			}
		}
		return nil
	})
}

// RecordSecondFactorRefusal stores r and drops the account's refusals
// beyond the hearth.MaxSecondFactorRefusals newest, under the account's
// lock; ENOTFOUND if there is no such account.
func (db *DB) RecordSecondFactorRefusal(ctx context.Context, r *hearth.SecondFactorRefusal) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		ok, err := lockAccount(ctx, tx, r.AccountID)
		if err != nil {
			return err
		}
		if !ok {
			return hearth.Errorf(hearth.ENOTFOUND, "no such account")
		}
		_, err = tx.Exec(ctx, "INSERT INTO second_factor_refusals (account_id, method, reason, at) VALUES ($1, $2, $3, $4)",
			r.AccountID, r.Method, r.Reason, ts(r.At))
		if err != nil {
			return wrap("insert second factor refusal", err, map[string]string{hearth.ENOTFOUND: "no such account"})
		}
		_, err = tx.Exec(ctx, `DELETE FROM second_factor_refusals WHERE account_id = $1 AND id <=
			(SELECT id FROM second_factor_refusals WHERE account_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
			r.AccountID, hearth.MaxSecondFactorRefusals)
		return wrap("trim second factor refusals", err, nil)
	})
}

// DeleteSecondFactorRefusals erases the refusals from before the instant
// before and returns how many.
func (db *DB) DeleteSecondFactorRefusals(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.data.Exec(ctx, "DELETE FROM second_factor_refusals WHERE at < $1", ts(before))
	if err != nil {
		return 0, wrap("delete second factor refusals", err, nil)
	}
	return tag.RowsAffected(), nil
}

// SecondFactorRefusals lists the account's refusals, newest first, at most
// limit (0 means 100).
func (db *DB) SecondFactorRefusals(ctx context.Context, accountID string, limit int) ([]hearth.SecondFactorRefusal, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, db.data, scanRefusal, "second factor refusals",
		"SELECT account_id, method, reason, at FROM second_factor_refusals WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
		accountID, limit)
}

// scanRefusal scans a refusal's account_id, method, reason and at.
func scanRefusal(row pgx.Row) (*hearth.SecondFactorRefusal, error) {
	var r hearth.SecondFactorRefusal
	var at int64
	if err := row.Scan(&r.AccountID, &r.Method, &r.Reason, &at); err != nil {
		return nil, err
	}
	r.At = fromTS(at)
	return &r, nil
}
