package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Second-factor limits (SEC-MFA, SEC-BRUTE).
const (
	// SecondStepTTL is how long a second-step token, handed out after the
	// password, stays valid.
	SecondStepTTL = 5 * time.Minute
	// SecondStepAttempts is how many wrong second factors one second-step
	// token takes before it is dropped.
	SecondStepAttempts = 5
	// MaxPendingSecondSteps bounds the second-step tokens held in the
	// store, across every node sharing it; past it the oldest is dropped.
	MaxPendingSecondSteps = 10_000
	// RecoveryCodeCount is how many recovery codes an enrolment hands out.
	RecoveryCodeCount = 10

	msgSecondFactorNeeded = "enter a second factor to finish signing in"
	msgStepUnknown        = "the second-step token is unknown or expired: sign in with your password again"
)

// SecondFactorRequired is the cause inside the EUNAUTHORIZED error SignIn
// returns for an account with a second factor: the password was right,
// and Token, valid until Expires, finishes the sign-in with one of Methods
// (CompleteSignIn, FinishPasskeySignIn). The http package answers with it.
type SecondFactorRequired struct {
	Token   string
	Expires time.Time
	Methods []string // hearth.FactorTOTP, hearth.FactorRecovery, hearth.FactorPasskey
}

// Error implements the error interface.
func (e *SecondFactorRequired) Error() string { return "second factor required" }

// afterPassword starts a session for an account without a second factor.
// An account with one gets a second-step token inside an EUNAUTHORIZED
// error instead, so that a caller that does not know about second factors
// fails closed.
func (s *Service) afterPassword(ctx context.Context, acct *hearth.Account) (string, *hearth.Session, error) {
	methods, err := s.factorMethods(ctx, acct.ID)
	if err != nil {
		return "", nil, fmt.Errorf("sign in: %w", err)
	}
	if len(methods) == 0 {
		return s.startSession(ctx, acct.ID)
	}
	token, expires, err := s.startStep(ctx, acct.ID)
	if err != nil {
		return "", nil, fmt.Errorf("sign in: %w", err)
	}
	return "", nil, &hearth.Error{Code: hearth.EUNAUTHORIZED, Message: msgSecondFactorNeeded,
		Err: &SecondFactorRequired{Token: token, Expires: expires, Methods: methods}}
}

// factorMethods lists the second factors the account can sign in with:
// none for a password-only account. Recovery codes count only beside an
// authenticator app or a passkey.
func (s *Service) factorMethods(ctx context.Context, accountID string) ([]string, error) {
	var methods []string
	t, err := s.store.TOTP(ctx, accountID)
	switch {
	case err == nil && !t.Confirmed.IsZero():
		methods = append(methods, hearth.FactorTOTP)
	case err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return nil, err
	}
	keys, err := s.store.Passkeys(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		methods = append(methods, hearth.FactorPasskey)
	}
	if len(methods) == 0 {
		return nil, nil
	}
	n, err := s.store.RecoveryCodesLeft(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		methods = append(methods, hearth.FactorRecovery)
	}
	return methods, nil
}

// HasSecondFactor reports whether the account has a confirmed
// authenticator app or a passkey.
func (s *Service) HasSecondFactor(ctx context.Context, accountID string) (bool, error) {
	m, err := s.factorMethods(ctx, accountID)
	if err != nil {
		return false, fmt.Errorf("second factors: %w", err)
	}
	return len(m) > 0, nil
}

// NewRecoveryCodes replaces the account's recovery codes with
// RecoveryCodeCount new ones, shown once, after checking its password
// again (Reauthenticate, with its errors and limit). It returns EINVALID
// if the account has neither an authenticator app nor a passkey.
func (s *Service) NewRecoveryCodes(ctx context.Context, accountID, password string) ([]string, error) {
	if err := s.Reauthenticate(ctx, accountID, password); err != nil {
		return nil, err
	}
	has, err := s.HasSecondFactor(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, hearth.Errorf(hearth.EINVALID, "set up an authenticator app or a passkey first: recovery codes stand in for one")
	}
	codes, hashes := newRecoveryCodes()
	if err := s.store.ReplaceRecoveryCodes(ctx, accountID, hashes); err != nil {
		return nil, fmt.Errorf("new recovery codes: %w", err)
	}
	return codes, nil
}

// SecondFactorStatus is what an account has enrolled, for its holder.
type SecondFactorStatus struct {
	TOTP              bool
	Passkeys          int
	RecoveryCodesLeft int
	Refusals          []hearth.SecondFactorRefusal // newest first, at most 20
}

