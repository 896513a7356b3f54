package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hearth-iot/hearth"
)

var _ hearth.LifecycleStore = (*DB)(nil)

// SetPassword replaces an account's password hash and deletes every session
// of the account except keep, in one transaction. ENOTFOUND if there is no
// such account.
func (db *DB) SetPassword(ctx context.Context, accountID, hash string, keep []byte) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE accounts SET password_hash = ? WHERE id = ?", hash, accountID)
		if err != nil {
			return wrap("set password", err, nil)
		}
		if err := expectOne(res, "set password", "no such account"); err != nil {
			return err
		}
		_, err = deleteSessions(ctx, tx, accountID, keep)
		return err
	})
}

// DeleteSessionsOf deletes every session of the account except keep and
// returns how many it deleted.
func (db *DB) DeleteSessionsOf(ctx context.Context, accountID string, keep []byte) (int, error) {
	var n int
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var err error
		n, err = deleteSessions(ctx, tx, accountID, keep)
		return err
	})
	return n, err
}

// deleteSessions deletes the account's sessions but keep (nil keeps none).
func deleteSessions(ctx context.Context, tx *sql.Tx, accountID string, keep []byte) (int, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE account_id = ? AND token_hash IS NOT ?", accountID, keep)
	return affected("delete sessions", res, err)
}

// affected returns how many rows a statement changed, or its error
// wrapped with op.
func affected(op string, res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, wrap(op, err, nil)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return int(n), nil
}

// RemoveMember deletes a membership after checking, in the same
// transaction, that it leaves an owner while members remain and no child
// without their guardian.
func (db *DB) RemoveMember(ctx context.Context, householdID, personID string) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error { return removeMember(ctx, tx, householdID, personID) })
}

// RemoveMemberships deletes every membership of personID in one
// transaction, each checked as by RemoveMember; the first that may not end
// rolls them all back.
func (db *DB) RemoveMemberships(ctx context.Context, personID string) ([]string, error) {
	var hhs []string
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT household_id FROM members WHERE person_id = ? ORDER BY household_id", personID)
		if err != nil {
			return wrap("select memberships", err, nil)
		}
		defer rows.Close()
		hhs = nil
		for rows.Next() {
			var hh string
			if err := rows.Scan(&hh); err != nil {
				return wrap("scan membership", err, nil)
			}
			hhs = append(hhs, hh)
		}
		if err := rows.Err(); err != nil {
			return wrap("select memberships", err, nil)
		}
		rows.Close()
		for _, hh := range hhs {
			if err := removeMember(ctx, tx, hh, personID); err != nil {
				return &hearth.HouseholdError{HouseholdID: hh, Err: err}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return hhs, nil
}

// removeMember deletes a membership inside tx after checking that it
// leaves an owner while members remain and no child without their
// guardian.
func removeMember(ctx context.Context, tx *sql.Tx, householdID, personID string) error {
	role, err := memberRole(ctx, tx, householdID, personID)
	if err != nil {
		return err
	}
	if err := guardsNoChild(ctx, tx, householdID, personID); err != nil {
		return err
	}
	if role == hearth.RoleOwner {
		var owners, others int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE role = 'owner'), count(*)
			FROM members WHERE household_id = ? AND person_id != ?`, householdID, personID).Scan(&owners, &others)
		if err != nil {
			return wrap("count members", err, nil)
		}
		if owners == 0 && others > 0 {
			return lastOwner()
		}
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM members WHERE household_id = ? AND person_id = ?", householdID, personID)
	return wrap("delete member", err, nil)
}

// SetRole changes a membership's role and guardian after checking, in the
// same transaction, that the household keeps an owner and every child a
// guardian who is neither a child nor a guest.
func (db *DB) SetRole(ctx context.Context, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		role, err := memberRole(ctx, tx, m.HouseholdID, m.PersonID)
		if err != nil {
			return err
		}
		if m.Role == hearth.RoleChild || m.Role == hearth.RoleGuest {
			if err := guardsNoChild(ctx, tx, m.HouseholdID, m.PersonID); err != nil {
				return err
			}
		}
		if role == hearth.RoleOwner && m.Role != hearth.RoleOwner {
			var owners int
			err := tx.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE household_id = ? AND person_id != ? AND role = 'owner'",
				m.HouseholdID, m.PersonID).Scan(&owners)
			if err != nil {
				return wrap("count owners", err, nil)
			}
			if owners == 0 {
				return lastOwner()
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE members SET role = ?, guardian_id = ? WHERE household_id = ? AND person_id = ?",
			string(m.Role), optString(m.GuardianID), m.HouseholdID, m.PersonID)
		return wrap("set role", err, nil)
	})
}

// memberRole returns a member's role, or ENOTFOUND.
func memberRole(ctx context.Context, tx *sql.Tx, householdID, personID string) (hearth.Role, error) {
	var role string
	err := tx.QueryRowContext(ctx, "SELECT role FROM members WHERE household_id = ? AND person_id = ?",
		householdID, personID).Scan(&role)
	if err != nil {
		return "", notFound("select member", err, "no such member")
	}
	return hearth.Role(role), nil
}

// guardsNoChild returns ECONFLICT wrapping hearth.ErrGuardian if personID
// is the guardian of a child member of the household.
func guardsNoChild(ctx context.Context, tx *sql.Tx, householdID, personID string) error {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE household_id = ? AND guardian_id = ? AND role = 'child'",
		householdID, personID).Scan(&n)
	if err != nil {
		return wrap("count wards", err, nil)
	}
	if n > 0 {
		return &hearth.Error{Code: hearth.ECONFLICT, Message: "the person is a child's guardian", Err: hearth.ErrGuardian}
	}
	return nil
}

func lastOwner() error {
	return &hearth.Error{Code: hearth.ECONFLICT, Message: "the household would have no owner", Err: hearth.ErrLastOwner}
}

// UnbindDevice leaves a device of householdID unclaimed with a new
// credential hash. ENOTFOUND if it is not bound to householdID.
func (db *DB) UnbindDevice(ctx context.Context, deviceID, householdID string, credentialHash []byte) error {
	res, err := exec(ctx, db.data, `UPDATE devices SET household_id = NULL, claimed = NULL, credential_hash = ?
		WHERE id = ? AND household_id = ?`, credentialHash, deviceID, householdID)
	if err != nil {
		return wrap("unbind device", err, nil)
	}
	return expectOne(res, "unbind device", "no such device in the household")
}

// DeleteInvites deletes a household's unused invitations and returns how
// many it deleted.
func (db *DB) DeleteInvites(ctx context.Context, householdID string) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM invites WHERE household_id = ? AND used IS NULL", householdID)
	return affected("delete invites", res, err)
}
