package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearth-iot/hearth"
)

// CreateHousehold stores a household with its first member, in one
// transaction. ECONFLICT if the household ID is taken; ENOTFOUND if the
// owner's person does not exist.
func (db *DB) CreateHousehold(ctx context.Context, h *hearth.Household, owner *hearth.Member) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO households (id, name, created) VALUES (?, ?, ?)",
			h.ID, h.Name, ts(h.Created))
		if err != nil {
			return wrap("insert household", err, map[string]string{hearth.ECONFLICT: "that household exists already"})
		}
		return insertMember(ctx, tx, owner)
	})
}

// insertMember inserts m; ECONFLICT if the person is a member already,
// ENOTFOUND if the household or person does not exist.
func insertMember(ctx context.Context, tx *sql.Tx, m *hearth.Member) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO members (household_id, person_id, role, guardian_id, added) VALUES (?, ?, ?, ?, ?)",
		m.HouseholdID, m.PersonID, string(m.Role), optString(m.GuardianID), ts(m.Added))
	return wrap("insert member", err, map[string]string{
		hearth.ECONFLICT: "that person is a member of the household already",
		hearth.ENOTFOUND: "no such household or person",
	})
}

// Household returns the household with that ID, or ENOTFOUND.
func (db *DB) Household(ctx context.Context, id string) (*hearth.Household, error) {
	row := db.data.r.QueryRowContext(ctx, "SELECT id, name, created FROM households WHERE id = ?", id)
	h, err := scanHousehold(row)
	if err != nil {
		return nil, notFound("select household", err, "no such household")
	}
	return h, nil
}

func scanHousehold(row rowScanner) (*hearth.Household, error) {
	var h hearth.Household
	var created int64
	if err := row.Scan(&h.ID, &h.Name, &created); err != nil {
		return nil, err
	}
	h.Created = fromTS(created)
	return &h, nil
}

// HouseholdsOf lists the households personID is a member of, oldest
// household first; an empty list if none.
func (db *DB) HouseholdsOf(ctx context.Context, personID string) ([]hearth.Household, error) {
	return queryAll(ctx, db.data, scanHousehold, "households", `SELECT h.id, h.name, h.created
		FROM households h JOIN members m ON m.household_id = h.id
		WHERE m.person_id = ? ORDER BY h.created, h.rowid`, personID)
}

// CreatePerson stores a person without an account and their membership of
// m.HouseholdID, in one transaction. ECONFLICT if the person ID is taken;
// ENOTFOUND if the household does not exist.
func (db *DB) CreatePerson(ctx context.Context, p *hearth.Person, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		if err := insertPerson(ctx, tx, p); err != nil {
			return err
		}
		return insertMember(ctx, tx, m)
	})
}

// Person returns the person with that ID, or ENOTFOUND.
func (db *DB) Person(ctx context.Context, id string) (*hearth.Person, error) {
	var p hearth.Person
	var hh, acct sql.NullString
	var created int64
	err := db.data.r.QueryRowContext(ctx,
		"SELECT id, household_id, display_name, account_id, created FROM persons WHERE id = ?", id).
		Scan(&p.ID, &hh, &p.DisplayName, &acct, &created)
	if err != nil {
		return nil, notFound("select person", err, "no such person")
	}
	p.HouseholdID, p.AccountID, p.Created = hh.String, acct.String, fromTS(created)
	return &p, nil
}

// AddMember stores a membership. ECONFLICT if the person is a member
// already; ENOTFOUND if the household or person does not exist.
func (db *DB) AddMember(ctx context.Context, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error { return insertMember(ctx, tx, m) })
}

const memberCols = "household_id, person_id, role, guardian_id, added"

// Member returns personID's membership of householdID, or ENOTFOUND.
func (db *DB) Member(ctx context.Context, householdID, personID string) (*hearth.Member, error) {
	row := db.data.r.QueryRowContext(ctx,
		"SELECT "+memberCols+" FROM members WHERE household_id = ? AND person_id = ?", householdID, personID)
	m, err := scanMember(row)
	if err != nil {
		return nil, notFound("select member", err, "no such member")
	}
	return m, nil
}

func scanMember(row rowScanner) (*hearth.Member, error) {
	var m hearth.Member
	var role string
	var guardian sql.NullString
	var added int64
	if err := row.Scan(&m.HouseholdID, &m.PersonID, &role, &guardian, &added); err != nil {
		return nil, err
	}
	m.Role, m.GuardianID, m.Added = hearth.Role(role), guardian.String, fromTS(added)
	return &m, nil
}

// Members lists a household's members, oldest membership first; an empty
// list for an unknown household.
func (db *DB) Members(ctx context.Context, householdID string) ([]hearth.Member, error) {
	return queryAll(ctx, db.data, scanMember, "members",
		"SELECT "+memberCols+" FROM members WHERE household_id = ? ORDER BY added, rowid", householdID)
}

// CreateInvite stores an invitation. ECONFLICT if the token hash is taken;
// ENOTFOUND if the household does not exist.
func (db *DB) CreateInvite(ctx context.Context, inv *hearth.Invite) error {
	_, err := exec(ctx, db.data, `INSERT INTO invites
		(token_hash, household_id, role, invited_by, expires, created) VALUES (?, ?, ?, ?, ?, ?)`,
		inv.TokenHash, inv.HouseholdID, string(inv.Role), inv.InvitedBy, ts(inv.Expires), ts(inv.Created))
	return wrap("insert invite", err, map[string]string{
		hearth.ECONFLICT: "that invitation exists already",
		hearth.ENOTFOUND: "no such household",
	})
}

// RedeemInvite uses up an invitation and adds personID to its household with
// the invited role (added at now), in one transaction. ENOTFOUND for an
// unknown token, ECONFLICT if it was used already or the person is a member
// already, EGONE if it expired (now is not before its expiry).
func (db *DB) RedeemInvite(ctx context.Context, tokenHash []byte, personID string, now time.Time) (*hearth.Member, error) {
	var m *hearth.Member
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var hh, role string
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT household_id, role, expires, used FROM invites WHERE token_hash = ?",
			tokenHash).Scan(&hh, &role, &expires, &used)
		if err != nil {
			return notFound("select invite", err, "no such invitation")
		}
		if err := usable(used, expires, now, "invitation"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invites SET used = ? WHERE token_hash = ?", ts(now), tokenHash); err != nil {
			return wrap("use invite", err, nil)
		}
		m = &hearth.Member{HouseholdID: hh, PersonID: personID, Role: hearth.Role(role), Added: now}
		return insertMember(ctx, tx, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// usable checks a one-time code: ECONFLICT if used, EGONE if expired at now.
func usable(used sql.NullInt64, expires int64, now time.Time, what string) error {
	if used.Valid {
		return hearth.Errorf(hearth.ECONFLICT, "that %s was used already", what)
	}
	if !now.Before(fromTS(expires)) {
		return hearth.Errorf(hearth.EGONE, "that %s has expired", what)
	}
	return nil
}
