package auth

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// ChangePassword replaces the password of the account signed in with
// token, after checking current, the password it has now, as
// Reauthenticate does (rate-limited like sign-in, SEC-BRUTE). The new
// password follows the sign-up rules (CheckPassword, and not the e-mail
// address). Every other session of the account ends at once; the session
// of token stays, so the person remains signed in where they made the
// change.
//
// It returns EUNAUTHORIZED if token names no unexpired session, EFORBIDDEN
// with Field "current_password" when current is wrong, ETOOMANY wrapping a
// *RetryAfterError after too many wrong ones, and EINVALID with Field
// "password" for a new password that breaks the rules.
func (s *Service) ChangePassword(ctx context.Context, token, current, next string) error {
	acct, err := s.Authenticate(ctx, token)
	if err != nil {
		return err
	}
	if err := s.Reauthenticate(ctx, acct.ID, current); err != nil {
		if hearth.ErrorField(err) == "password" {
			return &hearth.Error{Code: hearth.ErrorCode(err), Field: "current_password", Message: hearth.ErrorMessage(err), Err: err}
		}
		return err
	}
	if err := checkAccountPassword(next, string(acct.Email)); err != nil {
		return err
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash, _ = HashPassword(next) }); err != nil {
		return err
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
