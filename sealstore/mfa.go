package sealstore

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// PutTOTP seals the TOTP secret with the account holder's data key, as
// text, and stores it in the wrapped store. ENOTFOUND if there is no such
// account.
func (st *Store) PutTOTP(ctx context.Context, t *hearth.TOTP) error {
	personID, err := st.personOf(ctx, t.AccountID)
	if err != nil {
		return err
	}
	sealed, err := st.sealText(ctx, personID, t.Secret, totpAAD(t.AccountID, personID))
	if err != nil {
		return fmt.Errorf("seal totp secret: %w", err)
	}
	c := *t
	c.Secret = sealed
	return st.Store.PutTOTP(ctx, &c)
}

// TOTP returns the account's TOTP secret opened; ENOTFOUND if there is
// none or the person was erased.
func (st *Store) TOTP(ctx context.Context, accountID string) (*hearth.TOTP, error) {
	t, err := st.Store.TOTP(ctx, accountID)
	if err != nil {
		return nil, err
	}
	personID, err := st.personOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if t.Secret, err = st.openText(ctx, t.Secret, totpAAD(accountID, personID)); err != nil {
		return nil, openErr("authenticator app's secret", err)
	}
	return t, nil
}

// personOf returns the ID of the account's person.
func (st *Store) personOf(ctx context.Context, accountID string) (string, error) {
	a, err := st.Store.Account(ctx, accountID)
	if err != nil {
		return "", err
	}
	return a.PersonID, nil
}

func totpAAD(accountID, personID string) []byte { return aad("totp", "secret", accountID, personID) }
