package hearth

import (
	"context"
	"time"
)

// Second factors a session can be opened with (Session.Factor).
const (
	FactorTOTP     = "totp"     // a code from an authenticator app
	FactorRecovery = "recovery" // a single-use recovery code
	FactorPasskey  = "passkey"  // a WebAuthn assertion
)

// TOTP is an account's time-based one-time password secret (RFC 6238).
//
// Secret is a credential: behind the sealing decorator (package sealstore)
// a storage adapter receives and keeps it sealed with the person's data
// key, as text.
type TOTP struct {
	AccountID string
	Secret    string    // base32, as in the otpauth URI
	Confirmed time.Time // zero until the first code was entered
	LastStep  int64     // the last time step whose code was accepted
	Created   time.Time
}

// Passkey is a WebAuthn credential registered to an account. It holds
// no secret: only the public key and what the authenticator reported.
type Passkey struct {
	CredentialID []byte
	AccountID    string
	// Record is the credential record as package auth encodes it (public
	// key, flags, attestation format); a storage adapter keeps it byte for
	// byte.
	Record    []byte
	SignCount uint32
	Created   time.Time
	LastUsed  time.Time // zero if never used
}

// SecondFactorRefusal records a refused second-factor attempt whose
// credential was valid once (a replayed code, a used recovery code, a
// passkey whose sign count went back), for the account holder to review.
type SecondFactorRefusal struct {
	AccountID string
	Method    string // FactorTOTP, FactorRecovery or FactorPasskey
	Reason    string // "replayed", "used" or "sign-count"
	At        time.Time
}

// MaxSecondFactorRefusals is how many refused second factors are kept per
// account: the newest.
const MaxSecondFactorRefusals = 100

// MFAStore keeps second factors and the operator role. Implementations
// are safe for concurrent use.
type MFAStore interface {
	// SetOperator grants (true) or revokes (false) the operator role;
	// ENOTFOUND if there is no such account.
	SetOperator(ctx context.Context, accountID string, operator bool) error

	// PutTOTP stores an unconfirmed TOTP secret, replacing an unconfirmed
	// one; ECONFLICT if the account has a confirmed one, ENOTFOUND if
	// there is no such account.
	PutTOTP(ctx context.Context, t *TOTP) error
	// TOTP returns the account's TOTP secret, or ENOTFOUND.
	TOTP(ctx context.Context, accountID string) (*TOTP, error)
	// ConfirmTOTP confirms the account's unconfirmed secret at time at,
	// accepting step, and replaces the account's recovery codes with
	// codeHashes, in one transaction; ENOTFOUND if there is no unconfirmed
	// secret.
	ConfirmTOTP(ctx context.Context, accountID string, step int64, codeHashes [][]byte, at time.Time) error
	// UseTOTPStep accepts step for the account's confirmed secret if it is
	// after the last accepted step; ECONFLICT if it is not (a replay),
	// ENOTFOUND if there is no confirmed secret.
	UseTOTPStep(ctx context.Context, accountID string, step int64) error
	// UseRecoveryCode marks the recovery code with that hash used at time
	// at; ECONFLICT if it was used already, ENOTFOUND if the account has
	// no such code.
	UseRecoveryCode(ctx context.Context, accountID string, codeHash []byte, at time.Time) error
	// ReplaceRecoveryCodes replaces the account's recovery codes with
	// codeHashes, in one transaction.
	ReplaceRecoveryCodes(ctx context.Context, accountID string, codeHashes [][]byte) error
	// RecoveryCodesLeft counts the account's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, accountID string) (int, error)

	// AddPasskey stores a passkey; ECONFLICT if its credential ID is
	// registered already, ENOTFOUND if there is no such account.
	AddPasskey(ctx context.Context, p *Passkey) error
	// Passkeys lists the account's passkeys, oldest first.
	Passkeys(ctx context.Context, accountID string) ([]Passkey, error)
	// UsePasskey records a use of the account's passkey with that
	// credential ID at time at with the authenticator's new sign count. If
	// either the stored or the new count is not zero, the new one must be
	// greater: ECONFLICT otherwise (a cloned authenticator or a replay).
	// ENOTFOUND if the account has no such passkey.
	UsePasskey(ctx context.Context, accountID string, credentialID []byte, signCount uint32, at time.Time) error

	// DeleteSecondFactors removes the account's TOTP secret, recovery codes
	// and passkeys, in one transaction.
	DeleteSecondFactors(ctx context.Context, accountID string) error

	// RecordSecondFactorRefusal stores r, keeping only the account's
	// MaxSecondFactorRefusals newest; ENOTFOUND if there is no such
	// account.
	RecordSecondFactorRefusal(ctx context.Context, r *SecondFactorRefusal) error
	// DeleteSecondFactorRefusals erases every account's refusals from
	// before the instant before, and returns how many.
	DeleteSecondFactorRefusals(ctx context.Context, before time.Time) (int64, error)
	// SecondFactorRefusals lists the account's refusals, newest first, at
	// most limit (0 means 100).
	SecondFactorRefusals(ctx context.Context, accountID string, limit int) ([]SecondFactorRefusal, error)
}
