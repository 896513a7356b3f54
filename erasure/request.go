package erasure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// String describes the scope in IDs and times only, for the rights request
// log: "" for everything.
func (sc Scope) String() string {
	var parts []string
	if sc.Category != "" {
		parts = append(parts, "category:"+sc.Category)
	}
	if sc.DeviceID != "" {
		parts = append(parts, "device:"+sc.DeviceID)
	}
	if !sc.From.IsZero() {
		parts = append(parts, "from:"+sc.From.UTC().Format(time.RFC3339))
	}
	if !sc.To.IsZero() {
		parts = append(parts, "to:"+sc.To.UTC().Format(time.RFC3339))
	}
	if !sc.Everything && len(parts) == 0 {
		return "readings"
	}
	return strings.Join(parts, " ")
}

// identityCheck is what the request log records for an erasure basis.
func identityCheck(b policy.EraseBasis) hearth.IdentityCheck {
	switch b {
	case policy.EraseGuardian:
		return hearth.CheckGuardian
	case policy.EraseOwnerForProfile:
		return hearth.CheckOwner
	}
	return hearth.CheckReauthenticated
}

// reauthenticate checks the actor's password again (RIGHT-REQUESTS: the
// identity of whoever acts is verified).
func (s *Service) reauthenticate(ctx context.Context, actor, password string) error {
	p, err := s.cfg.Store.Person(ctx, actor)
	if err != nil {
		return fmt.Errorf("re-authenticate: %w", err)
	}
	if p.AccountID == "" {
		return hearth.Errorf(hearth.EFORBIDDEN, "only a person who signs in can ask for an erasure")
	}
	return s.cfg.Auth.Reauthenticate(ctx, p.AccountID, password)
}

// openRequest records the erasure in the rights request log, in progress.
func (s *Service) openRequest(ctx context.Context, hh, actor, person string, check hearth.IdentityCheck, scope string) (*hearth.RightsRequest, error) {
	now := s.now()
	r := &hearth.RightsRequest{ID: hearth.NewID("rr_"), PersonID: person, HouseholdID: hh, Type: hearth.RequestErasure,
		Scope: scope, RequestedBy: actor, IdentityCheck: check, Status: hearth.StatusInProgress,
		Created: now, Deadline: policy.RequestDeadline(now)}
	if err := s.cfg.Store.CreateRightsRequest(ctx, r); err != nil {
		return nil, fmt.Errorf("record erasure request: %w", err)
	}
	return r, nil
}

// closeRequest records the outcome: done, or, if the erasure failed, still
// in progress with the failure, for an operator (the journal re-applies
// what was recorded at the next start). A failure to record it is logged,
// as the erasure itself is done.
func (s *Service) closeRequest(ctx context.Context, r *hearth.RightsRequest, res Result, err error) {
	r.Outcome = fmt.Sprintf("erased %d readings; data key destroyed: %t; recipients told: %d", res.Readings, res.KeyDestroyed, len(res.Notices))
	if err == nil {
		r.Status, r.Completed = hearth.StatusDone, s.now()
	} else {
		r.Outcome = "the erasure failed part way (" + hearth.ErrorMessage(err) + "); it is re-applied when the server starts: " + r.Outcome
	}
	if uerr := s.cfg.Store.UpdateRightsRequest(ctx, r); uerr != nil {
		s.cfg.Logger.Error("erasure: record request outcome", "request", r.ID, "err", uerr)
	}
}
