// Package erasure provides the right to erasure (RIGHT-ERASE) and retention
// that enforces itself (RETENTION): erasing a person's readings by
// category, time range or device, or everything about them; closing an
// account; telling the recipients named in the manifest with signed notices
// sent in the background; re-applying the erasure journal at start so that
// an older data backup restored later cannot bring erased data back; and the
// scheduler that erases readings past their retention or a person's chosen
// periodic deletion.
//
// An erasure of everything destroys the subject's data key first
// (crypto-shredding: every copy of their readings, in the database, its
// write-ahead log and every backup, becomes unreadable at once), then
// deletes the rows in small batches, then checkpoints and truncates the
// write-ahead logs. Who may erase whose data is decided by
// policy.MayErase.
package erasure

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// DefaultDeleteBatch is the most readings one delete transaction removes
// by default. Between batches the single writer is free for ingestion's
// group commits, so an erasure of a million readings does not hold
// ingestion up; batches are sized to the store's speed below this bound
// (see deleteAll and BENCHMARKS.md).
const DefaultDeleteBatch = 5000

// DefaultDeleteBatchTime is how long one delete transaction should hold the
// writer by default: short against ingestion's acknowledgement latency,
// long against a commit's own cost (BENCHMARKS.md).
const DefaultDeleteBatchTime = 5 * time.Millisecond

// Shredder destroys a subject's data key; *seal.Keyring satisfies it.
type Shredder interface {
	Shred(ctx context.Context, subject string) error
}

// Notifier delivers a signed erasure notice to a recipient; the webhook
// package's Client satisfies it. Configured reports whether the recipient
// has an endpoint and a secret.
type Notifier interface {
	Configured(recipientID string) bool
	Notify(ctx context.Context, n hearth.ErasureNotice) error
}

// Reauthenticator checks a signed-in account's password again;
// *auth.Service satisfies it.
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, accountID, password string) error
}

// Households ends a person's household memberships under the household
// lifecycle rules, for closing their account; *household.Service
// satisfies it. LeaveAll ends them all or none, ends each household left
// without members (invitations deleted, devices removed and their MQTT
// sessions ended) and returns those households.
type Households interface {
	LeaveAll(ctx context.Context, person string) (emptied []string, err error)
}

// Config configures a Service. Store, Keys, Auth, Households and Manifest
// are required.
type Config struct {
	Store      hearth.Store
	Keys       Shredder
	Auth       Reauthenticator // checks the actor's password before an erasure
	Households Households      // ends memberships when an account closes
	Manifest   *manifest.Manifest
	// Policy decides retention; nil means an engine compiled from Manifest.
	Policy *policy.Engine
	// Now is the clock; default time.Now. The scheduler and the notice
	// sender read it, so tests advance it instead of sleeping.
	Now func() time.Time
	// Notifier sends notices to recipients; nil leaves every notice
	// "unconfigured".
	Notifier Notifier
	// MembershipChanged is called after an erasure changed what is kept
	// about a person: once per household membership it ended, and once
	// with householdID "" in any case, so caches (the subject cache,
	// ingestion's membership cache) forget them at once; nil does nothing.
	MembershipChanged func(householdID, personID string)
	// Logger logs background work; never personal data. Nil discards.
	Logger *slog.Logger
	// DeleteBatch is the most readings one delete transaction removes;
	// 0 means DefaultDeleteBatch.
	DeleteBatch int
	// DeleteBatchTime is how long one delete transaction should take;
	// batches are sized to it. 0 means DefaultDeleteBatchTime.
	DeleteBatchTime time.Duration
}

// Service erases data and runs retention. It is safe for concurrent use.
type Service struct {
	cfg      Config
	policy   *policy.Engine
	wake     chan struct{}
	notifier Notifier
}

// NewService returns a Service using cfg. It returns an error if the
// manifest's policy cannot be compiled.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Auth == nil || cfg.Households == nil || cfg.Manifest == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the erasure service needs a store, a keyring, a re-authenticator, the household service and the manifest")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MembershipChanged == nil {
		cfg.MembershipChanged = func(string, string) {}
	}
	if cfg.DeleteBatch <= 0 {
		cfg.DeleteBatch = DefaultDeleteBatch
	}
	if cfg.DeleteBatchTime <= 0 {
		cfg.DeleteBatchTime = DefaultDeleteBatchTime
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Policy == nil {
		e, err := policy.Compile(cfg.Manifest)
		if err != nil {
			return nil, fmt.Errorf("erasure: compile policy: %w", err)
		}
		cfg.Policy = e
	}
	n := cfg.Notifier
	if n == nil {
		n = noNotifier{}
	}
	return &Service{cfg: cfg, policy: cfg.Policy, notifier: n, wake: make(chan struct{}, 1)}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// noNotifier has no recipient configured.
type noNotifier struct{}

func (noNotifier) Configured(string) bool { return false }
func (noNotifier) Notify(context.Context, hearth.ErasureNotice) error {
	return fmt.Errorf("no recipient is configured")
}

// authorize checks that actor may erase person's data in household hh and
// returns the subject's membership and whether they have an account. A
// caller who is not a member of hh, and a person who is not, get ENOTFOUND
// (SEC-AUTHZ: nothing is revealed); a fellow member whose data the caller
// may not erase gets EFORBIDDEN with policy's reason, as every other right
// does (the members list shows them already).
//
// With hh "" the actor erases their own data without a household (POST
// /v1/me/erasures): subject.Self decides (policy.MayExerciseOwnRights) and
// the membership returned is nil.
func (s *Service) authorize(ctx context.Context, actor, hh, person string) (*hearth.Member, *hearth.Person, policy.EraseBasis, error) {
	if hh == "" {
		_, p, err := subject.Self(ctx, s.cfg.Store, actor, person)
		if err != nil {
			return nil, nil, policy.EraseDenied, err
		}
		return nil, p, policy.EraseSelf, nil
	}
	notFound := hearth.Errorf(hearth.ENOTFOUND, "no such household")
	am, err := s.member(ctx, hh, actor)
	if err != nil || am == nil {
		return nil, nil, policy.EraseDenied, orErr(err, notFound)
	}
	pm, err := s.member(ctx, hh, person)
	if err != nil || pm == nil {
		return nil, nil, policy.EraseDenied, orErr(err, &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"})
	}
	p, err := s.cfg.Store.Person(ctx, person)
	if err != nil {
		return nil, nil, policy.EraseDenied, fmt.Errorf("erasure: %w", err)
	}
	basis := policy.MayErase(policy.PartyOf(*am), policy.PartyOf(*pm), p.AccountID != "")
	if basis == policy.EraseDenied {
		return nil, nil, basis, &hearth.Error{Code: hearth.EFORBIDDEN, Message: basis.String()}
	}
	return pm, p, basis, nil
}

// member returns a membership, nil if there is none (subject.Membership).
func (s *Service) member(ctx context.Context, hh, person string) (*hearth.Member, error) {
	return subject.Membership(ctx, s.cfg.Store, hh, person)
}

// orErr returns err if it is not nil, else fallback.
func orErr(err error, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
