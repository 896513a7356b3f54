package auth

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// ChangePassword replaces the password of the account signed in with
// token, after checking current, the password it has now. The new password
// follows the sign-up rules (CheckPassword, and not the e-mail address).
// Every other session of the account ends at once; the session of token
// stays, so the person remains signed in where they made the change.
//
// It returns EUNAUTHORIZED if token names no unexpired session, EINVALID
// with Field "current_password" when current is wrong (counted against
// the account's sign-in limit: after SignInPerAccount failures within
// SignInWindow, ETOOMANY wrapping a *RetryAfterError, SEC-BRUTE), and
// EINVALID with Field "password" for a new password that breaks the rules.
func (s *Service) ChangePassword(ctx context.Context, token, current, next string) error {
	acct, err := s.Authenticate(ctx, token)
	if err != nil {
		return err
	}
	key := string(acct.Email)
	if ok, after := s.perAccount.Allowed(key); !ok {
		s.metrics.AuthFailures.WithLabelValues("password_change", "rate_limited").Inc()
		return &hearth.Error{Code: hearth.ETOOMANY, Message: msgSignInThrottled, Err: &RetryAfterError{After: after}}
	}
	ok, err := VerifyPassword(acct.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if !ok {
		s.perAccount.Fail(key)
		s.metrics.AuthFailures.WithLabelValues("password_change", "bad_credential").Inc()
		return hearth.FieldError("current_password", "the current password is wrong")
	}
	if err := checkAccountPassword(next, string(acct.Email)); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := s.store.SetPassword(ctx, acct.ID, hash, HashToken(token)); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}

// SignOutEverywhere ends every session of the account signed in with
// token, that one included, and returns how many ended. It returns
// EUNAUTHORIZED if token names no unexpired session.
func (s *Service) SignOutEverywhere(ctx context.Context, token string) (int, error) {
	acct, err := s.Authenticate(ctx, token)
	if err != nil {
		return 0, err
	}
	n, err := s.store.DeleteSessionsOf(ctx, acct.ID, nil)
	if err != nil {
		return 0, fmt.Errorf("sign out everywhere: %w", err)
	}
	return n, nil
}
