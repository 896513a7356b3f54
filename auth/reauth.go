package auth

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// msgWrongPassword is the message of a failed re-authentication.
const msgWrongPassword = "the password is wrong: enter the password you sign in with"

// Reauthenticate checks the password of a signed-in account again, to
// confirm the identity of whoever acts before a rights request
// (RIGHT-REQUESTS) or another sensitive change. It returns nil if the
// password matches, EFORBIDDEN with Field "password" if it does not,
// EUNAUTHORIZED if there is no such account, and, after SignInPerAccount
// failures within SignInWindow, ETOOMANY wrapping a *RetryAfterError, the
// same limit as sign-in (SEC-BRUTE). The failures are counted apart from
// sign-in failures, per account.
func (s *Service) Reauthenticate(ctx context.Context, accountID, password string) error {
	key := "reauthenticate:" + accountID
	if ok, after := s.perAccount.Allowed(key); !ok {
		s.metrics.AuthFailures.WithLabelValues("reauthenticate", "rate_limited").Inc()
		return &hearth.Error{Code: hearth.ETOOMANY, Message: msgSignInThrottled, Err: &RetryAfterError{After: after}}
	}
	acct, err := s.store.Account(ctx, accountID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return hearth.Errorf(hearth.EUNAUTHORIZED, "sign in first: the account no longer exists")
	}
	if err != nil {
		return fmt.Errorf("reauthenticate: %w", err)
	}
	var ok bool
	if herr := s.withHashSlot(ctx, func() { ok, err = VerifyPassword(acct.PasswordHash, password) }); herr != nil {
		return herr
	}
	if err != nil {
		return fmt.Errorf("reauthenticate: %w", err)
	}
	if !ok {
		s.perAccount.Fail(key)
		s.metrics.AuthFailures.WithLabelValues("reauthenticate", "bad_credential").Inc()
		return &hearth.Error{Code: hearth.EFORBIDDEN, Field: "password", Message: msgWrongPassword}
	}
	s.perAccount.Reset(key)
	return nil
}
