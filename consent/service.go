// Package consent is Hearth's consent service: it shows consent requests,
// records each decision in the hash-chained ledger (package ledger), and
// derives every person's current consent state from that ledger. Who may
// consent for whom, which purposes can be consented to and when a refused
// request may be asked again are decided by package policy, never here.
//
// Consent is opt-in (CONSENT-OPTIN): a purpose with no entry is not given.
// Every call is about one purpose (CONSENT-GRANULAR). Give, Refuse and
// Withdraw share one shape (CONSENT-WITHDRAW). A failed call appends
// nothing: each call appends its entries in one unit or not at all.
//
// State is derived per call by folding the subject's ledger entries (an
// indexed read of one person's entries); nothing is cached, so several
// processes sharing a store always agree.
package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// Store is what the service reads and writes: memberships and the ledger.
type Store interface {
	hearth.HouseholdStore
	hearth.LedgerStore
}

// Config configures a Service. Store, Ledger, Manifest and Policy are
// required; the rest have defaults.
type Config struct {
	Store    Store
	Ledger   *ledger.Ledger // appends to Store's ledger
	Manifest *manifest.Manifest
	Policy   *policy.Engine // compiled from Manifest
	// Now is the clock, safe for concurrent use; nil means time.Now.
	Now func() time.Time
	// OnChange, when set, is called with the subject's person ID after a
	// decision changed their consent state (it is recorded by then), so
	// caches of policy subjects can drop it. It must be safe for
	// concurrent use.
	OnChange func(subject string)
	// NoticeVersion is the version of the privacy notice shown with a
	// request; "" means the manifest's Version, since the notice is
	// generated from it.
	NoticeVersion string
	// Receipt fields: Jurisdiction (default "GB"), Language (default
	// "en"), PolicyURL (default "") and Service, the product's name
	// (default the controller's name).
	Jurisdiction, Language, PolicyURL, Service string
}

// The bound on recording a consent request as shown (SEC-BRUTE): at most
// RequestsRecorded per actor, subject and purpose, then progressive locks
// up to RequestsWindow.
const (
	RequestsRecorded = 10
	RequestsWindow   = time.Hour
)

// Service is the consent service. It is safe for concurrent use.
type Service struct {
	cfg Config
	// recorded counts the requests recorded as shown, per actor, subject
	// and purpose.
	recorded *auth.Limiter
}

// NewService returns a Service. It returns EINVALID if a required field of
// cfg is missing.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Ledger == nil || cfg.Manifest == nil || cfg.Policy == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the consent service needs a store, a ledger, a manifest and a policy engine")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnChange == nil {
		cfg.OnChange = func(string) {}
	}
	if cfg.NoticeVersion == "" {
		cfg.NoticeVersion = cfg.Manifest.Version
	}
	if cfg.Jurisdiction == "" {
		cfg.Jurisdiction = "GB"
	}
	if cfg.Language == "" {
		cfg.Language = "en"
	}
	if cfg.Service == "" {
		cfg.Service = cfg.Manifest.Controller.Name
	}
	return &Service{cfg: cfg, recorded: auth.NewLimiter(RequestsRecorded, RequestsWindow, cfg.Now)}, nil
}

// call is one consent call, checked: the parties, their household and the
// declared purpose.
type call struct {
	actor, subject policy.Party
	household      string
	purpose        *manifest.Purpose
	method         hearth.Method
}

// check validates a call: the method, that the purpose can be consented to
// (policy.Consentable), that the subject shares a household with the actor
// and that the actor may consent for them (policy.MayConsent).
func (s *Service) check(ctx context.Context, actorID, subjectID, purpose string, method hearth.Method) (*call, error) {
	if !method.Valid() {
		return nil, hearth.FieldError("method", "the method must be web, app, voice or api")
	}
	p, err := s.consentable(purpose)
	if err != nil {
		return nil, err
	}
	actor, subject, err := s.parties(ctx, actorID, subjectID)
	if err != nil {
		return nil, err
	}
	if d := policy.MayConsent(actor, subject); !d.Allow {
		return nil, &hearth.Error{Code: hearth.EFORBIDDEN, Message: s.cfg.Policy.Explain(d)}
	}
	return &call{actor: actor, subject: subject, household: subject.HouseholdID, purpose: p, method: method}, nil
}

// consentable returns the declared purpose if consent can be given for it.
func (s *Service) consentable(id string) (*manifest.Purpose, error) {
	d := s.cfg.Policy.Consentable(id)
	switch {
	case d.Reason == policy.ReasonUnknownPurpose:
		return nil, &hearth.Error{Code: hearth.ENOTFOUND, Field: "purpose", Message: "no such purpose in the product's privacy manifest"}
	case !d.Allow:
		return nil, hearth.FieldError("purpose", "%s", s.cfg.Policy.Explain(d))
	}
	p, ok := s.cfg.Manifest.Purpose(id)
	if !ok {
		return nil, fmt.Errorf("purpose %q: in the policy engine but not the manifest", id)
	}
	return p, nil
}

// parties resolves the actor and subject as members of one household. A
// person with no household may act for themselves only. It returns
// ENOTFOUND when the subject is unknown or in none of the actor's
// households, so another household's people cannot be discovered.
func (s *Service) parties(ctx context.Context, actorID, subjectID string) (actor, subject policy.Party, err error) {
	notFound := &hearth.Error{Code: hearth.ENOTFOUND, Field: "subject", Message: "no such person"}
	if actorID == "" || subjectID == "" {
		return actor, subject, notFound
	}
	hhs, err := s.cfg.Store.HouseholdsOf(ctx, subjectID)
	if err != nil {
		return actor, subject, fmt.Errorf("households of subject: %w", err)
	}
	if len(hhs) == 0 && actorID == subjectID {
		if _, err := s.cfg.Store.Person(ctx, subjectID); err != nil {
			return actor, subject, notFound
		}
		self := policy.Party{PersonID: subjectID, Role: hearth.RoleAdult}
		return self, self, nil
	}
	for _, h := range hhs {
		a, err := s.cfg.Store.Member(ctx, h.ID, actorID)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			continue
		} else if err != nil {
			return actor, subject, fmt.Errorf("actor membership: %w", err)
		}
		sm, err := s.cfg.Store.Member(ctx, h.ID, subjectID)
		if err != nil {
			return actor, subject, fmt.Errorf("subject membership: %w", err)
		}
		return policy.PartyOf(*a), policy.PartyOf(*sm), nil
	}
	return actor, subject, notFound
}

// entry returns a ledger entry of type t for c.
func (s *Service) entry(c *call, t hearth.EntryType, statement string) hearth.LedgerEntry {
	return hearth.LedgerEntry{
		Type: t, Person: c.subject.PersonID, Purpose: c.purpose.ID, HouseholdID: c.household,
		ManifestVersion: s.cfg.Manifest.Version, NoticeVersion: s.cfg.NoticeVersion,
		Method: c.method, Actor: c.actor.PersonID, Statement: statement,
	}
}
