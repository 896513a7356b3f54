package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-iot/hearth"
)

// Passkey limits.
const (
	// MaxPasskeyBody is the largest WebAuthn response accepted, in bytes.
	MaxPasskeyBody = 64 << 10
	// passkeyCeremonyTTL is how long a registration challenge stays open.
	passkeyCeremonyTTL = 5 * time.Minute
)

var errNoPasskeys = hearth.Errorf(hearth.EUNAVAILABLE, "passkeys are not configured on this server: its operator sets the WebAuthn origin")

// NewWebAuthn returns the WebAuthn relying party for origin, the URL
// people reach the server at, such as https://hearth.example.org (its host
// is the relying party ID). It returns an error for an origin without a
// scheme and host.
func NewWebAuthn(origin, displayName string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("webauthn origin %q: give the scheme and host people use, such as https://hearth.example.org", origin)
	}
	w, err := webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: displayName,
		RPOrigins: []string{u.Scheme + "://" + u.Host}})
	if err != nil {
		return nil, fmt.Errorf("webauthn origin %q: %w", origin, err)
	}
	return w, nil
}

// passkeyUser is an account as the WebAuthn library sees it.
type passkeyUser struct {
	acct  *hearth.Account
	creds []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return []byte(u.acct.ID) }
func (u *passkeyUser) WebAuthnName() string                       { return string(u.acct.Email) }
func (u *passkeyUser) WebAuthnDisplayName() string                { return string(u.acct.Email) }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// loadPasskeyUser returns the account with its passkeys decoded.
func (s *Service) loadPasskeyUser(ctx context.Context, accountID string) (*passkeyUser, error) {
	acct, err := s.store.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.Passkeys(ctx, accountID)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{acct: acct}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Record, &c); err != nil {
			return nil, fmt.Errorf("decode passkey record: %w", err)
		}
		c.Authenticator.SignCount = k.SignCount
		u.creds = append(u.creds, c)
	}
	return u, nil
}

// maxOpenRegistrations bounds the open passkey registrations held in the
// store (one per account); past it the oldest is dropped.
const maxOpenRegistrations = 10_000

// errNoChallenge refuses a passkey assertion for a second step without an
// open challenge.
var errNoChallenge = hearth.Errorf(hearth.ECONFLICT, "no passkey challenge is open for this sign-in: each challenge is answered once; ask for a new one")

// encodeSession encodes WebAuthn session data for the store.
func encodeSession(sd *webauthn.SessionData) ([]byte, error) {
	b, err := json.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("encode passkey challenge: %w", err)
	}
	return b, nil
}

// decodeSession decodes WebAuthn session data from the store into a
// fresh value.
func decodeSession(b []byte) (*webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if err := json.Unmarshal(b, &sd); err != nil {
		return nil, fmt.Errorf("decode passkey challenge: %w", err)
	}
	return &sd, nil
}

// putRegistration stores the account's open registration, replacing one.
func (s *Service) putRegistration(ctx context.Context, accountID string, sd *webauthn.SessionData) error {
	b, err := encodeSession(sd)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	c := &hearth.AuthCeremony{Kind: hearth.CeremonyPasskeyRegistration, Key: []byte(accountID), AccountID: accountID,
		Created: now, Expires: sd.Expires, Challenge: b}
	if err := s.store.CreateAuthCeremony(ctx, c, maxOpenRegistrations); err != nil {
		return fmt.Errorf("store passkey registration: %w", err)
	}
	return nil
}

// takeRegistration removes and returns the account's open registration,
// nil if there is none unexpired. The removal is conditional on the
// version read, so of two requests taking it at once, on one node or two,
// one gets it.
func (s *Service) takeRegistration(ctx context.Context, accountID string) (*webauthn.SessionData, error) {
	key := []byte(accountID)
	for range ceremonyRetries {
		c, err := s.store.AuthCeremony(ctx, hearth.CeremonyPasskeyRegistration, key, s.now().UTC())
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("passkey registration: %w", err)
		}
		err = s.store.DeleteAuthCeremony(ctx, c.Kind, key, c.Version)
		switch hearth.ErrorCode(err) {
		case "":
			return decodeSession(c.Challenge)
		case hearth.ECONFLICT, hearth.ENOTFOUND: // replaced or taken meanwhile: read it again
			continue
		}
		return nil, fmt.Errorf("take passkey registration: %w", err)
	}
	return nil, hearth.Errorf(hearth.EUNAVAILABLE, "this passkey registration is being changed by other requests at once: try again")
}

