package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// Account implements hearth.AccountStore.
func (db *DB) Account(ctx context.Context, id string) (*hearth.Account, error) {
	panic(notYet)
}

// AccountByEmail implements hearth.AccountStore.
func (db *DB) AccountByEmail(ctx context.Context, email hearth.Email) (*hearth.Account, error) {
	panic(notYet)
}

// CreateAccount implements hearth.AccountStore.
func (db *DB) CreateAccount(ctx context.Context, a *hearth.Account, p *hearth.Person) error {
	panic(notYet)
}

// CreateSession implements hearth.AccountStore.
func (db *DB) CreateSession(ctx context.Context, s *hearth.Session) error {
	panic(notYet)
}

// DeleteSession implements hearth.AccountStore.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	panic(notYet)
}

// Session implements hearth.AccountStore.
func (db *DB) Session(ctx context.Context, tokenHash []byte, now time.Time) (*hearth.Session, error) {
	panic(notYet)
}
