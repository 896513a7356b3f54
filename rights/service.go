// Package rights keeps the log of people's rights requests (RIGHT-REQUESTS):
// every request to access, export, import, rectify, erase, restrict, object
// or have an automated decision reviewed is recorded with its type, who
// acted and how their identity was checked, its status, a deadline one
// calendar month out and its outcome. The person (or their guardian, or the
// household owner for a profile without an account) follows their requests;
// operators list the open ones by deadline.
//
// Who may act for whom is decided in package policy (MayExerciseRights).
// Whoever opens a request re-authenticates first: the service checks their
// password again through a Reauthenticator.
package rights

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// Limits on what a request records.
const (
	MaxScopeLen   = 200  // bytes of a request's scope
	MaxOutcomeLen = 2000 // bytes of a request's outcome
	// MaxStatementLen is the most bytes of a person's own statement.
	MaxStatementLen = 4000
)

// Store is what the service keeps requests in and checks memberships with.
type Store interface {
	hearth.HouseholdStore
	hearth.RightsRequestStore
	hearth.RectificationStore
}

// Reauthenticator checks a signed-in account's password again;
// *auth.Service satisfies it.
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, accountID, password string) error
}

// Config configures a Service. Store and Auth are required; Now defaults to
// time.Now. Subjects, Policy and Manifest serve restriction, objection and
// automated decisions (see Controls): without all three those calls return
// ENOTFOUND.
type Config struct {
	Store    Store
	Auth     Reauthenticator
	Now      func() time.Time
	Subjects Subjects
	Policy   *policy.Engine     // compiled from Manifest
	Manifest *manifest.Manifest // names and bases of the purposes
	// Keys opens and seals reading values for their rectification; without
	// it (or Subjects and Policy) readings cannot be rectified (ENOTFOUND).
	Keys Sealer
}

// Service records and serves rights requests. It is safe for concurrent
// use.
type Service struct {
	store    Store
	auth     Reauthenticator
	now      func() time.Time
	subjects Subjects
	policy   *policy.Engine
	manifest *manifest.Manifest
	keys     Sealer
}

// NewService returns a Service; EINVALID if Store or Auth is missing.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Auth == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the rights service needs a store and a re-authenticator")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, auth: cfg.Auth, now: cfg.Now,
		subjects: cfg.Subjects, policy: cfg.Policy, manifest: cfg.Manifest, keys: cfg.Keys}, nil
}

// Opening is a new rights request as a person makes it.
type Opening struct {
	Actor       string // the person acting: the subject, their guardian or the owner
	HouseholdID string // the household both are members of; "" for a person acting for themselves
	PersonID    string // whose rights
	Type        hearth.RequestType
	Scope       string // what it covers, in manifest or record IDs; "" for everything
	Password    string // the actor's password, checked again
	// Statement is what the person says with the request in their own
	// words, at most MaxStatementLen bytes; "" for none. It is sealed with
	// the person's data key (see Statement).
	Statement string
}

// Open records a new request, status received, deadline one calendar month
// out (policy.RequestDeadline), its statement sealed with the person's data
// key, after checking that the actor may act for the person (Authorize) and
// re-authenticating them. It returns EINVALID (field type, scope or
// statement) for bad input, the errors of Authorize, and those of
// Reauthenticator (EFORBIDDEN field password for a wrong password, ETOOMANY
// when throttled). Nothing is recorded on error.
func (s *Service) Open(ctx context.Context, o Opening) (*hearth.RightsRequest, error) {
	if !o.Type.Valid() {
		return nil, hearth.FieldError("type", "must be access, portability, rectification, erasure, restriction, objection, adm-opt-out or adm-review")
	}
	if err := checkText("scope", o.Scope, MaxScopeLen); err != nil {
		return nil, err
	}
	if err := checkStatement(o.Statement); err != nil {
		return nil, err
	}
	if o.Statement != "" && s.keys == nil {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "statements are not kept here")
	}
	check, err := s.Authorize(ctx, o.Actor, o.HouseholdID, o.PersonID)
	if err != nil {
		return nil, err
	}
	if err := s.reauthenticate(ctx, o.Actor, o.Password); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	r := &hearth.RightsRequest{
		ID: hearth.NewID("rr_"), PersonID: o.PersonID, HouseholdID: o.HouseholdID, Type: o.Type, Scope: o.Scope,
		RequestedBy: o.Actor, IdentityCheck: check, Status: hearth.StatusReceived,
		Created: now, Deadline: policy.RequestDeadline(now),
	}
	if o.Statement != "" {
		if r.Statement, err = s.keys.Seal(ctx, r.PersonID, []byte(o.Statement), statementAAD(r.ID)); err != nil {
			return nil, fmt.Errorf("seal statement: %w", err)
		}
	}
	if err := s.store.CreateRightsRequest(ctx, r); err != nil {
		return nil, fmt.Errorf("open rights request: %w", err)
	}
	return r, nil
}

// reauthenticate checks the actor's password; EFORBIDDEN if the actor has no
// account to check it against.
func (s *Service) reauthenticate(ctx context.Context, actor, password string) error {
	p, err := s.store.Person(ctx, actor)
	if err != nil {
		return fmt.Errorf("re-authenticate: %w", err)
	}
	if p.AccountID == "" {
		return hearth.Errorf(hearth.EFORBIDDEN, "only a person who signs in can make a rights request")
	}
	return s.auth.Reauthenticate(ctx, p.AccountID, password)
}

// Authorize checks that actor may exercise person's rights in household hh
// and returns the identity check a request records. The actor must be a
// member of hh (else ENOTFOUND "no such household", so its existence is not
// revealed: SEC-AUTHZ) and person too (else ENOTFOUND, field person);
// policy.MayExerciseRights must allow (else EFORBIDDEN with its reason).
// With hh "" the actor acts for themselves without a household (the
// /v1/me routes): subject.Self decides (policy.MayExerciseOwnRights).
func (s *Service) Authorize(ctx context.Context, actor, hh, person string) (hearth.IdentityCheck, error) {
	if hh == "" {
		d, _, err := subject.Self(ctx, s.store, actor, person)
		if err != nil {
			return "", err
		}
		return policy.IdentityCheckOf(d), nil
	}
	am, err := s.member(ctx, hh, actor)
	if err != nil {
		return "", err
	}
	if am == nil {
		return "", hearth.Errorf(hearth.ENOTFOUND, "no such household")
	}
	pm, err := s.member(ctx, hh, person)
	if err != nil {
		return "", err
	}
	if pm == nil {
		return "", &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"}
	}
	p, err := s.store.Person(ctx, person)
	if err != nil {
		return "", fmt.Errorf("authorize rights: %w", err)
	}
	d := policy.MayExerciseRights(policy.PartyOf(*am), policy.PartyOf(*pm), p.AccountID != "")
	if !d.Allow {
		return "", &hearth.Error{Code: hearth.EFORBIDDEN, Message: d.Reason.String()}
	}
	return policy.IdentityCheckOf(d), nil
}

// member returns a membership, nil if there is none (subject.Membership).
func (s *Service) member(ctx context.Context, hh, person string) (*hearth.Member, error) {
	return subject.Membership(ctx, s.store, hh, person)
}

// checkText checks a plain-text field: at most max bytes of valid UTF-8
// without control characters.
func checkText(field, s string, max int) error {
	switch {
	case len(s) > max:
		return hearth.FieldError(field, "too long: use at most %d bytes", max)
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		return hearth.FieldError(field, "contains characters that cannot be shown")
	}
	return nil
}
