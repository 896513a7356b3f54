package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/seal"
)

// DefaultMaxBatch is the default largest number of readings per group commit.
const DefaultMaxBatch = 512

// MaxFutureSkew is how far in the future a reading's time may be, relative
// to the server's clock, before it is refused.
const MaxFutureSkew = 24 * time.Hour

// Device authentication rate limit (SEC-BRUTE): at most AuthFailureLimit
// failed attempts per device ID per AuthFailureWindow.
const (
	AuthFailureLimit  = 10
	AuthFailureWindow = time.Minute
)

// Transports, used as metric labels.
const (
	TransportMQTT = "mqtt"
	TransportHTTP = "http"
)

// Config configures a Service. Store, Keys and Manifest are required; a zero
// value for any other field means its default.
type Config struct {
	Store    hearth.Store
	Keys     *seal.Keyring
	Manifest *manifest.Manifest
	Metrics  *metrics.Metrics // default: unregistered collectors
	Logger   *slog.Logger     // default: discard
	Now      func() time.Time // default: time.Now
	MaxBatch int              // readings per group commit; default DefaultMaxBatch
}

// Result says what became of an ingested reading.
type Result struct {
	Stored    bool  // newly and durably stored
	Duplicate bool  // a resend of a reading stored already; nothing new stored
	ReadingID int64 // the stored reading's ID, when Stored
}

// Service authenticates devices and ingests their readings. Its methods
// are safe for concurrent use. Call Start before Ingest, and Close to shut
// down without losing accepted readings.
type Service struct {
	store    hearth.Store
	keys     *seal.Keyring
	manifest *manifest.Manifest
	metrics  *metrics.Metrics
	log      *slog.Logger
	now      func() time.Time
	maxBatch int

	limiter *auth.Limiter
	members *memberCache

	mu      sync.RWMutex // guards closed and sends on queue
	closed  bool
	started bool
	queue   chan *request
	done    chan struct{} // closed when the writer has exited
}

// New returns a Service configured by cfg. It panics if Store, Keys or
// Manifest is nil, a programming error.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Manifest == nil {
		panic("ingest: Config needs Store, Keys and Manifest")
	}
	s := &Service{
		store: cfg.Store, keys: cfg.Keys, manifest: cfg.Manifest,
		metrics: cfg.Metrics, log: cfg.Logger, now: cfg.Now, maxBatch: cfg.MaxBatch,
		done: make(chan struct{}),
	}
	if s.metrics == nil {
		s.metrics = metrics.NewUnregistered()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBatch <= 0 {
		s.maxBatch = DefaultMaxBatch
	}
	s.queue = make(chan *request, 4*s.maxBatch)
	s.limiter = auth.NewLimiter(AuthFailureLimit, AuthFailureWindow, s.now)
	s.members = newMemberCache(s.now)
	return s
}

// Start launches the group-commit writer. Calling it more than once has no
// further effect.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	go s.writer()
}

// Close stops accepting readings (Ingest then returns EUNAVAILABLE), commits
// every reading already accepted and waits for the writer to finish, or for
// ctx to end, whichever comes first. It does not close the store.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
		if !s.started {
			s.started = true
			go s.writer() // drain anything queued before Start
		}
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close ingest: %w", ctx.Err())
	}
}

// Ingest parses, gates, seals and durably stores one reading payload from
// dev, sent over transport (TransportMQTT or TransportHTTP). It returns once
// the reading is committed (Result.Stored), or found stored already
// (Result.Duplicate), or with an error:
//   - ETOOLARGE or EINVALID (with Field) for a bad payload;
//   - EREFUSED when the gate refuses it (unclaimed or local-only device,
//     undeclared category, a category the model does not produce, a person
//     who is not a member of the household);
//   - EUNAVAILABLE while the service is closing;
//   - any other error when the store failed: the reading is then not stored
//     and must not be acknowledged.
//
// The person check caches positive membership lookups for one minute (at
// most 100,000 of them), so a person removed from a household may still be
// attributed readings for up to a minute. dev is used as given: a caller
// that keeps a device across many readings (an MQTT connection) sees its
// mode and household as they were when it authenticated.
//
// Every refusal is counted in metrics.ReadingsRefused. If ctx ends while
// waiting for the commit, Ingest returns ctx's error; the reading may still
// be stored, and a resend is then reported as a duplicate.
func (s *Service) Ingest(ctx context.Context, dev *hearth.Device, transport string, payload []byte) (Result, error) {
	r, err := s.prepare(ctx, dev, payload)
	if err != nil {
		s.refused(transport, err)
		return Result{}, err
	}
	res, err := s.commit(ctx, r)
	if err != nil {
		return Result{}, err
	}
	if res.Duplicate {
		s.metrics.ReadingsDuplicate.WithLabelValues(transport).Inc()
	} else {
		s.metrics.ReadingsAccepted.WithLabelValues(transport).Inc()
	}
	return res, nil
}

