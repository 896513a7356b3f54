package rights

import (
	"context"
	"fmt"
	"slices"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Subjects keeps people's settings, where the rights they exercise over the
// use of their data are stored, and the policy subjects built from them;
// *subject.Cache satisfies it. UpdateRights must drop the person's cached
// subjects, so the next decision about them uses the new state; it may
// call change more than once (on settings read again after another node
// stored theirs), so change only changes the settings it is given.
type Subjects interface {
	StoredSettings(ctx context.Context, person string) (hearth.PersonSettings, error)
	UpdateRights(ctx context.Context, person string, change func(*hearth.PersonSettings) error) (hearth.PersonSettings, error)
	Person(ctx context.Context, householdID, personID string) (policy.Subject, error)
	ForReading(ctx context.Context, r *hearth.Reading) (policy.Subject, error)
}

// Controls is the state of the rights a person exercised over the use of
// their data (RIGHT-RESTRICT, RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM),
// and, per purpose of the manifest, what they may do about it and whether
// it uses their data now.
type Controls struct {
	RestrictAll     bool              `json:"restrict_all"`
	Restricted      []string          `json:"restricted"`
	Objected        []string          `json:"objected"`
	ObjectMarketing bool              `json:"object_marketing"`
	ADMOptOut       []string          `json:"adm_opt_out"`
	Purposes        []PurposeControls `json:"purposes"`
}

// PurposeControls is one purpose as a person's controls show it.
type PurposeControls struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Basis      string `json:"basis"`
	Objectable bool   `json:"objectable"` // an objection is honoured; otherwise restrict it or withdraw consent
	Automated  bool   `json:"automated"`  // it makes solely automated decisions: opt-out and human review
	Active     bool   `json:"active"`     // it uses the person's data now
	Reason     string `json:"reason,omitempty"`
}

// Change is who changes a person's controls, and the actor's password,
// checked again: every change is a rights request in the log.
type Change struct {
	Actor, HouseholdID, PersonID string
	Password                     string
}

// opening returns the rights request opening for the change.
func (c Change) opening(typ hearth.RequestType, scope string) Opening {
	return Opening{Actor: c.Actor, HouseholdID: c.HouseholdID, PersonID: c.PersonID, Type: typ, Scope: scope, Password: c.Password}
}

// controlsServed returns ENOTFOUND unless the service was configured with
// Subjects, Policy and Manifest.
func (s *Service) controlsServed() error {
	if s.subjects == nil || s.policy == nil || s.manifest == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "restriction and objection are not served here")
	}
	return nil
}

// Controls returns person's controls as actor sees them in household hh.
// It has the errors of Authorize.
func (s *Service) Controls(ctx context.Context, actor, hh, person string) (Controls, error) {
	if err := s.controlsServed(); err != nil {
		return Controls{}, err
	}
	if _, err := s.Authorize(ctx, actor, hh, person); err != nil {
		return Controls{}, err
	}
	return s.controls(ctx, hh, person)
}

