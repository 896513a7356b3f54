package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Second steps (the sign-in between a right password and the second
// factor) and open passkey registrations are kept in the store
// (hearth.AuthCeremonyStore), so that with several nodes on one database
// the request that finishes one may reach another node than the one that
// began it. Every change is made on what was read, conditional on its
// version (updateCeremony), so two nodes never both count the same
// attempt, use the same challenge, or open two sessions from one token.
// At most MaxPendingSecondSteps second steps are held; each lives
// SecondStepTTL and takes SecondStepAttempts factor checks.

// ceremonyRetries bounds how often a change is tried again on a ceremony
// that changed between reading and writing: only requests carrying the
// same token or account change it, so a handful at once is already odd.
const ceremonyRetries = 8

// errStepUnknown refuses an unknown, expired or dropped second-step token.
var errStepUnknown = hearth.Errorf(hearth.EUNAUTHORIZED, msgStepUnknown)

// startStep hands out a second-step token for accountID, valid until the
// returned time.
func (s *Service) startStep(ctx context.Context, accountID string) (string, time.Time, error) {
	token, hash := NewToken()
	now := s.now().UTC()
	c := &hearth.AuthCeremony{Kind: hearth.CeremonySecondStep, Key: hash, AccountID: accountID,
		Created: now, Expires: now.Add(SecondStepTTL)}
	if err := s.store.CreateAuthCeremony(ctx, c, s.maxSteps); err != nil {
		return "", time.Time{}, fmt.Errorf("start second step: %w", err)
	}
	return token, c.Expires, nil
}

// step returns the unexpired second step of token; EUNAUTHORIZED if there
// is none.
func (s *Service) step(ctx context.Context, token string) (*hearth.AuthCeremony, error) {
	c, err := s.store.AuthCeremony(ctx, hearth.CeremonySecondStep, HashToken(token), s.now().UTC())
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, errStepUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("second step: %w", err)
	}
	return c, nil
}

// updateStep changes token's second step with fn (see updateCeremony);
// EUNAUTHORIZED if there is no such step.
func (s *Service) updateStep(ctx context.Context, token string, fn func(c *hearth.AuthCeremony) error) (*hearth.AuthCeremony, error) {
	return s.updateCeremony(ctx, func() (*hearth.AuthCeremony, error) { return s.step(ctx, token) }, fn)
}

// updateCeremony reads a ceremony with get, lets fn change it (fn's error
// stops it, changing nothing) and stores the change if nobody changed the
// ceremony since it was read, reading it again otherwise. It returns the
// ceremony as stored, get's and fn's errors, EUNAVAILABLE after
// ceremonyRetries changes by others in between.
func (s *Service) updateCeremony(ctx context.Context, get func() (*hearth.AuthCeremony, error), fn func(c *hearth.AuthCeremony) error) (*hearth.AuthCeremony, error) {
	for range ceremonyRetries {
		c, err := get()
		if err != nil {
			return nil, err
		}
		if err := fn(c); err != nil {
			return nil, err
		}
		err = s.store.UpdateAuthCeremony(ctx, c, s.now().UTC())
		switch hearth.ErrorCode(err) {
		case "":
			return c, nil
		case hearth.ECONFLICT, hearth.ENOTFOUND: // read it again: get says what is left
			continue
		}
		return nil, fmt.Errorf("update %s: %w", c.Kind, err)
	}
	return nil, hearth.Errorf(hearth.EUNAVAILABLE, "this sign-in is being changed by other requests at once: try again")
}

// takeAttempt counts a factor check against token's second step before
// it is made, so that across nodes at most SecondStepAttempts checks are
// made per token, and returns the attempts counted. errStepDone if the
// step opened a session already; EUNAUTHORIZED if it is unknown or has
// no attempt left.
func (s *Service) takeAttempt(ctx context.Context, token string) (int, error) {
	c, err := s.updateStep(ctx, token, func(c *hearth.AuthCeremony) error {
		if c.Done {
			return errStepDone
		}
		if c.Attempts >= SecondStepAttempts {
			return errStepUnknown
		}
		c.Attempts++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return c.Attempts, nil
}

// stepFailed drops token's second step once the failed check that took
// attempt (takeAttempt's count) was its last. The step takes no further
// check either way (takeAttempt refuses it); removing it frees its place
// among MaxPendingSecondSteps, so a failure to remove it changes nothing
// else and is not reported.
func (s *Service) stepFailed(ctx context.Context, token string, attempt int) {
	if attempt >= SecondStepAttempts {
		_ = s.store.DeleteAuthCeremony(ctx, hearth.CeremonySecondStep, HashToken(token), 0)
	}
}

// isStepDone reports errStepDone in err's chain.
func isStepDone(err error) bool { return errors.Is(err, errStepDone) }
