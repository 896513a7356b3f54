package analytics

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// DefaultPageSize is how many readings the service reads per store call.
const DefaultPageSize = 1000

// Store is what the service reads and charges: the consent ledger (to
// find who consented), households, devices and readings, and the privacy
// budgets. hearth.Store satisfies it, sealed or not: reading values are
// opened by the Opener.
type Store interface {
	LedgerEntries(ctx context.Context, after int64, limit int) ([]hearth.LedgerEntry, error)
	HouseholdsOf(ctx context.Context, personID string) ([]hearth.Household, error)
	Members(ctx context.Context, householdID string) ([]hearth.Member, error)
	DevicesIn(ctx context.Context, householdID string) ([]hearth.Device, error)
	Readings(ctx context.Context, f hearth.ReadingFilter) ([]hearth.Reading, error)
	hearth.PrivacyBudgetStore
}

// Subjects gives the privacy state of people and households;
// *subject.Cache satisfies it.
type Subjects interface {
	Person(ctx context.Context, householdID, personID string) (policy.Subject, error)
	Household(ctx context.Context, householdID string) (policy.Subject, error)
}

// Opener opens sealed reading values; *seal.Keyring satisfies it.
type Opener interface {
	Open(ctx context.Context, sealed, aad []byte) ([]byte, error)
}

// Config configures a Service. Store, Manifest, Policy, Subjects and
// Opener are required.
type Config struct {
	Store    Store
	Manifest *manifest.Manifest
	Policy   *policy.Engine
	Subjects Subjects
	Opener   Opener
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PageSize is how many readings are read per store call; default
	// DefaultPageSize.
	PageSize int
}

// Service answers operators' aggregate queries with differential privacy
// (PET-DP). It is safe for concurrent use: the store's budget charge is
// atomic, so concurrent queries never spend more than a dataset's budget.
type Service struct {
	cfg     Config
	purpose *manifest.Purpose // nil without an analytics purpose
}

// NewService returns a Service. It returns EINVALID if a required part of
// cfg is missing. A manifest without an analytics purpose is accepted:
// every query is then refused, saying so.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Manifest == nil || cfg.Policy == nil || cfg.Subjects == nil || cfg.Opener == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the analytics service needs a store, a manifest, a policy engine, subjects and an opener")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	s := &Service{cfg: cfg}
	if p, ok := cfg.Manifest.StatisticsPurpose(); ok {
		s.purpose = p
	}
	return s, nil
}

// Purpose returns the analytics purpose, or false if the manifest
// declares none.
func (s *Service) Purpose() (*manifest.Purpose, bool) { return s.purpose, s.purpose != nil }

// errNoPurpose is the refusal of every query without an analytics purpose.
func errNoPurpose() error {
	return hearth.Errorf(hearth.EREFUSED, "the manifest declares no analytics purpose: give one purpose on consent a statistics block (docs/manifest.md) to make statistics")
}
