package consent

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Give records that actor consents, for subject's data, to purpose, and
// returns the new state. statement is the consent statement the person
// confirmed; where the purpose needs explicit consent (special category
// data: CONSENT-EXPLICIT) it must be the manifest's statement, verbatim,
// and it is recorded in the ledger; for any other purpose it is ignored and
// nothing is recorded in its place. Giving a consent that is given already
// records nothing and returns the current state.
//
// Errors (*hearth.Error): EINVALID for a bad method or statement, or a
// purpose that does not rely on consent (field "purpose"); ENOTFOUND for an
// undeclared purpose (field "purpose") or a subject outside the actor's
// households; EFORBIDDEN when the actor may not consent for the subject
// (CONSENT-MULTIUSER, CONSENT-CHILD). On error nothing is recorded.
func (s *Service) Give(ctx context.Context, actor, subject, purpose string, method hearth.Method, statement string) (PurposeState, error) {
	return s.decide(ctx, actor, subject, purpose, method, statement, hearth.EntryConsentGiven)
}

// Refuse records that actor declines, for subject's data, the consent
// request for purpose. The request is then not asked again within the
// manifest's cool-off (CONSENT-NO-NAG). It returns ECONFLICT if consent is
// given (withdraw it instead) and otherwise the errors of Give; refusing
// again records nothing.
func (s *Service) Refuse(ctx context.Context, actor, subject, purpose string, method hearth.Method) (PurposeState, error) {
	return s.decide(ctx, actor, subject, purpose, method, "", hearth.EntryConsentRefused)
}

// Withdraw records that actor withdraws subject's consent to purpose, with
// the same shape and errors as Give (CONSENT-WITHDRAW): processing that
// relies on it stops with the next decision policy makes. Withdrawing a
// consent that is not given records nothing and returns the current state.
func (s *Service) Withdraw(ctx context.Context, actor, subject, purpose string, method hearth.Method) (PurposeState, error) {
	return s.decide(ctx, actor, subject, purpose, method, "", hearth.EntryConsentWithdrawn)
}

// decide checks and records one decision of type t.
func (s *Service) decide(ctx context.Context, actor, subject, purpose string, method hearth.Method, statement string, t hearth.EntryType) (PurposeState, error) {
	c, err := s.check(ctx, actor, subject, purpose, method)
	if err != nil {
		return PurposeState{}, err
	}
	if t == hearth.EntryConsentGiven {
		if statement, err = s.statement(purpose, statement); err != nil {
			return PurposeState{}, err
		}
	}
	folded, err := s.fold(ctx, subject)
	if err != nil {
		return PurposeState{}, err
	}
	cur, ok := folded[purpose]
	if !ok {
		cur = PurposeState{Status: StatusNotGiven}
	}
	switch {
	case t == hearth.EntryConsentRefused && cur.Status == StatusGiven:
		return cur, hearth.Errorf(hearth.ECONFLICT, "consent is given; withdraw it instead")
	case statusOf[t] == cur.Status, t == hearth.EntryConsentWithdrawn && cur.Status != StatusGiven:
		return cur, nil // nothing changes: record nothing
	}
	es, err := s.cfg.Ledger.Append(ctx, s.entry(c, t, statement))
	if err != nil {
		return PurposeState{}, fmt.Errorf("record consent decision: %w", err)
	}
	s.cfg.OnChange(subject)
	return apply(cur, es[0]), nil
}

// statement checks the statement given with a consent and returns the one
// to record: for a purpose that needs explicit consent, the manifest's
// statement, which given must match verbatim; for any other purpose none.
// The ledger is kept in clear, so it never records text a client sent that
// the manifest does not hold (it could name a person).
func (s *Service) statement(purpose, given string) (string, error) {
	want, required := s.cfg.Policy.Explicit(purpose)
	if !required {
		return "", nil
	}
	if given != want {
		return "", hearth.FieldError("statement", "explicit consent needs the statement shown in the request, word for word")
	}
	return want, nil
}
