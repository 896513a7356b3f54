package rights

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Update marks an open request in progress with an outcome so far (which
// may be ""), and returns it. It returns ENOTFOUND for an unknown request,
// ECONFLICT for a closed one and EINVALID (field outcome) for bad text.
func (s *Service) Update(ctx context.Context, id, outcome string) (*hearth.RightsRequest, error) {
	return s.set(ctx, id, hearth.StatusInProgress, outcome)
}

// Complete closes an open request as done or refused, with its outcome in
// plain text (never a personal value), and returns it. It returns EINVALID
// (field status or outcome) for another status or an empty or bad outcome,
// ENOTFOUND for an unknown request and ECONFLICT for a closed one.
func (s *Service) Complete(ctx context.Context, id string, status hearth.RequestStatus, outcome string) (*hearth.RightsRequest, error) {
	if status != hearth.StatusDone && status != hearth.StatusRefused {
		return nil, hearth.FieldError("status", "must be done or refused")
	}
	if outcome == "" {
		return nil, hearth.FieldError("outcome", "say what was done, or why the request was refused")
	}
	return s.set(ctx, id, status, outcome)
}

// Progress records an operator's progress on an open request: in-progress
// (Update), or done or refused (Complete). It has their errors, and
// EINVALID (field status) for any other status. `hearth requests update`,
// the operator API and the console call it.
func (s *Service) Progress(ctx context.Context, id string, status hearth.RequestStatus, outcome string) (*hearth.RightsRequest, error) {
	switch status {
	case hearth.StatusInProgress:
		return s.Update(ctx, id, outcome)
	case hearth.StatusDone, hearth.StatusRefused:
		return s.Complete(ctx, id, status, outcome)
	}
	return nil, hearth.FieldError("status", "must be in-progress, done or refused")
}

// set stores a request's new status and outcome.
func (s *Service) set(ctx context.Context, id string, status hearth.RequestStatus, outcome string) (*hearth.RightsRequest, error) {
	if err := checkText("outcome", outcome, MaxOutcomeLen); err != nil {
		return nil, err
	}
	r, err := s.store.RightsRequest(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("rights request: %w", err)
	}
	if !r.Status.Open() {
		return nil, hearth.Errorf(hearth.ECONFLICT, "the request is closed already (%s)", r.Status)
	}
	r.Status, r.Outcome = status, outcome
	if !status.Open() {
		r.Completed = s.now().UTC()
	}
	if err := s.store.UpdateRightsRequest(ctx, r); err != nil {
		return nil, fmt.Errorf("update rights request: %w", err)
	}
	return r, nil
}

// Record opens a request and closes it at once with status and outcome, for
// a right applied as it is asked for (a restriction, an objection, a
// correction). It has the errors of Open and Complete; if the completion
// fails, the request stays open in the log for an operator to finish.
func (s *Service) Record(ctx context.Context, o Opening, status hearth.RequestStatus, outcome string) (*hearth.RightsRequest, error) {
	r, err := s.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	return s.Complete(ctx, r.ID, status, outcome)
}

// Requests lists person's requests, newest first, as actor sees them in
// household hh: the person themselves, their guardian, or the owner for a
// profile without an account. It has the errors of Authorize.
func (s *Service) Requests(ctx context.Context, actor, hh, person string) ([]hearth.RightsRequest, error) {
	if _, err := s.Authorize(ctx, actor, hh, person); err != nil {
		return nil, err
	}
	rs, err := s.store.RightsRequestsOf(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("list rights requests: %w", err)
	}
	return rs, nil
}

// Request returns one of person's requests as actor sees it in household
// hh. It has the errors of Authorize, and ENOTFOUND if person has no
// request with that ID.
func (s *Service) Request(ctx context.Context, actor, hh, person, id string) (*hearth.RightsRequest, error) {
	if _, err := s.Authorize(ctx, actor, hh, person); err != nil {
		return nil, err
	}
	r, err := s.store.RightsRequest(ctx, id)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || err == nil && r.PersonID != person {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "no such rights request")
	}
	if err != nil {
		return nil, fmt.Errorf("rights request: %w", err)
	}
	return r, nil
}

// Queue lists at most limit open requests of everyone, earliest deadline
// first: the operators' queue. It is not authorised here: only operator
// tools (the hearth requests command) may call it. A limit of 0 means the
// store's default; a negative one is EINVALID.
func (s *Service) Queue(ctx context.Context, limit int) ([]hearth.RightsRequest, error) {
	rs, err := s.store.OpenRightsRequests(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("list open rights requests: %w", err)
	}
	return rs, nil
}