// BeginPasskeyRegistration opens a passkey registration for a signed-in
// account and returns the options for navigator.credentials.create. A new
// call replaces the account's open one. EUNAVAILABLE if passkeys are not
// configured.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, accountID string) (*protocol.CredentialCreation, error) {
	if s.webauthn == nil {
		return nil, errNoPasskeys
	}
	u, err := s.loadPasskeyUser(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := s.webauthn.BeginRegistration(u, webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	sd.Expires = s.now().Add(passkeyCeremonyTTL)
	if err := s.putRegistration(ctx, accountID, sd); err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	return opts, nil
}

// FinishPasskeyRegistration checks the authenticator's answer (the JSON of
// the PublicKeyCredential, at most MaxPasskeyBody bytes) to the account's
// open registration and stores the passkey. The challenge is used once,
// right or wrong. Errors: EINVALID (Field "credential") for a malformed or
// failing answer, with the library's reason; ECONFLICT if there is no open
// registration (none begun, expired, or used) or the passkey is registered
// already.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, accountID string, body io.Reader) error {
	if s.webauthn == nil {
		return errNoPasskeys
	}
	sd, err := s.takeRegistration(ctx, accountID)
	if err != nil {
		return err
	}
	if sd == nil {
		return hearth.Errorf(hearth.ECONFLICT, "no passkey registration is open: its challenge expired or was used; begin again")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(io.LimitReader(body, MaxPasskeyBody))
	if err != nil {
		return passkeyError("the passkey answer is malformed", err)
	}
	u, err := s.loadPasskeyUser(ctx, accountID)
	if err != nil {
		return fmt.Errorf("finish passkey registration: %w", err)
	}
	cred, err := s.webauthn.CreateCredential(u, *sd, parsed)
	if err != nil {
		return passkeyError("the passkey answer was refused", err)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("encode passkey: %w", err)
	}
	p := &hearth.Passkey{CredentialID: cred.ID, AccountID: accountID, Record: record,
		SignCount: cred.Authenticator.SignCount, Created: s.now().UTC()}
	if err := s.store.AddPasskey(ctx, p); err != nil {
		return fmt.Errorf("finish passkey registration: %w", err)
	}
	return nil
}

// passkeyError is an EINVALID error about the credential field, with the
// WebAuthn library's reason when it gives one.
func passkeyError(msg string, err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		msg += ": " + pe.Details
	}
	return &hearth.Error{Code: hearth.EINVALID, Field: "credential", Message: msg, Err: err}
}

