package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// CreateHousehold stores a household with its first member, in one
// transaction. ECONFLICT if the household ID is taken; ENOTFOUND if the
// owner's person does not exist.
func (db *DB) CreateHousehold(ctx context.Context, h *hearth.Household, owner *hearth.Member) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO households (id, name, created) VALUES ($1, $2, $3)",
			h.ID, h.Name, ts(h.Created))
		if err != nil {
			return wrap("insert household", err, map[string]string{hearth.ECONFLICT: "that household exists already"})
		}
		return insertMember(ctx, tx, owner)
	})
}

// lockHousehold locks the household's row until tx ends, so that changes
// of its members from several nodes happen one after the other and the
// checks that keep it an owner and every child a guardian see each
// other's result. A missing household is not an error here: the
// statement that follows reports it.
func lockHousehold(ctx context.Context, tx pgx.Tx, householdID string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM households WHERE id = $1 FOR NO KEY UPDATE", householdID).Scan(&one)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return wrap("lock household", err, nil)
	}
	return nil
}

// insertMember inserts m inside tx, under the household's lock; ECONFLICT
// if the person is a member already, ENOTFOUND if the household or person
// does not exist.
func insertMember(ctx context.Context, tx pgx.Tx, m *hearth.Member) error {
	if err := lockHousehold(ctx, tx, m.HouseholdID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx,
		"INSERT INTO members (household_id, person_id, role, guardian_id, added) VALUES ($1, $2, $3, $4, $5)",
		m.HouseholdID, m.PersonID, string(m.Role), optString(m.GuardianID), ts(m.Added))
	return wrap("insert member", err, map[string]string{
		hearth.ECONFLICT: "that person is a member of the household already",
		hearth.ENOTFOUND: "no such household or person",
	})
}

// Household returns the household with that ID, or ENOTFOUND.
func (db *DB) Household(ctx context.Context, id string) (*hearth.Household, error) {
	h, err := scanHousehold(db.data.QueryRow(ctx, "SELECT id, name, created FROM households WHERE id = $1", id))
	if err != nil {
		return nil, notFound("select household", err, "no such household")
	}
	return h, nil
}

// scanHousehold scans a household's id, name and created.
func scanHousehold(row pgx.Row) (*hearth.Household, error) {
	var h hearth.Household
	var created int64
	if err := row.Scan(&h.ID, &h.Name, &created); err != nil {
		return nil, err
	}
	h.Created = fromTS(created)
	return &h, nil
}

// HouseholdsOf lists the households personID is a member of, oldest
// household first (the first stored first among those created at the same
// instant); an empty list if none.
func (db *DB) HouseholdsOf(ctx context.Context, personID string) ([]hearth.Household, error) {
	return queryAll(ctx, db.data, scanHousehold, "households", `SELECT h.id, h.name, h.created
		FROM households h JOIN members m ON m.household_id = h.id
		WHERE m.person_id = $1 ORDER BY h.created, h.seq`, personID)
}

// CreatePerson stores a person without an account and their membership of
// m.HouseholdID, in one transaction. ECONFLICT if the person ID is taken;
// ENOTFOUND if the household does not exist.
func (db *DB) CreatePerson(ctx context.Context, p *hearth.Person, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if err := insertPerson(ctx, tx, p); err != nil {
			return err
		}
		return insertMember(ctx, tx, m)
	})
}

// Person returns the person with that ID, or ENOTFOUND.
func (db *DB) Person(ctx context.Context, id string) (*hearth.Person, error) {
	var p hearth.Person
	var hh, acct *string
	var created int64
	err := db.data.QueryRow(ctx,
		"SELECT id, household_id, display_name, account_id, created FROM persons WHERE id = $1", id).
		Scan(&p.ID, &hh, &p.DisplayName, &acct, &created)
	if err != nil {
		return nil, notFound("select person", err, "no such person")
	}
	p.HouseholdID, p.AccountID, p.Created = str(hh), str(acct), fromTS(created)
	return &p, nil
}

