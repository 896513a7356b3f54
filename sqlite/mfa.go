package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearth-iot/hearth"
)

// SetOperator grants or revokes the operator role; ENOTFOUND if there is
// no such account.
func (db *DB) SetOperator(ctx context.Context, accountID string, operator bool) error {
	res, err := exec(ctx, db.data, "UPDATE accounts SET operator = ? WHERE id = ?", operator, accountID)
	return affectedOne("set operator", res, err, "no such account")
}

// PutTOTP stores an unconfirmed TOTP secret, replacing an unconfirmed one;
// ECONFLICT if the account has a confirmed one, ENOTFOUND if there is no
// such account.
func (db *DB) PutTOTP(ctx context.Context, t *hearth.TOTP) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM totp_secrets WHERE account_id = ? AND confirmed IS NULL", t.AccountID); err != nil {
			return wrap("replace totp secret", err, nil)
		}
		_, err := tx.ExecContext(ctx,
			"INSERT INTO totp_secrets (account_id, secret, confirmed, last_step, created) VALUES (?, ?, ?, ?, ?)",
			t.AccountID, t.Secret, optTS(t.Confirmed), t.LastStep, ts(t.Created))
		return wrap("insert totp secret", err, map[string]string{
			hearth.ECONFLICT: "an authenticator app is set up already: disable it first",
			hearth.ENOTFOUND: "no such account",
		})
	})
}

// TOTP returns the account's TOTP secret, or ENOTFOUND.
func (db *DB) TOTP(ctx context.Context, accountID string) (*hearth.TOTP, error) {
	var t hearth.TOTP
	var confirmed sql.NullInt64
	var created int64
	err := db.data.r.QueryRowContext(ctx,
		"SELECT account_id, secret, confirmed, last_step, created FROM totp_secrets WHERE account_id = ?", accountID).
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
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"UPDATE totp_secrets SET confirmed = ?, last_step = ? WHERE account_id = ? AND confirmed IS NULL",
			ts(at), step, accountID)
		if err := affectedOne("confirm totp secret", res, err, "no authenticator app is waiting for its first code"); err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, accountID, codeHashes)
	})
}

func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, accountID string, codeHashes [][]byte) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE account_id = ?", accountID); err != nil {
		return wrap("delete recovery codes", err, nil)
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)", accountID, h); err != nil {
			return wrap("insert recovery code", err, map[string]string{hearth.ENOTFOUND: "no such account"})
		}
	}
	return nil
}

// ReplaceRecoveryCodes replaces the account's recovery codes in one
// transaction; ENOTFOUND if there is no such account.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes [][]byte) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		return replaceRecoveryCodes(ctx, tx, accountID, codeHashes)
	})
}

// UseTOTPStep accepts step if it is after the last accepted one; ECONFLICT
// for a replay, ENOTFOUND without a confirmed secret.
func (db *DB) UseTOTPStep(ctx context.Context, accountID string, step int64) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx,
			"SELECT last_step FROM totp_secrets WHERE account_id = ? AND confirmed IS NOT NULL", accountID).Scan(&last)
		if err != nil {
			return notFound("select totp step", err, "no authenticator app is set up")
		}
		if step <= last {
			return hearth.Errorf(hearth.ECONFLICT, "this code was used already: wait for the next one")
		}
		_, err = tx.ExecContext(ctx, "UPDATE totp_secrets SET last_step = ? WHERE account_id = ?", step, accountID)
		return wrap("update totp step", err, nil)
	})
}

// UseRecoveryCode marks a recovery code used; ECONFLICT if it was used
// already, ENOTFOUND if there is no such code.
func (db *DB) UseRecoveryCode(ctx context.Context, accountID string, codeHash []byte, at time.Time) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx,
			"SELECT used FROM recovery_codes WHERE account_id = ? AND code_hash = ?", accountID, codeHash).Scan(&used)
		if err != nil {
			return notFound("select recovery code", err, "no such recovery code")
		}
		if used.Valid {
			return hearth.Errorf(hearth.ECONFLICT, "this recovery code was used already: each works once")
		}
		_, err = tx.ExecContext(ctx, "UPDATE recovery_codes SET used = ? WHERE account_id = ? AND code_hash = ?",
			ts(at), accountID, codeHash)
		return wrap("use recovery code", err, nil)
	})
}

// RecoveryCodesLeft counts the account's unused recovery codes.
func (db *DB) RecoveryCodesLeft(ctx context.Context, accountID string) (int, error) {
	var n int
	err := db.data.r.QueryRowContext(ctx,
		"SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used IS NULL", accountID).Scan(&n)
	return n, wrap("count recovery codes", err, nil)
}

const passkeyCols = "credential_id, account_id, record, sign_count, created, last_used"

