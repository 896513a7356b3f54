package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/seal"
)

// DefaultMaxBatch is the default largest number of readings per group commit.
const DefaultMaxBatch = 512

// MaxFutureSkew is how far in the future a reading's time may be, relative
// to the server's clock, before it is refused.
const MaxFutureSkew = 24 * time.Hour

// Device authentication rate limit (SEC-BRUTE): after AuthFailureLimit
// failed attempts for a device ID, wrong secrets for it are refused for a
// lock of AuthFailureWindow/16, doubling with each further failure up to
// AuthFailureWindow (see auth.Limiter); the right secret is not.
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
	// Writers is how many group commits may be in flight at once, each
	// a batch of its own in its own transaction; default 1. One suits
	// SQLite, which has one writer anyway; with a store that commits
	// transactions in parallel (PostgreSQL), several let batches wait for
	// their commits at the same time, at the cost of smaller batches.
	// Each reading is still acknowledged only once its own batch is
	// durable.
	Writers int
	// Policy makes the privacy decisions: a reading is stored only if
	// Policy.Ingest allows it for its subject (MIN-GATE). Nil means an
	// engine compiled from Manifest; New panics if that fails.
	Policy *policy.Engine
	// Subjects gives each reading's subject state. Nil means a
	// subject.Cache on Store that knows no consents: every consent-based
	// purpose is then off, the most private state.
	Subjects Subjects
}

// Subjects gives the policy state of a reading's subject: personID in
// dev's household, or the household when personID is "". It returns
// ENOTFOUND when the person is not a member; *subject.Cache satisfies it.
type Subjects interface {
	ForDevice(ctx context.Context, dev *hearth.Device, personID string) (policy.Subject, error)
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
	// byTransport caches *transportCounters by transport label.
	byTransport sync.Map
	log         *slog.Logger
	now         func() time.Time
	maxBatch    int
	writers     int
	policy      *policy.Engine
	subjects    Subjects

	limiter *auth.Limiter

	mu      sync.RWMutex // guards closed and sends on queue
	closed  bool
	started bool
	queue   chan *request
	done    chan struct{} // closed when every writer has exited
}

// New returns a Service configured by cfg. It panics if Store, Keys or
// Manifest is nil, a programming error.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Manifest == nil {
		panic("ingest: Config needs Store, Keys and Manifest")
	}
	s := &Service{
		store: cfg.Store, keys: cfg.Keys, manifest: cfg.Manifest,
		metrics: cfg.Metrics, log: cfg.Logger, now: cfg.Now, maxBatch: cfg.MaxBatch, writers: max(cfg.Writers, 1),
		policy: cfg.Policy, subjects: cfg.Subjects,
		done: make(chan struct{}),
	}
	s.defaultPolicy()
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
	return s
}

// Start launches the group-commit writers. Calling it more than once has no
// further effect.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.startWriters()
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
			s.startWriters() // drain anything queued before Start
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
//   - EREFUSED when the gate refuses it: an unclaimed device, a person who
//     is not a member of the household, or a refusal of policy.Engine.Admit
//     with Field "category" (undeclared, not produced by the model, no
//     active purpose for the subject, a local-only device, location
//     sharing off), "time" (already past the category's retention) or
//     "values" (a field the category does not declare, a value of another
//     type, a location that is not {"lat": degrees, "lon": degrees} in
//     range);
//   - EUNAVAILABLE while the service is closing;
//   - any other error when the store failed: the reading is then not stored
//     and must not be acknowledged.
//
// Subjects are cached by Config.Subjects (see package subject): consent,
// settings and membership changes apply to the next reading, as long as
// they are made through the services that invalidate the cache (a member
// removed through the household service, for example). dev is used as
// given for the gate: a caller that keeps a device across many readings (an
// MQTT connection) passes its mode and household as they were when it
// authenticated. The store then refuses, in the transaction that would
// commit it, a reading whose device is by then bound to another household
// or none, or in local-only mode: it is EREFUSED (reason device_unbound),
// so a reading of a session that outlived a transfer, a reset, a removal or
// a switch to local-only mode lands in neither household (OWN-CLEAN).
//
// Every refusal is counted in metrics.ReadingsRefused, a store failure
// with reason "error". If ctx ends while
// waiting for the commit, Ingest returns ctx's error; the reading may still
// be stored, and a resend is then reported as a duplicate.
func (s *Service) Ingest(ctx context.Context, dev *hearth.Device, transport string, payload []byte) (Result, error) {
	r, err := s.prepare(ctx, dev, payload)
	if err != nil {
		s.refused(transport, err)
		return Result{}, err
	}
	return s.commit(ctx, r, s.counters(transport))
}

