package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// msgSignUpThrottled is the message of a sign-up refused for too many
// attempts from one client address.
const msgSignUpThrottled = "too many sign-ups from your network: wait before trying again"

// Register signs a person up for the HTTP API, where the answer must not
// tell whether an account with the e-mail address exists (SEC-BRUTE). It
// checks the input first, cheaply (EINVALID with Field email, password or
// display_name, as SignUp), then counts the attempt against clientAddr
// (SignUpPerAddress attempts, then progressive locks up to SignInWindow:
// ETOOMANY wrapping a *RetryAfterError), and only then hashes the password,
// within the bound on concurrent hashing (EUNAVAILABLE when it stays busy).
//
// It returns nil both when it created the account and when one with the
// address existed already, after the same work: one lookup of the address,
// one argon2id hash, one write. In the second case the existing account is
// left unchanged and its person gets a NotifySignUpAttempt notification, at
// most one a day (the write).
func (s *Service) Register(ctx context.Context, email, password, displayName, clientAddr string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := checkDisplayName(displayName); err != nil {
		return err
	}
	if err := checkAccountPassword(password, email); err != nil {
		return err
	}
	addr := AddressKey(clientAddr)
	if ok, after := s.signUps.Allowed(addr); !ok {
		s.metrics.AuthFailures.WithLabelValues("sign_up", "rate_limited").Inc()
		return &hearth.Error{Code: hearth.ETOOMANY, Message: msgSignUpThrottled, Err: &RetryAfterError{After: after}}
	}
	s.signUps.Fail(addr)
	existing, err := s.store.AccountByEmail(ctx, hearth.Email(email))
	if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return fmt.Errorf("sign up: %w", err)
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash, _ = HashPassword(password) }); err != nil {
		return err
	}
	if existing != nil {
		return s.tellOwner(ctx, existing)
	}
	_, _, err = s.createAccount(ctx, email, displayName, hash)
	if hearth.ErrorCode(err) != hearth.ECONFLICT {
		return err
	}
	// Signed up at the same moment by another request: the owner is told.
	if existing, err = s.store.AccountByEmail(ctx, hearth.Email(email)); err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	return s.tellOwner(ctx, existing)
}

// tellOwner notifies the person of acct that someone tried to sign up with
// its e-mail address. The notification's ID is derived from the account
// and the day, so a flood of attempts stores one a day.
func (s *Service) tellOwner(ctx context.Context, acct *hearth.Account) error {
	now := s.now().UTC()
	sum := sha256.Sum256([]byte(string(hearth.NotifySignUpAttempt) + "\x00" + acct.ID + "\x00" + now.Format("2006-01-02")))
	n := hearth.Notification{
		ID: "n_" + hex.EncodeToString(sum[:10]), PersonID: acct.PersonID, Kind: hearth.NotifySignUpAttempt,
		Title: "Someone tried to sign up with your e-mail address",
		Body: "Someone tried to create a Hearth account with your e-mail address. Your account was not changed and nobody was signed in. " +
			"If it was you, sign in with your password instead. If it was not, you need not do anything; a strong password you use nowhere else keeps your account safe.",
		Created: now,
	}
	if err := s.store.AddNotifications(ctx, []hearth.Notification{n}); err != nil {
		return fmt.Errorf("sign up: tell the account's owner: %w", err)
	}
	return nil
}