// controls builds person's controls from their settings and subject.
func (s *Service) controls(ctx context.Context, hh, person string) (Controls, error) {
	st, err := s.subjects.StoredSettings(ctx, person)
	if err != nil {
		return Controls{}, fmt.Errorf("controls: %w", err)
	}
	sub, err := s.subjects.Person(ctx, hh, person)
	if err != nil {
		return Controls{}, fmt.Errorf("controls: %w", err)
	}
	c := Controls{RestrictAll: st.RestrictAll, Restricted: nonNil(st.Restricted), Objected: nonNil(st.Objected),
		ObjectMarketing: st.ObjectMarketing, ADMOptOut: nonNil(st.ADMOptOut), Purposes: []PurposeControls{}}
	for _, p := range s.manifest.Purposes {
		d := s.policy.Active(&sub, p.ID)
		pc := PurposeControls{ID: p.ID, Name: p.Name, Basis: p.Basis, Active: d.Allow,
			Objectable: s.policy.Objectable(p.ID).Allow, Automated: s.policy.ADMOptOutable(p.ID).Allow}
		if !d.Allow {
			pc.Reason = s.policy.Explain(d)
		}
		c.Purposes = append(c.Purposes, pc)
	}
	return c, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// Restrict restricts (on) or lifts the restriction of (off) the processing
// of the person's data for purpose, or for every purpose when purpose is
// "" (RIGHT-RESTRICT): the data is kept and not used, so the next reading
// for it is refused and stored readings are withheld from reads. It is
// recorded as a restriction request, done at once. It returns ENOTFOUND
// (field purpose) for an undeclared purpose, and the errors of Open.
func (s *Service) Restrict(ctx context.Context, c Change, purpose string, on bool) (Controls, *hearth.RightsRequest, error) {
	scope, outcome := "all", "all processing of the data restricted: it is kept and not used"
	if !on {
		outcome = "the restriction of all processing lifted"
	}
	if purpose != "" {
		scope = "purpose:" + purpose
		outcome = "processing for " + purpose + " restricted: the data is kept and not used for it"
		if !on {
			outcome = "the restriction of " + purpose + " lifted"
		}
	}
	return s.apply(ctx, c, hearth.RequestRestriction, scope, s.decide(purpose, s.policy.Restrictable), outcome,
		func(st *hearth.PersonSettings) {
			if purpose == "" {
				st.RestrictAll = on
				return
			}
			st.Restricted = toggle(st.Restricted, purpose, on)
		})
}

// Object records (on) or withdraws (off) an objection to purpose
// (RIGHT-OBJECT): honoured for purposes on legitimate interests or public
// task, profiling, marketing and advertising (policy.Engine.Objectable).
// An objection the purpose's basis does not allow is recorded as a refused
// request and returns EREFUSED with the policy's reason; withdrawing one is
// always allowed. It returns ENOTFOUND (field purpose) for an undeclared
// purpose, and the errors of Open.
func (s *Service) Object(ctx context.Context, c Change, purpose string, on bool) (Controls, *hearth.RightsRequest, error) {
	d := s.decide(purpose, s.policy.Objectable)
	outcome := "objection to " + purpose + " recorded: it no longer uses the data"
	if !on {
		d = s.decide(purpose, s.policy.Restrictable)
		outcome = "objection to " + purpose + " withdrawn"
	}
	return s.apply(ctx, c, hearth.RequestObjection, "purpose:"+purpose, d, outcome, func(st *hearth.PersonSettings) {
		st.Objected = toggle(st.Objected, purpose, on)
	})
}

// ObjectMarketing turns the one switch against every marketing and
// advertising purpose on or off (RIGHT-OBJECT-MKT); it is absolute: no
// basis overrides it. It is recorded as an objection request with scope
// "marketing". It has the errors of Open.
func (s *Service) ObjectMarketing(ctx context.Context, c Change, on bool) (Controls, *hearth.RightsRequest, error) {
	outcome := "objection to all marketing and advertising recorded: none uses the data"
	if !on {
		outcome = "objection to marketing and advertising withdrawn"
	}
	return s.apply(ctx, c, hearth.RequestObjection, "marketing", s.decide("", nil), outcome, func(st *hearth.PersonSettings) {
		st.ObjectMarketing = on
	})
}

// OptOutADM opts the person out of (on) or back into (off) the solely
// automated decisions of purpose (RIGHT-ADM), recorded as an adm-opt-out
// request, done at once. A purpose that makes no automated decision is
// recorded as refused and returns EREFUSED with the policy's reason. It
// returns ENOTFOUND (field purpose) for an undeclared purpose, and the
// errors of Open.
func (s *Service) OptOutADM(ctx context.Context, c Change, purpose string, on bool) (Controls, *hearth.RightsRequest, error) {
	outcome := "opted out of the solely automated decisions of " + purpose
	if !on {
		outcome = "the opt-out of the automated decisions of " + purpose + " withdrawn"
	}
	return s.apply(ctx, c, hearth.RequestADMOptOut, "purpose:"+purpose, s.decide(purpose, s.policy.ADMOptOutable), outcome,
		func(st *hearth.PersonSettings) { st.ADMOptOut = toggle(st.ADMOptOut, purpose, on) })
}

// RequestReview asks for a human to review the automated decisions of
// purpose about the person (RIGHT-ADM), with the person's view of them in
// their own words ("" for none), kept sealed as the request's statement: an
// adm-review request, left open (received) in the operators' queue with its
// deadline. A purpose that
// makes no automated decision returns EREFUSED with the policy's reason and
// records nothing; so does ECONFLICT while a review of the purpose is still
// open for the person (a second request, such as a form sent twice, would
// only queue the same review again). It returns ENOTFOUND (field purpose)
// for an undeclared purpose, and the errors of Open.
func (s *Service) RequestReview(ctx context.Context, c Change, purpose, view string) (*hearth.RightsRequest, error) {
	if err := s.controlsServed(); err != nil {
		return nil, err
	}
	if _, err := s.Authorize(ctx, c.Actor, c.HouseholdID, c.PersonID); err != nil {
		return nil, err
	}
	d := s.policy.ADMOptOutable(purpose)
	if err := unknownPurpose(d); err != nil {
		return nil, err
	}
	if !d.Allow {
		return nil, &hearth.Error{Code: hearth.EREFUSED, Field: "purpose", Message: s.policy.Explain(d)}
	}
	scope := "purpose:" + purpose
	rs, err := s.store.RightsRequestsOf(ctx, c.PersonID)
	if err != nil {
		return nil, fmt.Errorf("rights: review: %w", err)
	}
	for _, r := range rs {
		if r.Type == hearth.RequestADMReview && r.Scope == scope && r.Status.Open() {
			return nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "purpose", Message: fmt.Sprintf(
				"a human review of these decisions is already waiting: asked on %s, to be answered by %s",
				r.Created.UTC().Format("2 January 2006"), r.Deadline.UTC().Format("2 January 2006"))}
		}
	}
	o := c.opening(hearth.RequestADMReview, scope)
	o.Statement = view
	return s.Open(ctx, o)
}

