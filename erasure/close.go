package erasure

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// CloseAccount closes the caller's account after checking their password
// again (RIGHT-ERASE: closing an account erases everything): it erases
// everything about the person (data key first), deletes the account with
// every session and every household membership, so access ends at once on
// the API (every token is refused) and MQTT (readings naming the person are
// refused). A household whose only member the person was loses its devices'
// credentials (their broker sessions end) and its own readings and key.
// The request is recorded in the rights request log (RIGHT-REQUESTS).
//
// Errors: EFORBIDDEN (field "password") for a wrong password; ETOOMANY
// after too many wrong ones; ECONFLICT (field "household") when the person
// is the last owner of a household that has other members (they must make
// another member an owner, or remove the others, first), or the guardian
// of a child in a household (another guardian must be named first).
// Nothing changes on error.
func (s *Service) CloseAccount(ctx context.Context, acct *hearth.Account, password string) (Result, error) {
	if err := s.cfg.Auth.Reauthenticate(ctx, acct.ID, password); err != nil {
		return Result{}, err
	}
	person := acct.PersonID
	alone, err := s.households(ctx, person)
	if err != nil {
		return Result{}, err
	}
	req, err := s.openRequest(ctx, "", person, person, hearth.CheckReauthenticated, "account")
	if err != nil {
		return Result{}, err
	}
	res, err := s.closeAccount(ctx, person, alone)
	s.closeRequest(ctx, req, res, err)
	return res, err
}

// households checks the person may leave every household they are in and
// returns those where they are the only member.
func (s *Service) households(ctx context.Context, person string) ([]string, error) {
	hs, err := s.cfg.Store.HouseholdsOf(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("close account: %w", err)
	}
	var alone []string
	for _, h := range hs {
		ms, err := s.cfg.Store.Members(ctx, h.ID)
		if err != nil {
			return nil, fmt.Errorf("close account: %w", err)
		}
		owner, otherOwners := false, 0
		for _, m := range ms {
			switch {
			case m.PersonID == person:
				owner = m.Role == hearth.RoleOwner
			case m.GuardianID == person:
				return nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "household",
					Message: fmt.Sprintf("you are the guardian of a child in household %s: name another guardian, or remove the child's profile, before closing your account", h.ID)}
			case m.Role == hearth.RoleOwner:
				otherOwners++
			}
		}
		switch {
		case len(ms) == 1:
			alone = append(alone, h.ID)
		case owner && otherOwners == 0:
			return nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "household",
				Message: fmt.Sprintf("you are the last owner of household %s, which has other members: make another member an owner, or remove the other members, before closing your account", h.ID)}
		}
	}
	return alone, nil
}

// closeAccount erases the households the person is alone in, then the
// person with their account.
func (s *Service) closeAccount(ctx context.Context, person string, alone []string) (Result, error) {
	for _, hh := range alone {
		if err := s.closeHousehold(ctx, hh); err != nil {
			return Result{}, err
		}
	}
	return s.erase(ctx, person, Scope{Everything: true}, true)
}

// closeHousehold revokes the devices of a household whose last member
// leaves, and erases its own readings and key.
func (s *Service) closeHousehold(ctx context.Context, hh string) error {
	devs, err := s.cfg.Store.DevicesIn(ctx, hh)
	if err != nil {
		return fmt.Errorf("close account: %w", err)
	}
	for _, d := range devs {
		_, hash := auth.NewDeviceSecret() // never shown: no secret matches any more
		if err := s.cfg.Store.SetCredential(ctx, d.ID, hash); err != nil {
			return fmt.Errorf("close account: revoke device: %w", err)
		}
		s.cfg.CredentialChanged(d.ID)
	}
	now := s.now()
	e := &hearth.Erasure{PersonID: hh, Everything: true, At: now,
		Filter: hearth.ErasureFilter{PersonID: "-", HouseholdID: hh, ReceivedBefore: now.Add(time.Nanosecond)}}
	_, err = s.apply(ctx, e, Scope{Everything: true})
	return err
}