// Submit is Ingest without the wait, for transports that acknowledge
// asynchronously (MQTT: a connection reads on while its readings wait for
// their commit). It parses, gates and seals payload in the caller's
// goroutine and queues the reading for the group commit, blocking while the
// commit queue is full. A refusal, or EUNAVAILABLE while the service is
// closing, is returned at once (counted like Ingest's), and done is not
// called. Otherwise Submit returns nil and done is called exactly once, from
// the writer's goroutine, with what Ingest would have returned: a stored or
// duplicate Result once the reading's batch is durably committed, or the
// store's error (the reading is then not stored and must not be
// acknowledged). done must not block. Readings submitted one after another
// by one goroutine are committed in that order and their done calls come in
// that order.
func (s *Service) Submit(ctx context.Context, dev *hearth.Device, transport string, payload []byte, done func(Result, error)) error {
	r, err := s.prepare(ctx, dev, payload)
	if err != nil {
		s.refused(transport, err)
		return err
	}
	c := s.counters(transport)
	if err := s.enqueue(ctx, &request{reading: r, then: done, count: c}); err != nil {
		c.failed.Inc()
		return err
	}
	return nil
}

// transportCounters are one transport's counters of readings accepted,
// duplicate and not stored because the server failed or was closing,
// looked up once rather than by label on every reading.
type transportCounters struct{ accepted, duplicate, failed, unbound prometheus.Counter }

// counters returns the counters of transport, creating them on first use.
func (s *Service) counters(transport string) *transportCounters {
	if c, ok := s.byTransport.Load(transport); ok {
		return c.(*transportCounters)
	}
	c := &transportCounters{
		accepted:  s.metrics.ReadingsAccepted.WithLabelValues(transport),
		duplicate: s.metrics.ReadingsDuplicate.WithLabelValues(transport),
		failed:    s.metrics.ReadingsRefused.WithLabelValues(transport, "error"),
		unbound:   s.metrics.ReadingsRefused.WithLabelValues(transport, "device_unbound"),
	}
	v, _ := s.byTransport.LoadOrStore(transport, c)
	return v.(*transportCounters)
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
	if err := s.gate(ctx, dev, &p, now); err != nil {
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

// gate decides whether a parsed reading from dev may be stored: the device
// is claimed, the person (if any) is a member of its household, and
// policy admits the reading for its subject in one decision
// (policy.Engine.Admit: the model's categories, the retention, the values'
// declared shape, consent and the other rules, location precision). The
// values to store are policy's: coarsened for location (MIN-LOCATION).
func (s *Service) gate(ctx context.Context, dev *hearth.Device, p *Payload, now time.Time) error {
	if dev.HouseholdID == "" {
		return refusal("", "unclaimed", "the device is not claimed by a household")
	}
	subj, err := s.subjects.ForDevice(ctx, dev, p.Person)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return refusal("person", "unknown_person", "is not a member of the device's household")
	} else if err != nil {
		return fmt.Errorf("ingest subject: %w", err)
	}
	a := s.policy.Admit(&subj, &policy.Reading{Model: dev.Model, Category: p.Category, Time: p.Time, Values: p.Values}, now)
	if !a.Allow {
		return refusal(a.Field, a.Reason.Code(), s.policy.Explain(a.Decision))
	}
	p.Values = a.Values
	return nil
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
