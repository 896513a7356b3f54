package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// DeleteInvites implements hearth.LifecycleStore.
func (db *DB) DeleteInvites(ctx context.Context, householdID string) (int, error) {
	panic(notYet)
}

// DeleteSessionsOf implements hearth.LifecycleStore.
func (db *DB) DeleteSessionsOf(ctx context.Context, accountID string, keep []byte) (int, error) {
	panic(notYet)
}

// RemoveMember implements hearth.LifecycleStore.
func (db *DB) RemoveMember(ctx context.Context, householdID string, personID string) error {
	panic(notYet)
}

// RemoveMemberships implements hearth.LifecycleStore.
func (db *DB) RemoveMemberships(ctx context.Context, personID string) ([]string, error) {
	panic(notYet)
}

// SetPassword implements hearth.LifecycleStore.
func (db *DB) SetPassword(ctx context.Context, accountID string, hash string, keep []byte) error {
	panic(notYet)
}

// SetRole implements hearth.LifecycleStore.
func (db *DB) SetRole(ctx context.Context, m *hearth.Member) error {
	panic(notYet)
}

// UnbindDevice implements hearth.LifecycleStore.
func (db *DB) UnbindDevice(ctx context.Context, deviceID string, householdID string, credentialHash []byte) error {
	panic(notYet)
}