// SecondFactors returns the account's second-factor status.
func (s *Service) SecondFactors(ctx context.Context, accountID string) (*SecondFactorStatus, error) {
	var st SecondFactorStatus
	t, err := s.store.TOTP(ctx, accountID)
	switch {
	case err == nil:
		st.TOTP = !t.Confirmed.IsZero()
	case hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return nil, fmt.Errorf("second factors: %w", err)
	}
	keys, err := s.store.Passkeys(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("second factors: %w", err)
	}
	st.Passkeys = len(keys)
	if st.RecoveryCodesLeft, err = s.store.RecoveryCodesLeft(ctx, accountID); err != nil {
		return nil, fmt.Errorf("second factors: %w", err)
	}
	if st.Refusals, err = s.store.SecondFactorRefusals(ctx, accountID, 20); err != nil {
		return nil, fmt.Errorf("second factors: %w", err)
	}
	return &st, nil
}

// DisableSecondFactors removes every second factor of the account (its
// authenticator app, recovery codes and passkeys) after checking its
// password again (Reauthenticate, with its errors and limit). Sessions
// stay open; an operator's no longer pass the operator check.
func (s *Service) DisableSecondFactors(ctx context.Context, accountID, password string) error {
	if err := s.Reauthenticate(ctx, accountID, password); err != nil {
		return err
	}
	if err := s.store.DeleteSecondFactors(ctx, accountID); err != nil {
		return fmt.Errorf("disable second factors: %w", err)
	}
	return nil
}

// AuthenticateSession is Authenticate that also returns the session, whose
// Factor says whether it was opened with a second factor.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*hearth.Account, *hearth.Session, error) {
	unauth := hearth.Errorf(hearth.EUNAUTHORIZED, "sign in first: the session is missing, ended or expired")
	if token == "" {
		return nil, nil, unauth
	}
	sess, err := s.store.Session(ctx, HashToken(token), s.now().UTC())
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, nil, unauth
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	acct, err := s.store.Account(ctx, sess.AccountID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, nil, unauth
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	return acct, sess, nil
}

// SetOperator grants (true) or revokes (false) the operator role of the
// account with that e-mail address. It returns EINVALID for a malformed
// address and ENOTFOUND if no account has it.
func (s *Service) SetOperator(ctx context.Context, email string, operator bool) (*hearth.Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	acct, err := s.store.AccountByEmail(ctx, hearth.Email(email))
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, &hearth.Error{Code: hearth.ENOTFOUND, Field: "email", Message: "no account has this e-mail address", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("set operator: %w", err)
	}
	if err := s.store.SetOperator(ctx, acct.ID, operator); err != nil {
		return nil, fmt.Errorf("set operator: %w", err)
	}
	acct.Operator = operator
	return acct, nil
}

// startFactorSession opens a session marked with the second factor used.
func (s *Service) startFactorSession(ctx context.Context, accountID, factor string) (string, *hearth.Session, error) {
	token, hash := NewToken()
	now := s.now().UTC()
	sess := &hearth.Session{TokenHash: hash, AccountID: accountID, Created: now, Expires: now.Add(s.ttl), Factor: factor}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, sess, nil
}

// throttleSecond refuses a second-factor attempt over the sign-in limits
// (SEC-BRUTE): see Throttled, with the failures counted per account and
// client address pair apart from password failures, and per client
// address with them.
func (s *Service) throttleSecond(accountID, clientAddr string) error {
	return s.Throttled("second_factor", accountID, clientAddr)
}

// failSecond counts a wrong second factor, as Failed does.
func (s *Service) failSecond(accountID, clientAddr, reason string) {
	pair, addr := throttleKeys("second_factor", accountID, clientAddr)
	s.perAccount.Fail(pair)
	s.perAddress.Fail(addr)
	s.metrics.AuthFailures.WithLabelValues("second_factor", reason).Inc()
}

// refuseReplay records a replayed second factor (an entry the account
// holder sees, a counted failure) and returns the ECONFLICT error cause
// explains.
func (s *Service) refuseReplay(ctx context.Context, accountID, clientAddr, method, reason string, cause error) error {
	s.failSecond(accountID, clientAddr, "replayed")
	r := &hearth.SecondFactorRefusal{AccountID: accountID, Method: method, Reason: reason, At: s.now().UTC()}
	if err := s.store.RecordSecondFactorRefusal(ctx, r); err != nil {
		return fmt.Errorf("record refused second factor: %w", err)
	}
	return &hearth.Error{Code: hearth.ECONFLICT, Message: hearth.ErrorMessage(cause), Err: cause}
}

// hashCode returns the stored form of a recovery code: SHA-256 of its
// normalised text. Codes carry 50 random bits, so a fast hash suffices.
func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(normalizeRecoveryCode(code)))
	return h[:]
}
