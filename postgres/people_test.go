package postgres_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/postgres"
)

// The tests in this file race two nodes (two stores on the same databases)
// on the people areas' read-modify-writes: of nodes doing the same one-time
// thing at once exactly one may succeed, and the checks that keep a
// household an owner may not be passed by two changes that each see the
// other's owner.

// storeAccount stores an account and its person on db.
func storeAccount(t *testing.T, db *postgres.DB) *hearth.Account {
	t.Helper()
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "P", Created: time.Unix(1, 0)}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(hearth.NewID("") + "@example.org"),
		PasswordHash: "h", PersonID: p.ID, Created: p.Created}
	p.AccountID = a.ID
	if err := db.CreateAccount(t.Context(), a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

// storeHome stores a household owned by a new account's person on db and
// returns the household's and the owner's IDs.
func storeHome(t *testing.T, db *postgres.DB) (hh, owner string) {
	t.Helper()
	a := storeAccount(t, db)
	h := &hearth.Household{ID: hearth.NewID("hh_"), Name: "Home", Created: time.Unix(1, 0)}
	if err := db.CreateHousehold(t.Context(), h, &hearth.Member{HouseholdID: h.ID, PersonID: a.PersonID,
		Role: hearth.RoleOwner, Added: time.Unix(1, 0)}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	return h.ID, a.PersonID
}

// addMember adds a new account's person to hh with role on db.
func addMember(t *testing.T, db *postgres.DB, hh string, role hearth.Role) string {
	t.Helper()
	a := storeAccount(t, db)
	if err := db.AddMember(t.Context(), &hearth.Member{HouseholdID: hh, PersonID: a.PersonID, Role: role,
		Added: time.Unix(2, 0)}); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	return a.PersonID
}

// An invitation redeemed by several people through two nodes at once adds
// exactly one of them.
func TestRedeemInviteRace(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	hh, _ := storeHome(t, db)
	const n = 8
	var people []string
	for range n {
		people = append(people, storeAccount(t, db).PersonID)
	}
	tok := []byte("invite-token")
	if err := db.CreateInvite(t.Context(), &hearth.Invite{TokenHash: tok, HouseholdID: hh, Role: hearth.RoleAdult,
		InvitedBy: "p_x", Expires: time.Unix(3600, 0), Created: time.Unix(1, 0)}); err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	codes := raceOn(nodes, n, func(db *postgres.DB, i int) error {
		_, err := db.RedeemInvite(t.Context(), tok, people[i], time.Unix(60, 0))
		return err
	})
	win := oneWinner(t, "RedeemInvite", codes)
	for i, p := range people {
		_, err := db.Member(t.Context(), hh, p)
		if member := err == nil; member != (i == win) {
			t.Errorf("person %d a member: %v (err %v), want %v", i, member, err, i == win)
		}
	}
}

// One person redeeming two invitations to the same household at once
// becomes a member once; the refused invitation stays unused.
func TestRedeemTwoInvitesRace(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	hh, _ := storeHome(t, db)
	p := storeAccount(t, db).PersonID
	toks := [][]byte{[]byte("tok-a"), []byte("tok-b")}
	for _, tok := range toks {
		if err := db.CreateInvite(t.Context(), &hearth.Invite{TokenHash: tok, HouseholdID: hh, Role: hearth.RoleAdult,
			InvitedBy: "p_x", Expires: time.Unix(3600, 0), Created: time.Unix(1, 0)}); err != nil {
			t.Fatalf("CreateInvite: %v", err)
		}
	}
	codes := raceOn(nodes, 2, func(db *postgres.DB, i int) error {
		_, err := db.RedeemInvite(t.Context(), toks[i], p, time.Unix(60, 0))
		return err
	})
	oneWinner(t, "RedeemInvite of two invitations", codes)
	n, err := db.DeleteInvites(t.Context(), hh)
	if err != nil || n != 1 {
		t.Errorf("DeleteInvites = %d, %v; want the loser's invitation (1) still unused", n, err)
	}

}

// Two owners leaving (or stepping down) at once through two nodes: one
// may, the other is then the last owner and is refused; the household
// keeps exactly one owner.
func TestLastOwnerRace(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	for _, how := range []string{"RemoveMember", "SetRole"} {
		for round := range 5 {
			hh, first := storeHome(t, db)
			second := addMember(t, db, hh, hearth.RoleOwner)
			addMember(t, db, hh, hearth.RoleGuest)
			owners := []string{first, second}
			codes := raceOn(nodes, 2, func(db *postgres.DB, i int) error {
				if how == "SetRole" {
					return db.SetRole(t.Context(), &hearth.Member{HouseholdID: hh, PersonID: owners[i], Role: hearth.RoleAdult})
				}
				return db.RemoveMember(t.Context(), hh, owners[i])
			})
			oneWinner(t, fmt.Sprintf("%s of both owners, round %d", how, round), codes)
			ms, err := db.Members(t.Context(), hh)
			if err != nil {
				t.Fatalf("Members: %v", err)
			}
			if n := countRole(ms, hearth.RoleOwner); n != 1 {
				t.Errorf("%s round %d: %d owners left, want 1", how, round, n)
			}
		}
	}
}

func countRole(ms []hearth.Member, r hearth.Role) int {
	n := 0
	for _, m := range ms {
		if m.Role == r {
			n++
		}
	}
	return n
}

// Second factors used at once through two nodes are accepted once
// (SEC-MFA: a code or assertion cannot be replayed on another node).
func TestSecondFactorRaces(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	ctx := t.Context()
	a := storeAccount(t, db)
	if err := db.PutTOTP(ctx, &hearth.TOTP{AccountID: a.ID, Secret: "S", Created: time.Unix(1, 0)}); err != nil {
		t.Fatalf("PutTOTP: %v", err)
	}
	if err := db.ConfirmTOTP(ctx, a.ID, 1, [][]byte{[]byte("code")}, time.Unix(2, 0)); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if err := db.AddPasskey(ctx, &hearth.Passkey{CredentialID: []byte("cred"), AccountID: a.ID, Record: []byte("r"),
		SignCount: 1, Created: time.Unix(1, 0)}); err != nil {
		t.Fatalf("AddPasskey: %v", err)
	}
	const n = 8
	oneWinner(t, "UseTOTPStep", raceOn(nodes, n, func(db *postgres.DB, _ int) error {
		return db.UseTOTPStep(ctx, a.ID, 5)
	}))
	oneWinner(t, "UseRecoveryCode", raceOn(nodes, n, func(db *postgres.DB, _ int) error {
		return db.UseRecoveryCode(ctx, a.ID, []byte("code"), time.Unix(3, 0))
	}))
	oneWinner(t, "UsePasskey", raceOn(nodes, n, func(db *postgres.DB, _ int) error {
		return db.UsePasskey(ctx, a.ID, []byte("cred"), 7, time.Unix(3, 0))
	}))
	tt, err := db.TOTP(ctx, a.ID)
	if err != nil || tt.LastStep != 5 {
		t.Errorf("TOTP = %+v, %v; want LastStep 5", tt, err)
	}
}

// Recovery codes replaced at once through two nodes end as one of the
// sets, never a mix.
func TestReplaceRecoveryCodesRace(t *testing.T) {
	data, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	a := storeAccount(t, db)
	const n = 6
	sets := make([][][]byte, n)
	for i := range n {
		for j := range 3 {
			sets[i] = append(sets[i], []byte(fmt.Sprintf("set%d-code%d", i, j)))
		}
	}
	codes := raceOn(nodes, n, func(db *postgres.DB, i int) error {
		return db.ReplaceRecoveryCodes(t.Context(), a.ID, sets[i])
	})
	for i, c := range codes {
		if c != "" {
			t.Errorf("ReplaceRecoveryCodes %d: %s", i, c)
		}
	}
	got := codeHashes(t, data, a.ID)
	if !slices.ContainsFunc(sets, func(set [][]byte) bool { return slices.EqualFunc(set, got, bytes.Equal) }) {
		t.Errorf("recovery codes after racing replacements = %q, want exactly one of the sets", got)
	}
}

// codeHashes returns the account's recovery code hashes, in order.
func codeHashes(t *testing.T, url, accountID string) [][]byte {
	t.Helper()
	var got [][]byte
	query(t, url, fmt.Sprintf("SELECT coalesce(array_agg(code_hash ORDER BY code_hash), '{}') FROM recovery_codes WHERE account_id = '%s'", accountID), &got)
	return got
}

// Refusals recorded at once through two nodes beyond the limit leave
// exactly the limit, the newest.
func TestSecondFactorRefusalsRace(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	a := storeAccount(t, db)
	n := hearth.MaxSecondFactorRefusals + 40
	codes := raceOn(nodes, n, func(db *postgres.DB, i int) error {
		return db.RecordSecondFactorRefusal(t.Context(), &hearth.SecondFactorRefusal{AccountID: a.ID,
			Method: hearth.FactorTOTP, Reason: "replayed", At: time.Unix(int64(i), 0)})
	})
	for i, c := range codes {
		if c != "" {
			t.Fatalf("RecordSecondFactorRefusal %d: %s", i, c)
		}
	}
	got, err := db.SecondFactorRefusals(t.Context(), a.ID, 2*n)
	if err != nil {
		t.Fatalf("SecondFactorRefusals: %v", err)
	}
	if len(got) != hearth.MaxSecondFactorRefusals {
		t.Errorf("%d refusals kept, want %d", len(got), hearth.MaxSecondFactorRefusals)
	}
}

// A new authenticator set up at once through two nodes: both replace the
// unconfirmed secret, one is stored; once confirmed, one confirmation wins.
func TestTOTPSetupRace(t *testing.T) {
	_, nodes := openNodes(t, 2, 0)
	db := nodes[0]
	a := storeAccount(t, db)
	const n = 6
	codes := raceOn(nodes, n, func(db *postgres.DB, i int) error {
		return db.PutTOTP(t.Context(), &hearth.TOTP{AccountID: a.ID, Secret: fmt.Sprint("S", i), Created: time.Unix(1, 0)})
	})
	for i, c := range codes {
		if c != "" {
			t.Errorf("PutTOTP %d: %s, want each to replace the unconfirmed secret", i, c)
		}
	}
	codes = raceOn(nodes, n, func(db *postgres.DB, i int) error {
		return db.ConfirmTOTP(t.Context(), a.ID, int64(i+1), [][]byte{[]byte(fmt.Sprint("c", i))}, time.Unix(2, 0))
	})
	win := -1
	for i, c := range codes {
		switch {
		case c == "" && win >= 0:
			t.Errorf("ConfirmTOTP %d and %d both succeeded", win, i)
		case c == "":
			win = i
		case c != hearth.ENOTFOUND:
			t.Errorf("ConfirmTOTP %d: %s, want ENOTFOUND (confirmed already)", i, c)
		}
	}
	if win < 0 {
		t.Fatalf("no ConfirmTOTP succeeded: %v", codes)
	}
	tt, err := db.TOTP(t.Context(), a.ID)
	if err != nil || tt.LastStep != int64(win+1) {
		t.Errorf("TOTP = %+v, %v; want the winner's step %d", tt, err, win+1)
	}
	left, err := db.RecoveryCodesLeft(t.Context(), a.ID)
	if err != nil || left != 1 {
		t.Errorf("RecoveryCodesLeft = %d, %v; want the winner's 1", left, err)
	}
	err = db.PutTOTP(t.Context(), &hearth.TOTP{AccountID: a.ID, Secret: "late", Created: time.Unix(3, 0)})
	if hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("PutTOTP over the confirmed secret: %v, want ECONFLICT", err)
	}
}