// BeginPasskeySignIn opens a passkey challenge for a second step (SignIn's
// token) and returns the options for navigator.credentials.get. A new call
// replaces the step's open challenge. Errors as CompleteSignIn's, and
// EINVALID if the account has no passkey.
func (s *Service) BeginPasskeySignIn(ctx context.Context, stepToken, clientAddr string) (*protocol.CredentialAssertion, error) {
	if s.webauthn == nil {
		return nil, errNoPasskeys
	}
	accountID, err := s.checkStep(ctx, stepToken, hearth.FactorPasskey, clientAddr)
	if err != nil {
		return nil, err
	}
	u, err := s.loadPasskeyUser(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	if len(u.creds) == 0 {
		return nil, hearth.FieldError("method", "this account has no passkey: use another second factor")
	}
	opts, sd, err := s.webauthn.BeginLogin(u)
	if err != nil {
		return nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	challenge, err := encodeSession(sd)
	if err != nil {
		return nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	_, err = s.updateStep(ctx, stepToken, func(st *hearth.AuthCeremony) error {
		st.Challenge = challenge
		return nil
	})
	if err != nil {
		return nil, err
	}
	return opts, nil
}

// FinishPasskeySignIn finishes a second step with the authenticator's
// assertion (the JSON of the PublicKeyCredential, at most MaxPasskeyBody
// bytes) to the step's open challenge, which is used once, right or wrong.
// It returns the new session, marked hearth.FactorPasskey.
//
// Errors as CompleteSignIn's, and: ECONFLICT, recorded, for an assertion
// without an open challenge (a replay, or a challenge used already) or
// whose signature counter did not advance; EUNAUTHORIZED (Field
// "credential") for an assertion that fails verification.
func (s *Service) FinishPasskeySignIn(ctx context.Context, stepToken string, body io.Reader, clientAddr string) (string, *hearth.Session, error) {
	if s.webauthn == nil {
		return "", nil, errNoPasskeys
	}
	accountID, err := s.checkStep(ctx, stepToken, hearth.FactorPasskey, clientAddr)
	if err != nil {
		return "", nil, err
	}
	sd, attempt, err := s.takeChallenge(ctx, stepToken)
	if errors.Is(err, errNoChallenge) {
		return "", nil, s.refuseReplay(ctx, accountID, clientAddr, hearth.FactorPasskey, "challenge-reused", err)
	}
	if err != nil {
		return "", nil, s.attemptRefused(ctx, err, accountID, hearth.FactorPasskey, clientAddr)
	}
	if err := s.checkAssertion(ctx, accountID, *sd, body, clientAddr); err != nil {
		s.stepFailed(ctx, stepToken, attempt)
		return "", nil, err
	}
	return s.finishStep(ctx, stepToken, accountID, hearth.FactorPasskey, clientAddr)
}

// takeChallenge takes the second step's open passkey challenge and counts
// the check of its answer as an attempt (see takeAttempt), in one
// conditional update, so that a challenge is answered once across nodes.
// It returns the challenge and the attempt's number; errNoChallenge if
// none is open, and takeAttempt's errors.
func (s *Service) takeChallenge(ctx context.Context, stepToken string) (*webauthn.SessionData, int, error) {
	var challenge []byte
	st, err := s.updateStep(ctx, stepToken, func(st *hearth.AuthCeremony) error {
		switch {
		case st.Done:
			return errStepDone
		case st.Challenge == nil:
			return errNoChallenge
		case st.Attempts >= SecondStepAttempts:
			return errStepUnknown
		}
		challenge, st.Challenge = st.Challenge, nil
		st.Attempts++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	sd, err := decodeSession(challenge)
	if err != nil {
		return nil, 0, err
	}
	return sd, st.Attempts, nil
}

// checkAssertion verifies an assertion against sd and records the
// passkey's new signature counter.
func (s *Service) checkAssertion(ctx context.Context, accountID string, sd webauthn.SessionData, body io.Reader, clientAddr string) error {
	parsed, err := protocol.ParseCredentialRequestResponseBody(io.LimitReader(body, MaxPasskeyBody))
	if err != nil {
		s.failSecond(accountID, clientAddr, "bad_credential")
		return passkeyError("the passkey answer is malformed", err)
	}
	u, err := s.loadPasskeyUser(ctx, accountID)
	if err != nil {
		return fmt.Errorf("check passkey: %w", err)
	}
	cred, err := s.webauthn.ValidateLogin(u, sd, parsed)
	if err != nil {
		s.failSecond(accountID, clientAddr, "bad_credential")
		e := passkeyError("the passkey answer was refused", err).(*hearth.Error)
		e.Code = hearth.EUNAUTHORIZED
		return e
	}
	err = s.store.UsePasskey(ctx, accountID, cred.ID, cred.Authenticator.SignCount, s.now().UTC())
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		return s.refuseReplay(ctx, accountID, clientAddr, hearth.FactorPasskey, "sign-count", err)
	}
	if err != nil {
		return fmt.Errorf("check passkey: %w", err)
	}
	return nil
}
