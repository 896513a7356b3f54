package sealstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/hearth-iot/hearth"
)

// CreateAccount seals the address and the display name, stores the
// address's blind index in its place, and creates the account and person
// in the wrapped store. It returns ECONFLICT, as the wrapped store does, if
// the address (in any letter case) is taken; it checks that first, so a
// sign-up with a taken address stores no data key for the refused person.
func (st *Store) CreateAccount(ctx context.Context, a *hearth.Account, p *hearth.Person) error {
	ix, err := st.emailIndex(ctx, a.Email)
	if err != nil {
		return err
	}
	_, err = st.Store.AccountByEmail(ctx, ix)
	switch {
	case err == nil:
		return hearth.Errorf(hearth.ECONFLICT, "an account with that e-mail address exists already")
	case hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return fmt.Errorf("check e-mail address: %w", err)
	}
	sa, err := st.sealAccount(ctx, a)
	if err != nil {
		return err
	}
	sp, err := st.sealPerson(ctx, p)
	if err != nil {
		return err
	}
	return st.Store.CreateAccount(ctx, sa, sp)
}

// AccountByEmail finds the account by the address's blind index, matched
// without regard to letter case, and opens its address. ENOTFOUND if there
// is none or the person was erased.
func (st *Store) AccountByEmail(ctx context.Context, email hearth.Email) (*hearth.Account, error) {
	ix, err := st.emailIndex(ctx, email)
	if err != nil {
		return nil, err
	}
	a, err := st.Store.AccountByEmail(ctx, ix)
	if err != nil {
		return nil, err
	}
	return st.openAccount(ctx, a)
}

// Account returns the account with its address opened; ENOTFOUND if there
// is none or the person was erased.
func (st *Store) Account(ctx context.Context, id string) (*hearth.Account, error) {
	a, err := st.Store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return st.openAccount(ctx, a)
}

// EveryAccount lists accounts with their addresses opened; an erased
// person's account comes back with an empty Email.
func (st *Store) EveryAccount(ctx context.Context, after string, limit int) ([]hearth.Account, error) {
	as, err := st.Store.EveryAccount(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	for i := range as {
		a, err := st.openAccount(ctx, &as[i])
		switch {
		case erased(err):
			as[i].Email, as[i].SealedEmail = "", nil
		case err != nil:
			return nil, err
		default:
			as[i] = *a
		}
	}
	return as, nil
}

// sealAccount returns a copy of a as the wrapped store keeps it.
func (st *Store) sealAccount(ctx context.Context, a *hearth.Account) (*hearth.Account, error) {
	ix, err := st.emailIndex(ctx, a.Email)
	if err != nil {
		return nil, err
	}
	addr := strings.ToLower(string(a.Email))
	sealed, err := st.keys.Seal(ctx, a.PersonID, []byte(addr), emailAAD(a))
	if err != nil {
		return nil, fmt.Errorf("seal e-mail address: %w", err)
	}
	c := *a
	c.Email, c.SealedEmail = ix, sealed
	return &c, nil
}

// openAccount opens a's address in place and returns a.
func (st *Store) openAccount(ctx context.Context, a *hearth.Account) (*hearth.Account, error) {
	addr, err := st.keys.Open(ctx, a.SealedEmail, emailAAD(a))
	if err != nil {
		return nil, openErr("account's e-mail address", err)
	}
	a.Email, a.SealedEmail = hearth.Email(addr), nil
	return a, nil
}

func emailAAD(a *hearth.Account) []byte { return aad("account", "email", a.ID, a.PersonID) }
