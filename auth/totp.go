package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth"
)

// TOTP parameters: RFC 6238's defaults, which every authenticator app
// supports (SHA-1, six digits, 30-second steps), with one step of clock
// skew accepted either way.
const (
	totpPeriod = 30
	totpSkew   = 1
	// DefaultIssuer names the service in authenticator apps.
	DefaultIssuer = "Hearth"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is a new, unconfirmed authenticator-app secret, shown once.
type TOTPEnrolment struct {
	Secret string // base32, for typing in
	URI    string // otpauth://totp/..., for a QR code
}

// EnrolTOTP creates a new authenticator-app secret for the account and
// stores it sealed and unconfirmed, replacing an unconfirmed one; it works
// only after ConfirmTOTP. It returns ECONFLICT if the account has a
// confirmed one (disable it first).
func (s *Service) EnrolTOTP(ctx context.Context, accountID string) (*TOTPEnrolment, error) {
	acct, err := s.store.Account(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("enrol authenticator app: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: string(acct.Email),
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("enrol authenticator app: %w", err)
	}
	t := &hearth.TOTP{AccountID: accountID, Secret: key.Secret(), Created: s.now().UTC()}
	if err := s.store.PutTOTP(ctx, t); err != nil {
		return nil, fmt.Errorf("enrol authenticator app: %w", err)
	}
	return &TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP checks the first code from the authenticator app, turns the
// secret on and returns new recovery codes, shown once (only their hashes
// are stored; each works once). It returns EINVALID (Field "code") for a
// wrong code, ENOTFOUND if no secret is waiting for confirmation.
func (s *Service) ConfirmTOTP(ctx context.Context, accountID, code string) ([]string, error) {
	t, err := s.store.TOTP(ctx, accountID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && !t.Confirmed.IsZero()) {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "no authenticator app is waiting for its first code: start again")
	}
	if err != nil {
		return nil, fmt.Errorf("confirm authenticator app: %w", err)
	}
	step, ok := matchTOTP(t.Secret, code, s.now())
	if !ok {
		return nil, hearth.FieldError("code", "the code does not match: check the app's clock and enter the current code")
	}
	codes, hashes := newRecoveryCodes()
	if err := s.store.ConfirmTOTP(ctx, accountID, step, hashes, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("confirm authenticator app: %w", err)
	}
	return codes, nil
}

// matchTOTP returns the time step whose code is code, within the skew.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	matched, step := false, int64(0)
	for d := -totpSkew; d <= totpSkew; d++ {
		at := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched, step = true, at.Unix()/totpPeriod
		}
	}
	return step, matched
}

// CompleteSignIn finishes a sign-in begun by SignIn with a second factor:
// method hearth.FactorTOTP and the authenticator app's current code, or
// hearth.FactorRecovery and an unused recovery code. It returns the new
// session's token (shown once) and the session, marked with the factor.
//
// Errors: EUNAUTHORIZED for an unknown or expired second-step token or a
// wrong code (after SecondStepAttempts wrong ones the token is dropped);
// ECONFLICT for a code accepted before (the same TOTP step, a used
// recovery code) or a token that already opened a session, which is
// recorded for the account holder (SecondFactors) and changes nothing
// else; EINVALID for an unknown method or a method the account lacks;
// ETOOMANY wrapping a *RetryAfterError past the sign-in limits, counted
// as Throttled says for kind "second_factor" (SEC-BRUTE).
//
// The step is kept in the store, so the node that handed out the token
// need not be the one finishing it; its attempts are counted there before
// each check. EUNAVAILABLE if other requests on the same token kept
// changing it meanwhile.
func (s *Service) CompleteSignIn(ctx context.Context, stepToken, method, code, clientAddr string) (string, *hearth.Session, error) {
	if method != hearth.FactorTOTP && method != hearth.FactorRecovery {
		return "", nil, hearth.FieldError("method", "use %q or %q here; passkeys have their own route", hearth.FactorTOTP, hearth.FactorRecovery)
	}
	accountID, attempt, err := s.attemptStep(ctx, stepToken, method, clientAddr)
	if err != nil {
		return "", nil, err
	}
	if method == hearth.FactorTOTP {
		err = s.useTOTP(ctx, accountID, code, clientAddr)
	} else {
		err = s.useRecoveryCode(ctx, accountID, code, clientAddr)
	}
	if err != nil {
		s.stepFailed(ctx, stepToken, attempt)
		return "", nil, err
	}
	return s.finishStep(ctx, stepToken, accountID, method, clientAddr)
}

// checkStep returns the account of an open second step after the limits;
// a step that already opened a session is a replay.
func (s *Service) checkStep(ctx context.Context, stepToken, method, clientAddr string) (string, error) {
	st, err := s.step(ctx, stepToken)
	if err != nil {
		if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED {
			s.metrics.AuthFailures.WithLabelValues("second_factor", "unknown_step").Inc()
		}
		return "", err
	}
	if err := s.throttleSecond(st.AccountID, clientAddr); err != nil {
		return "", err
	}
	if st.Done {
		return "", s.refuseReplay(ctx, st.AccountID, clientAddr, method, "replayed", errStepDone)
	}
	return st.AccountID, nil
}