// AddPasskey stores a passkey; ECONFLICT if its credential ID is taken,
// ENOTFOUND if there is no such account.
func (db *DB) AddPasskey(ctx context.Context, p *hearth.Passkey) error {
	_, err := exec(ctx, db.data, "INSERT INTO passkeys ("+passkeyCols+") VALUES (?, ?, ?, ?, ?, ?)",
		p.CredentialID, p.AccountID, p.Record, p.SignCount, ts(p.Created), optTS(p.LastUsed))
	return wrap("insert passkey", err, map[string]string{
		hearth.ECONFLICT: "this passkey is registered already",
		hearth.ENOTFOUND: "no such account",
	})
}

// Passkeys lists the account's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, accountID string) ([]hearth.Passkey, error) {
	return queryAll(ctx, db.data, scanPasskey, "passkeys",
		"SELECT "+passkeyCols+" FROM passkeys WHERE account_id = ? ORDER BY created, credential_id", accountID)
}

func scanPasskey(row rowScanner) (*hearth.Passkey, error) {
	var p hearth.Passkey
	var created int64
	var lastUsed sql.NullInt64
	if err := row.Scan(&p.CredentialID, &p.AccountID, &p.Record, &p.SignCount, &created, &lastUsed); err != nil {
		return nil, err
	}
	p.Created, p.LastUsed = fromTS(created), fromOptTS(lastUsed)
	return &p, nil
}

// UsePasskey records a use with the authenticator's new sign count;
// ECONFLICT if the count did not increase (either being non-zero),
// ENOTFOUND if the account has no such passkey.
func (db *DB) UsePasskey(ctx context.Context, accountID string, credentialID []byte, signCount uint32, at time.Time) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var stored uint32
		err := tx.QueryRowContext(ctx,
			"SELECT sign_count FROM passkeys WHERE account_id = ? AND credential_id = ?", accountID, credentialID).Scan(&stored)
		if err != nil {
			return notFound("select passkey", err, "no such passkey")
		}
		if (stored != 0 || signCount != 0) && signCount <= stored {
			return hearth.Errorf(hearth.ECONFLICT, "the passkey's signature counter did not advance: the assertion was replayed or the authenticator cloned")
		}
		_, err = tx.ExecContext(ctx, "UPDATE passkeys SET sign_count = ?, last_used = ? WHERE credential_id = ?",
			signCount, ts(at), credentialID)
		return wrap("use passkey", err, nil)
	})
}

// DeleteSecondFactors removes the account's TOTP secret, recovery codes and
// passkeys in one transaction.
func (db *DB) DeleteSecondFactors(ctx context.Context, accountID string) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		for _, table := range []string{"totp_secrets", "recovery_codes", "passkeys"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE account_id = ?", accountID); err != nil {
				return wrap("delete "+table, err, nil)
			}
		}
		return nil
	})
}

// RecordSecondFactorRefusal stores r and drops the account's refusals
// beyond the hearth.MaxSecondFactorRefusals newest; ENOTFOUND if there is
// no such account.
func (db *DB) RecordSecondFactorRefusal(ctx context.Context, r *hearth.SecondFactorRefusal) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO second_factor_refusals (account_id, method, reason, at) VALUES (?, ?, ?, ?)",
			r.AccountID, r.Method, r.Reason, ts(r.At))
		if err != nil {
			return wrap("insert second factor refusal", err, map[string]string{hearth.ENOTFOUND: "no such account"})
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM second_factor_refusals WHERE account_id = ? AND id <=
			(SELECT id FROM second_factor_refusals WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			r.AccountID, r.AccountID, hearth.MaxSecondFactorRefusals)
		return wrap("trim second factor refusals", err, nil)
	})
}

// DeleteSecondFactorRefusals erases the refusals from before the instant
// before and returns how many.
func (db *DB) DeleteSecondFactorRefusals(ctx context.Context, before time.Time) (int64, error) {
	res, err := exec(ctx, db.data, "DELETE FROM second_factor_refusals WHERE at < ?", ts(before))
	if err != nil {
		return 0, wrap("delete second factor refusals", err, nil)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete second factor refusals", err, nil)
}

// SecondFactorRefusals lists the account's refusals, newest first, at most
// limit (0 means DefaultLimit).
func (db *DB) SecondFactorRefusals(ctx context.Context, accountID string, limit int) ([]hearth.SecondFactorRefusal, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return queryAll(ctx, db.data, scanRefusal, "second factor refusals",
		"SELECT account_id, method, reason, at FROM second_factor_refusals WHERE account_id = ? ORDER BY id DESC LIMIT ?",
		accountID, limit)
}

func scanRefusal(row rowScanner) (*hearth.SecondFactorRefusal, error) {
	var r hearth.SecondFactorRefusal
	var at int64
	if err := row.Scan(&r.AccountID, &r.Method, &r.Reason, &at); err != nil {
		return nil, err
	}
	r.At = fromTS(at)
	return &r, nil
}