// AddMember stores a membership. ECONFLICT if the person is a member
// already; ENOTFOUND if the household or person does not exist.
func (db *DB) AddMember(ctx context.Context, m *hearth.Member) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error { return insertMember(ctx, tx, m) })
}

const memberCols = "household_id, person_id, role, guardian_id, added"

// Member returns personID's membership of householdID, or ENOTFOUND.
func (db *DB) Member(ctx context.Context, householdID, personID string) (*hearth.Member, error) {
	row := db.data.QueryRow(ctx,
		"SELECT "+memberCols+" FROM members WHERE household_id = $1 AND person_id = $2", householdID, personID)
	m, err := scanMember(row)
	if err != nil {
		return nil, notFound("select member", err, "no such member")
	}
	return m, nil
}

// scanMember scans the memberCols of row.
func scanMember(row pgx.Row) (*hearth.Member, error) {
	var m hearth.Member
	var role string
	var guardian *string
	var added int64
	if err := row.Scan(&m.HouseholdID, &m.PersonID, &role, &guardian, &added); err != nil {
		return nil, err
	}
	m.Role, m.GuardianID, m.Added = hearth.Role(role), str(guardian), fromTS(added)
	return &m, nil
}

// Members lists a household's members, oldest membership first (the first
// stored first among those added at the same instant); an empty list for
// an unknown household.
func (db *DB) Members(ctx context.Context, householdID string) ([]hearth.Member, error) {
	return queryAll(ctx, db.data, scanMember, "members",
		"SELECT "+memberCols+" FROM members WHERE household_id = $1 ORDER BY added, seq", householdID)
}

// CreateInvite stores an invitation. ECONFLICT if the token hash is taken;
// ENOTFOUND if the household does not exist.
func (db *DB) CreateInvite(ctx context.Context, inv *hearth.Invite) error {
	_, err := db.data.Exec(ctx, `INSERT INTO invites
		(token_hash, household_id, role, invited_by, expires, created) VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.TokenHash, inv.HouseholdID, string(inv.Role), inv.InvitedBy, ts(inv.Expires), ts(inv.Created))
	return wrap("insert invite", err, map[string]string{
		hearth.ECONFLICT: "that invitation exists already",
		hearth.ENOTFOUND: "no such household",
	})
}

// RedeemInvite uses up an invitation and adds personID to its household with
// the invited role (added at now), in one transaction. ENOTFOUND for an
// unknown token, ECONFLICT if it was used already or the person is a member
// already, EGONE if it expired (now is not before its expiry). The
// invitation is marked used by one conditional UPDATE, so when two nodes
// redeem it at once exactly one succeeds.
func (db *DB) RedeemInvite(ctx context.Context, tokenHash []byte, personID string, now time.Time) (*hearth.Member, error) {
	var m *hearth.Member
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		var hh, role string
		err := tx.QueryRow(ctx, `UPDATE invites SET used = $2
			WHERE token_hash = $1 AND used IS NULL AND expires > $2 RETURNING household_id, role`,
			tokenHash, ts(now)).Scan(&hh, &role)
		if errors.Is(err, pgx.ErrNoRows) {
			return whyUnusable(ctx, tx, tokenHash, now)
		}
		if err != nil {
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

// whyUnusable returns why the invitation with tokenHash could not be used
// at now: ENOTFOUND, ECONFLICT or EGONE.
func whyUnusable(ctx context.Context, tx pgx.Tx, tokenHash []byte, now time.Time) error {
	var expires int64
	var used *int64
	err := tx.QueryRow(ctx, "SELECT expires, used FROM invites WHERE token_hash = $1", tokenHash).Scan(&expires, &used)
	if err != nil {
		return notFound("select invite", err, "no such invitation")
	}
	if err := usable(used, expires, now, "invitation"); err != nil {
		return err
	}
	return fmt.Errorf("use invite: the invitation is usable but was not used")
}