// attemptStep is checkStep followed by takeAttempt: it returns the
// account of an open second step and the number of the factor check about
// to be made, counted already.
func (s *Service) attemptStep(ctx context.Context, stepToken, method, clientAddr string) (string, int, error) {
	accountID, err := s.checkStep(ctx, stepToken, method, clientAddr)
	if err != nil {
		return "", 0, err
	}
	attempt, err := s.takeAttempt(ctx, stepToken)
	if err != nil {
		return "", 0, s.attemptRefused(ctx, err, accountID, method, clientAddr)
	}
	return accountID, attempt, nil
}

// attemptRefused explains why takeAttempt (or the passkey challenge's
// taking) refused: a step finished meanwhile is a replay, recorded; an
// unknown one is counted.
func (s *Service) attemptRefused(ctx context.Context, err error, accountID, method, clientAddr string) error {
	switch {
	case isStepDone(err):
		return s.refuseReplay(ctx, accountID, clientAddr, method, "replayed", errStepDone)
	case hearth.ErrorCode(err) == hearth.EUNAUTHORIZED:
		s.metrics.AuthFailures.WithLabelValues("second_factor", "unknown_step").Inc()
	}
	return err
}

// errStepDone refuses a second-step token that opened a session already.
var errStepDone = hearth.Errorf(hearth.ECONFLICT, "this sign-in was finished already: a second-step token opens one session")

// finishStep marks the step done and opens the session. The step is
// claimed first, by a conditional update in the store, so that two right
// factors sent at once on one token, to one node or two, open one
// session: the second is a replay.
func (s *Service) finishStep(ctx context.Context, stepToken, accountID, factor, clientAddr string) (string, *hearth.Session, error) {
	_, err := s.updateStep(ctx, stepToken, func(st *hearth.AuthCeremony) error {
		if st.Done {
			return errStepDone
		}
		st.Done, st.Challenge = true, nil
		return nil
	})
	if isStepDone(err) {
		return "", nil, s.refuseReplay(ctx, accountID, clientAddr, factor, "replayed", err)
	}
	if err != nil {
		return "", nil, err
	}
	token, sess, err := s.startFactorSession(ctx, accountID, factor)
	if err != nil {
		// Give the step back, so the person may try again with a new
		// factor; if that fails too they sign in with the password again.
		_, _ = s.updateStep(ctx, stepToken, func(st *hearth.AuthCeremony) error {
			st.Done = false
			return nil
		})
		return "", nil, err
	}
	s.Succeeded("second_factor", accountID, clientAddr)
	return token, sess, nil
}

// useTOTP accepts the authenticator app's code once.
func (s *Service) useTOTP(ctx context.Context, accountID, code, clientAddr string) error {
	t, err := s.store.TOTP(ctx, accountID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && t.Confirmed.IsZero()) {
		return hearth.FieldError("method", "this account has no authenticator app: use another second factor")
	}
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	step, ok := matchTOTP(t.Secret, code, s.now())
	if !ok {
		s.failSecond(accountID, clientAddr, "bad_credential")
		return &hearth.Error{Code: hearth.EUNAUTHORIZED, Field: "code", Message: "the code is wrong or too old: enter the app's current code"}
	}
	err = s.store.UseTOTPStep(ctx, accountID, step)
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		return s.refuseReplay(ctx, accountID, clientAddr, hearth.FactorTOTP, "replayed", err)
	}
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	return nil
}

// useRecoveryCode accepts an unused recovery code once.
func (s *Service) useRecoveryCode(ctx context.Context, accountID, code, clientAddr string) error {
	err := s.store.UseRecoveryCode(ctx, accountID, hashCode(code), s.now().UTC())
	switch hearth.ErrorCode(err) {
	case "":
		return nil
	case hearth.ECONFLICT:
		return s.refuseReplay(ctx, accountID, clientAddr, hearth.FactorRecovery, "used", err)
	case hearth.ENOTFOUND:
		s.failSecond(accountID, clientAddr, "bad_credential")
		return &hearth.Error{Code: hearth.EUNAUTHORIZED, Field: "code", Message: "this is not one of your recovery codes"}
	}
	return fmt.Errorf("check recovery code: %w", err)
}

// recoveryEncoding writes recovery codes without padding, in letters and
// digits that are hard to confuse once lower-cased.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRecoveryCodes returns RecoveryCodeCount codes of 50 random bits, as
// xxxxx-xxxxx, and their hashes.
func newRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		rand.Read(b)
		c := strings.ToLower(recoveryEncoding.EncodeToString(b))[:10]
		code := c[:5] + "-" + c[5:]
		codes = append(codes, code)
		hashes = append(hashes, hashCode(code))
	}
	return codes, hashes
}

// normalizeRecoveryCode ignores case, spaces and dashes.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}
