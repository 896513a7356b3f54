package erasure

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// CloseAccount closes the caller's account after checking their password
// again (RIGHT-ERASE: closing an account erases everything). First the
// person leaves every household they are in, all at once and under the
// same rules as leaving one (Config.Households, household.Service.LeaveAll):
// a household left without members ends exactly as when its last member
// leaves it (its unused invitations deleted, its devices removed, their
// MQTT sessions ended at once), and its own readings and key are erased.
// Then everything about the person is erased (data key first) and the
// account deleted with every session, so access ends at once on the API
// (every token is refused) and MQTT (readings naming the person are
// refused). The request is recorded in the rights request log
// (RIGHT-REQUESTS).
//
// Errors: EFORBIDDEN (field "password") for a wrong password; ETOOMANY
// after too many wrong ones; ECONFLICT (field "household", the message
// naming it) when the person is the last owner of a household that has
// other members (they must make another member an owner, or remove the
// others, first), or the guardian of a child in a household (another
// guardian must be named first). A refused closure changes nothing.
func (s *Service) CloseAccount(ctx context.Context, acct *hearth.Account, password string) (Result, error) {
	if err := s.cfg.Auth.Reauthenticate(ctx, acct.ID, password); err != nil {
		return Result{}, err
	}
	person := acct.PersonID
	emptied, err := s.cfg.Households.LeaveAll(ctx, person)
	if err != nil {
		return Result{}, fmt.Errorf("close account: %w", err)
	}
	req, err := s.openRequest(ctx, "", person, person, hearth.CheckReauthenticated, "account")
	if err != nil {
		return Result{}, err
	}
	res, err := s.closeAccount(ctx, person, emptied)
	s.closeRequest(ctx, req, res, err)
	return res, err
}

// closeAccount erases the own data of the households the person left
// empty, then the person with their account.
func (s *Service) closeAccount(ctx context.Context, person string, emptied []string) (Result, error) {
	for _, hh := range emptied {
		if err := s.eraseHousehold(ctx, hh); err != nil {
			return Result{}, err
		}
	}
	return s.erase(ctx, person, Scope{Everything: true}, true)
}

// eraseHousehold erases the own readings and key of a household its last
// member left.
func (s *Service) eraseHousehold(ctx context.Context, hh string) error {
	now := s.now()
	e := &hearth.Erasure{PersonID: hh, Everything: true, At: now,
		Filter: hearth.ErasureFilter{PersonID: "-", HouseholdID: hh, ReceivedBefore: now.Add(time.Nanosecond)}}
	_, err := s.apply(ctx, e, Scope{Everything: true})
	return err
}
