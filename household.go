package hearth

import (
	"context"
	"log/slog"
	"time"
)

// Role is a person's role in a household. Each role's controls are stated
// to every member (see RoleControls).
type Role string

// The household roles.
const (
	RoleOwner Role = "owner" // manages the household, its devices and members
	RoleAdult Role = "adult" // a member who controls their own data
	RoleChild Role = "child" // a member whose consents come from a guardian
	RoleGuest Role = "guest" // a visitor, usually without an account
)

// Valid reports whether r is one of the household roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdult, RoleChild, RoleGuest:
		return true
	}
	return false
}

// RoleControls states in plain language what a role can control. Every
// member may leave a household; the services enforce each sentence
// (household for members and devices, policy.MayConsent for consent,
// policy.MayExerciseRights for export, correction, restriction, objection
// and erasure).
func RoleControls(r Role) string {
	switch r {
	case RoleOwner:
		return "Manages the household: invites members, adds profiles, removes members, changes roles, claims and removes devices, and acts for profiles without an account. Controls their own data as an adult does. The last owner makes another member an owner before leaving."
	case RoleAdult:
		return "Sees the household's members and devices, and reads their own readings and the household's own; another member's readings only where that member shared them. Claims devices, and controls their own data: consent and settings, sharing, export, correction, restriction, objection and erasure. May leave the household."
	case RoleChild:
		return "Sees their own data; a guardian in the household gives or withdraws consent and exercises their rights for them."
	case RoleGuest:
		return "Has a profile while they use the household's devices. With an account, sees the data about themselves, controls it as an adult does, and may leave; without one, an owner acts for them."
	}
	return ""
}

// Email is an e-mail address. Its LogValue redacts it, so it never reaches a
// log line.
type Email string

// LogValue implements slog.LogValuer and redacts the address.
func (Email) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Account is a login: an e-mail address and a password hash. Every account
// has exactly one Person.
//
// Behind the sealing decorator (package sealstore), which is how the server
// runs, a storage adapter never receives the address: Email then holds the
// address's keyed blind index (lower-case hexadecimal), which the adapter
// keeps unique and looks accounts up by exactly as it would an address, and
// SealedEmail holds the address sealed with the person's data key.
type Account struct {
	ID           string
	Email        Email // stored lower-cased and unique; looked up without regard to case
	PasswordHash string
	PersonID     string
	Created      time.Time
	// SealedEmail is the address sealed by package sealstore, kept by a
	// storage adapter byte for byte; nil outside a storage adapter.
	SealedEmail []byte
	// Operator marks an operator account (MFAStore.SetOperator): it must
	// sign in with a second factor to use the operator routes (SEC-MFA).
	Operator bool
}

// Person is a data subject: an account holder, or a profile without a login
// (a household member, a guest, a child with a guardian).
//
// DisplayName is personal: behind the sealing decorator (package sealstore)
// a storage adapter receives and keeps it sealed with the person's data key,
// as text.
type Person struct {
	ID          string
	HouseholdID string // the household that created the profile; "" for account holders
	DisplayName string
	AccountID   string // "" for a person without an account
	Created     time.Time
}

// LogValue implements slog.LogValuer: only the ID is logged.
func (p Person) LogValue() slog.Value { return slog.StringValue(p.ID) }

// Household owns devices and has members. Its Name is sealed with the
// household's data key behind the sealing decorator (package sealstore),
// like a Person's DisplayName.
type Household struct {
	ID      string
	Name    string
	Created time.Time
}

// Member is a person's membership of a household.
type Member struct {
	HouseholdID string
	PersonID    string
	Role        Role
	GuardianID  string // for a child: the person who consents for them
	Added       time.Time
}

// Invite is an invitation for an account holder to join a household. Only
// the hash of its token is stored.
type Invite struct {
	TokenHash   []byte
	HouseholdID string
	Role        Role
	InvitedBy   string // person ID
	Expires     time.Time
	Created     time.Time
}

// Session is a signed-in account's session. Only the hash of its token is
// stored; the token itself is the cookie value or bearer token.
type Session struct {
	TokenHash []byte
	AccountID string
	Created   time.Time
	Expires   time.Time
	// Factor is the second factor the session was opened with (FactorTOTP,
	// FactorRecovery or FactorPasskey), "" for a password alone.
	Factor string
}

// AccountStore keeps accounts and sessions. Implementations are safe for
// concurrent use.
type AccountStore interface {
	// CreateAccount stores a new account and its person in one transaction.
	// It returns ECONFLICT if the e-mail address is taken.
	CreateAccount(ctx context.Context, a *Account, p *Person) error
	// AccountByEmail returns ENOTFOUND if no account has that address.
	AccountByEmail(ctx context.Context, email Email) (*Account, error)
	// Account returns ENOTFOUND if there is no such account.
	Account(ctx context.Context, id string) (*Account, error)
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the unexpired session with that token hash, or ENOTFOUND.
	Session(ctx context.Context, tokenHash []byte, now time.Time) (*Session, error)
	// DeleteSession removes a session; removing a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// HouseholdStore keeps households, people and memberships.
type HouseholdStore interface {
	// CreateHousehold stores a household with its first member, in one transaction.
	CreateHousehold(ctx context.Context, h *Household, owner *Member) error
	// Household returns ENOTFOUND if there is no such household.
	Household(ctx context.Context, id string) (*Household, error)
	// HouseholdsOf lists the households a person is a member of, oldest first.
	HouseholdsOf(ctx context.Context, personID string) ([]Household, error)
	// CreatePerson stores a person without an account, and their membership of
	// m.HouseholdID, in one transaction.
	CreatePerson(ctx context.Context, p *Person, m *Member) error
	// Person returns ENOTFOUND if there is no such person.
	Person(ctx context.Context, id string) (*Person, error)
	// AddMember stores a membership; ECONFLICT if the person is a member already.
	AddMember(ctx context.Context, m *Member) error
	// Member returns a person's membership of a household, or ENOTFOUND.
	Member(ctx context.Context, householdID, personID string) (*Member, error)
	// Members lists a household's members, oldest first.
	Members(ctx context.Context, householdID string) ([]Member, error)
	// CreateInvite stores an invitation.
	CreateInvite(ctx context.Context, inv *Invite) error
	// RedeemInvite uses up an invitation and adds the person as a member, in
	// one transaction. ENOTFOUND for an unknown token, ECONFLICT if already
	// used, EGONE if expired.
	RedeemInvite(ctx context.Context, tokenHash []byte, personID string, now time.Time) (*Member, error)
}