// prepare parses, gates and seals a payload into a reading ready to store.
func (s *Service) prepare(ctx context.Context, dev *hearth.Device, payload []byte) (*hearth.Reading, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if p.Time.After(now.Add(MaxFutureSkew)) {
		return nil, refusal("time", "future_time", "is more than 24 hours in the future")
	}
	if err := s.gate(ctx, dev, &p); err != nil {
		return nil, err
	}
	r := &hearth.Reading{
		DeviceID: dev.ID, HouseholdID: dev.HouseholdID, PersonID: p.Person,
		Category: p.Category, MsgID: p.ID, Time: p.Time, Received: now.UTC(), Inferred: p.Inferred,
	}
	if r.Sealed, err = s.keys.Seal(ctx, r.Subject(), p.Values, r.AAD()); err != nil {
		return nil, fmt.Errorf("ingest reading: %w", err)
	}
	return r, nil
}

// gate decides whether a parsed reading from dev may be stored.
func (s *Service) gate(ctx context.Context, dev *hearth.Device, p *Payload) error {
	if dev.HouseholdID == "" {
		return refusal("", "unclaimed", "the device is not claimed by a household")
	}
	if dev.Mode == hearth.ModeLocalOnly {
		return refusal("", "local_only", "the device is in local-only mode and sends nothing")
	}
	if reason, msg := categoryDecision(s.manifest, dev.Model, p.Category); reason != "" {
		return refusal("category", reason, msg)
	}
	if p.Person == "" {
		return nil
	}
	return s.checkMember(ctx, dev.HouseholdID, p.Person)
}

// categoryDecision is the first step of the policy gate (MIN-GATE): a
// category must be declared in the manifest and, if the device's model lists
// the categories it produces, be one of them. It returns a metric reason and
// a person-safe message, or "" when the category is allowed.
func categoryDecision(m *manifest.Manifest, model, category string) (reason, msg string) {
	if _, ok := m.Category(category); !ok {
		return "undeclared_category", "is not a data category declared in the privacy manifest"
	}
	mod, ok := m.Model(model)
	if !ok || len(mod.Categories) == 0 {
		return "", ""
	}
	for _, c := range mod.Categories {
		if c == category {
			return "", ""
		}
	}
	return "model_category", "is not a data category this device model declares"
}

func (s *Service) checkMember(ctx context.Context, householdID, personID string) error {
	if s.members.has(householdID, personID) {
		return nil
	}
	_, err := s.store.Member(ctx, householdID, personID)
	switch hearth.ErrorCode(err) {
	case "":
		s.members.add(householdID, personID)
		return nil
	case hearth.ENOTFOUND:
		return refusal("person", "unknown_person", "is not a member of the device's household")
	}
	return fmt.Errorf("check membership: %w", err)
}

// gateError is an EREFUSED or EINVALID error with its metric reason.
type gateError struct {
	err    *hearth.Error
	reason string
}

func (e *gateError) Error() string { return e.err.Error() }
func (e *gateError) Unwrap() error { return e.err }

func refusal(field, reason, msg string) error {
	code := hearth.EREFUSED
	if reason == "future_time" {
		code = hearth.EINVALID
	}
	return &gateError{err: &hearth.Error{Code: code, Field: field, Message: msg}, reason: reason}
}

// refused counts a refused reading by its reason.
func (s *Service) refused(transport string, err error) {
	s.metrics.ReadingsRefused.WithLabelValues(transport, RefusalReason(err)).Inc()
}

// RefusalReason returns the metric reason for an error from Ingest:
// "too_large", "malformed", the gate's reason (such as
// "undeclared_category"), or "error" for anything else. Transports use it to
// count refusals they detect themselves the same way.
func RefusalReason(err error) string {
	var g *gateError
	switch {
	case errors.As(err, &g):
		return g.reason
	case hearth.ErrorCode(err) == hearth.ETOOLARGE:
		return "too_large"
	case hearth.ErrorCode(err) == hearth.EINVALID:
		return "malformed"
	}
	return "error"
}
