package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

var _ hearth.LifecycleStore = (*DB)(nil)

// SetPassword replaces an account's password hash and deletes every session
// of the account except keep, in one transaction. ENOTFOUND if there is no
// such account.
func (db *DB) SetPassword(ctx context.Context, accountID, hash string, keep []byte) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE accounts SET password_hash = $1 WHERE id = $2", hash, accountID)
		if err != nil {
			return wrap("set password", err, nil)
		}
		if tag.RowsAffected() == 0 {
			return hearth.Errorf(hearth.ENOTFOUND, "no such account")
		}
		_, err = deleteSessions(ctx, tx, accountID, keep)
		return err
	})
}

// DeleteSessionsOf deletes every session of the account except keep and
// returns how many it deleted.
func (db *DB) DeleteSessionsOf(ctx context.Context, accountID string, keep []byte) (int, error) {
	var n int
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		var err error
		n, err = deleteSessions(ctx, tx, accountID, keep)
		return err
	})
	return n, err
}

// deleteSessions deletes the account's sessions but keep (nil keeps none).
func deleteSessions(ctx context.Context, tx pgx.Tx, accountID string, keep []byte) (int, error) {
	tag, err := tx.Exec(ctx, "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2::bytea",
		accountID, keep)
	if err != nil {
		return 0, wrap("delete sessions", err, nil)
	}
	return int(tag.RowsAffected()), nil
}

// RemoveMember deletes a membership after checking, in the same
// transaction and under the household's lock, that it leaves an owner while
// members remain and no child without their guardian.
func (db *DB) RemoveMember(ctx context.Context, householdID, personID string) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error { return removeMember(ctx, tx, householdID, personID) })
}

// RemoveMemberships deletes every membership of personID in one
// transaction, each checked as by RemoveMember; the first that may not end
// rolls them all back. The households are locked in the order of their
// IDs, as every other caller of lockHousehold locks one.
func (db *DB) RemoveMemberships(ctx context.Context, personID string) ([]string, error) {
	var hhs []string
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT household_id FROM members WHERE person_id = $1 ORDER BY household_id", personID)
		if err != nil {
			return wrap("select memberships", err, nil)
		}
		hhs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return wrap("select memberships", err, nil)
		}
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

// removeMember deletes a membership inside tx, under the household's lock,
// after checking that it leaves an owner while members remain and no child
// without their guardian.
func removeMember(ctx context.Context, tx pgx.Tx, householdID, personID string) error {
	if err := lockHousehold(ctx, tx, householdID); err != nil {
		return err
	}
	role, err := memberRole(ctx, tx, householdID, personID)
	if err != nil {
		return err
	}
	if err := guardsNoChild(ctx, tx, householdID, personID); err != nil {
		return err
	}
	if role == hearth.RoleOwner {
		var owners, others int
		err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE role = 'owner'), count(*)
			FROM members WHERE household_id = $1 AND person_id <> $2`, householdID, personID).Scan(&owners, &others)
		if err != nil {
			return wrap("count members", err, nil)
		}
		if owners == 0 && others > 0 {
			return lastOwner()
		}
	}
	_, err = tx.Exec(ctx, "DELETE FROM members WHERE household_id = $1 AND person_id = $2", householdID, personID)
	return wrap("delete member", err, nil)
}

// SetRole changes a membership's role and guardian after checking, in the
// same transaction and under the household's lock, that the household
// keeps an owner and every child a guardian who is neither a child nor a
// guest.
func (db *DB) SetRole(ctx context.Context, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if err := lockHousehold(ctx, tx, m.HouseholdID); err != nil {
			return err
		}
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
			err := tx.QueryRow(ctx, "SELECT count(*) FROM members WHERE household_id = $1 AND person_id <> $2 AND role = 'owner'",
				m.HouseholdID, m.PersonID).Scan(&owners)
			if err != nil {
				return wrap("count owners", err, nil)
			}
			if owners == 0 {
				return lastOwner()
			}
		}
		_, err = tx.Exec(ctx, "UPDATE members SET role = $1, guardian_id = $2 WHERE household_id = $3 AND person_id = $4",
			string(m.Role), optString(m.GuardianID), m.HouseholdID, m.PersonID)
		return wrap("set role", err, nil)
	})
}

// memberRole returns a member's role, or ENOTFOUND.
func memberRole(ctx context.Context, tx pgx.Tx, householdID, personID string) (hearth.Role, error) {
	var role string
	err := tx.QueryRow(ctx, "SELECT role FROM members WHERE household_id = $1 AND person_id = $2",
		householdID, personID).Scan(&role)
	if err != nil {
		return "", notFound("select member", err, "no such member")
	}
	return hearth.Role(role), nil
}

// guardsNoChild returns ECONFLICT wrapping hearth.ErrGuardian if personID
// is the guardian of a child member of the household.
func guardsNoChild(ctx context.Context, tx pgx.Tx, householdID, personID string) error {
	var n int
	err := tx.QueryRow(ctx, "SELECT count(*) FROM members WHERE household_id = $1 AND guardian_id = $2 AND role = 'child'",
		householdID, personID).Scan(&n)
	if err != nil {
		return wrap("count wards", err, nil)
	}
	if n > 0 {
		return &hearth.Error{Code: hearth.ECONFLICT, Message: "the person is a child's guardian", Err: hearth.ErrGuardian}
	}
	return nil
}

// lastOwner is the error of a change that would leave a household with
// members but no owner.
func lastOwner() error {
	return &hearth.Error{Code: hearth.ECONFLICT, Message: "the household would have no owner", Err: hearth.ErrLastOwner}
}

// UnbindDevice leaves a device of householdID unclaimed with a new
// credential hash, in one conditional statement. ENOTFOUND if it is not
// bound to householdID.
func (db *DB) UnbindDevice(ctx context.Context, deviceID, householdID string, credentialHash []byte) error {
	tag, err := db.data.Exec(ctx, `UPDATE devices SET household_id = NULL, claimed = NULL, credential_hash = $1
		WHERE id = $2 AND household_id = $3`, credentialHash, deviceID, householdID)
	if err != nil {
		return wrap("unbind device", err, nil)
	}
	if tag.RowsAffected() == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no such device in the household")
	}
	return nil
}

// DeleteInvites deletes a household's unused invitations and returns how
// many it deleted. An invitation another node redeems meanwhile is either
// redeemed or deleted, never both.
func (db *DB) DeleteInvites(ctx context.Context, householdID string) (int, error) {
	tag, err := db.data.Exec(ctx, "DELETE FROM invites WHERE household_id = $1 AND used IS NULL", householdID)
	if err != nil {
		return 0, wrap("delete invites", err, nil)
	}
	return int(tag.RowsAffected()), nil
}
