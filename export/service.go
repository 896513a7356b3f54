package export

import (
	"context"
	"os"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// Defaults of Config.
const (
	DefaultPageSize = 1000           // readings read per store round trip
	DefaultLinkTTL  = 24 * time.Hour // how long a download link works
)

// Keys seals and opens reading values; *seal.Keyring satisfies it.
type Keys interface {
	Open(ctx context.Context, sealed, aad []byte) ([]byte, error)
	Seal(ctx context.Context, subject string, plaintext, aad []byte) ([]byte, error)
}

// Consents gives a person's consent state and receipts; *consent.Service
// satisfies it.
type Consents interface {
	State(ctx context.Context, subject string) (map[string]consent.PurposeState, error)
	Receipts(ctx context.Context, subject string) ([]consent.Receipt, error)
}

// Config configures a Service. Store, Keys, Manifest, Policy, Consents and
// Rights are required.
type Config struct {
	Store    hearth.Store
	Keys     Keys
	Manifest *manifest.Manifest
	Policy   *policy.Engine
	Consents Consents
	Rights   Rights
	// Instance names this Hearth instance in every export, such as its
	// public URL; default "hearth".
	Instance string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// TempDir holds the encrypted per-category spools of an export while
	// it is written; default os.TempDir().
	TempDir string
	// PageSize is how many readings are read per store call; default
	// DefaultPageSize.
	PageSize int
	// LinkTTL is how long a download link works; default DefaultLinkTTL.
	LinkTTL time.Duration
	// Imported, when set, is called with the person's ID after an import
	// changed the store, so caches of their consents and settings can be
	// dropped.
	Imported func(personID string)
}

// Service writes exports, hands out download links and imports exports.
// It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns a Service. It returns EINVALID if a required field of cfg is
// missing.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Manifest == nil || cfg.Policy == nil || cfg.Consents == nil || cfg.Rights == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "export: Store, Keys, Manifest, Policy, Consents and Rights are required")
	}
	if cfg.Instance == "" {
		cfg.Instance = "hearth"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = DefaultLinkTTL
	}
	return &Service{cfg: cfg}, nil
}
