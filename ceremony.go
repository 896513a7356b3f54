package hearth

import (
	"context"
	"time"
)

// Kinds of AuthCeremony.
const (
	// CeremonySecondStep is a sign-in between the right password and the
	// second factor; its Key is the hash of the second-step token.
	CeremonySecondStep = "second-step"
	// CeremonyPasskeyRegistration is a passkey registration between its
	// challenge and the authenticator's answer; its Key is the account ID.
	CeremonyPasskeyRegistration = "passkey-registration"
)

// AuthCeremony is sign-in or enrolment state that spans two requests,
// which may reach different nodes of one service: a second step of signing
// in, or an open passkey registration. It holds no personal data: an
// account ID, counters and a WebAuthn challenge.
type AuthCeremony struct {
	Kind      string // CeremonySecondStep or CeremonyPasskeyRegistration
	Key       []byte // unique within Kind
	AccountID string
	Created   time.Time
	Expires   time.Time
	// Attempts counts the factor checks made against it.
	Attempts int
	// Done is set once the ceremony reached its end (a second step opened
	// a session); it is kept until it expires so a replay is recognised.
	Done bool
	// Challenge is the open WebAuthn session data as package auth encodes
	// it, nil if none; a storage adapter keeps it byte for byte.
	Challenge []byte
	// Version identifies the stored state: the store gives it a new random
	// value at every write, so a ceremony replaced or created again after
	// being removed does not carry the version read before.
	Version int64
}

// AuthCeremonyStore keeps AuthCeremony records, so that a sign-in or a
// passkey registration begun on one node can be finished on another.
// Implementations are safe for concurrent use, also by several processes
// sharing one database: a change made on what was read is conditional on
// its Version (optimistic concurrency), so two processes never both make
// a change from the same state.
type AuthCeremonyStore interface {
	// CreateAuthCeremony stores c, replacing a ceremony of the same Kind
	// and Key, and sets c.Version. It first removes every ceremony expired
	// at c.Created (of any kind), then, while max or more of c.Kind remain,
	// the one of that kind created first, so that at most max of a kind
	// are held, also when several processes create at once. ENOTFOUND if
	// there is no such account.
	CreateAuthCeremony(ctx context.Context, c *AuthCeremony, max int) error
	// AuthCeremony returns the ceremony of kind with key if it is
	// unexpired at now; ENOTFOUND if there is none or it expired.
	AuthCeremony(ctx context.Context, kind string, key []byte, now time.Time) (*AuthCeremony, error)
	// UpdateAuthCeremony stores c's Attempts, Done and Challenge if the
	// stored ceremony of c.Kind and c.Key still has c.Version and is
	// unexpired at now, and sets c.Version to the new one. ECONFLICT if it
	// changed since it was read; ENOTFOUND if it is gone or expired.
	UpdateAuthCeremony(ctx context.Context, c *AuthCeremony, now time.Time) error
	// DeleteAuthCeremony removes the ceremony of kind with key if it has
	// version, or whatever its version when version is 0. ECONFLICT if it
	// has another version; ENOTFOUND if there is none (expired or not).
	DeleteAuthCeremony(ctx context.Context, kind string, key []byte, version int64) error
	// CountAuthCeremonies returns how many ceremonies of kind are stored,
	// counting expired ones not removed yet.
	CountAuthCeremonies(ctx context.Context, kind string) (int, error)
}