// decide returns the decision of rule about purpose, or an allowing one
// when there is no rule (purpose "" stands for every purpose).
func (s *Service) decide(purpose string, rule func(string) policy.Decision) policy.Decision {
	if rule == nil || purpose == "" {
		return policy.Decision{Allow: true, Purpose: -1}
	}
	return rule(purpose)
}

// unknownPurpose returns ENOTFOUND (field purpose) for a decision about an
// undeclared purpose.
func unknownPurpose(d policy.Decision) error {
	if d.Reason == policy.ReasonUnknownPurpose {
		return &hearth.Error{Code: hearth.ENOTFOUND, Field: "purpose", Message: d.Reason.String()}
	}
	return nil
}

// apply records a change of a person's controls as a rights request: it
// opens the request (authorising and re-authenticating the actor), refuses
// it with the policy's reason if d does not allow, or applies change to
// the person's settings (which drops their cached subject) and completes
// the request with outcome. It returns the controls after the change.
func (s *Service) apply(ctx context.Context, c Change, typ hearth.RequestType, scope string, d policy.Decision,
	outcome string, change func(*hearth.PersonSettings)) (Controls, *hearth.RightsRequest, error) {
	if err := s.controlsServed(); err != nil {
		return Controls{}, nil, err
	}
	if _, err := s.Authorize(ctx, c.Actor, c.HouseholdID, c.PersonID); err != nil {
		return Controls{}, nil, err
	}
	if err := unknownPurpose(d); err != nil {
		return Controls{}, nil, err
	}
	r, err := s.Open(ctx, c.opening(typ, scope))
	if err != nil {
		return Controls{}, nil, err
	}
	if !d.Allow {
		reason := s.policy.Explain(d)
		if _, err := s.Complete(ctx, r.ID, hearth.StatusRefused, reason); err != nil {
			return Controls{}, nil, err
		}
		return Controls{}, nil, &hearth.Error{Code: hearth.EREFUSED, Field: "purpose", Message: reason}
	}
	if _, err := s.subjects.UpdateRights(ctx, c.PersonID, func(st *hearth.PersonSettings) error {
		change(st)
		return nil
	}); err != nil {
		return Controls{}, nil, fmt.Errorf("apply %s: %w", typ, err)
	}
	if r, err = s.Complete(ctx, r.ID, hearth.StatusDone, outcome); err != nil {
		return Controls{}, nil, err
	}
	ctl, err := s.controls(ctx, c.HouseholdID, c.PersonID)
	return ctl, r, err
}

// toggle returns ids with id in it (on) or without it (off), in order,
// without duplicates.
func toggle(ids []string, id string, on bool) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })
	if on {
		out = append(out, id)
	}
	return out
}
