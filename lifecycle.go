package hearth

import (
	"context"
	"errors"
)

// Causes inside the ECONFLICT errors of LifecycleStore's membership
// changes. Services test for them with errors.Is and tell the person what
// to do instead.
var (
	// ErrLastOwner: the change would leave a household that still has
	// members without an owner.
	ErrLastOwner = errors.New("the household would have members and no owner")
	// ErrGuardian: the person is the guardian of a child in the household,
	// and the change would leave the child without one.
	ErrGuardian = errors.New("the person is the guardian of a child in the household")
)

// LifecycleStore ends access: sessions, memberships and device bindings.
// Each method changes only what it names, in one transaction; readings
// stay where they are (a removed member's readings stay theirs, a removed
// device's readings stay with the household). Account closure and erasure
// build on these methods.
type LifecycleStore interface {
	// SetPassword replaces an account's password hash and deletes every
	// session of the account except the one whose token hash is keep (nil
	// keeps none), in one transaction. ENOTFOUND if there is no such account.
	SetPassword(ctx context.Context, accountID, hash string, keep []byte) error
	// DeleteSessionsOf deletes every session of the account except the one
	// whose token hash is keep (nil keeps none) and returns how many it
	// deleted. An unknown account has none to delete.
	DeleteSessionsOf(ctx context.Context, accountID string, keep []byte) (int, error)
	// RemoveMember deletes personID's membership of householdID. ENOTFOUND
	// if there is none; ECONFLICT wrapping ErrLastOwner if the person is its
	// last owner and other members remain; ECONFLICT wrapping ErrGuardian if
	// the person is a child member's guardian. The person and their
	// readings stay.
	RemoveMember(ctx context.Context, householdID, personID string) error
	// RemoveMemberships deletes every household membership of personID in
	// one transaction, each under RemoveMember's rules, and returns the IDs
	// of the households it left (none for a person in none). If one of them
	// may not end, it deletes none and returns a *HouseholdError naming
	// that household and wrapping RemoveMember's ECONFLICT error. Closing
	// an account builds on it.
	RemoveMemberships(ctx context.Context, personID string) ([]string, error)
	// SetRole changes the Role and GuardianID of the membership
	// (m.HouseholdID, m.PersonID); Added is kept. ENOTFOUND if there is no
	// such membership; ECONFLICT wrapping ErrLastOwner if it would demote
	// the household's last owner; ECONFLICT wrapping ErrGuardian if it
	// would make a child's guardian a child or a guest.
	SetRole(ctx context.Context, m *Member) error
	// UnbindDevice takes a device out of householdID: the device is left
	// unclaimed (no household, zero Claimed) with credentialHash as its
	// credential hash, in one transaction. ENOTFOUND if the device is not
	// bound to householdID.
	UnbindDevice(ctx context.Context, deviceID, householdID string, credentialHash []byte) error
	// DeleteInvites deletes a household's unused invitations and returns
	// how many it deleted.
	DeleteInvites(ctx context.Context, householdID string) (int, error)
}

// HouseholdError is an error about one of a person's several households:
// which one, and what went wrong there (Err, which errors.Is, errors.As and
// ErrorCode see through).
type HouseholdError struct {
	HouseholdID string
	Err         error
}

// Error implements error.
func (e *HouseholdError) Error() string { return "household " + e.HouseholdID + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *HouseholdError) Unwrap() error { return e.Err }
