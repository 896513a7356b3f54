package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/metrics"
)

// Defaults of Config.
const (
	DefaultQueueSize = 1024
	DefaultMaxBatch  = 256
)

// Config configures a Logger. Store is required.
type Config struct {
	Store     hearth.LedgerStore // the audit log's store (hearth.AuditStore.AuditLog)
	Now       func() time.Time   // the clock; nil means time.Now
	QueueSize int                // entries waiting for the writer; 0 means DefaultQueueSize
	MaxBatch  int                // entries per append at most; 0 means DefaultMaxBatch
	Metrics   *metrics.Metrics   // nil counts into an unregistered set
	Logger    *slog.Logger       // nil discards
}

// Logger appends audit entries with group commit (see the package
// documentation). It is safe for concurrent use.
type Logger struct {
	store   hearth.LedgerStore
	ledger  *ledger.Ledger
	now     func() time.Time
	max     int
	metrics *metrics.Metrics
	log     *slog.Logger

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *pending
	done   chan struct{}
}

// pending is a queued entry and the channel its result is sent on.
type pending struct {
	e   hearth.LedgerEntry
	out hearth.LedgerEntry
	err chan error
}

// New returns a Logger and starts its writer; Close stops it.
func New(cfg Config) *Logger {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Logger{
		store: cfg.Store, ledger: ledger.NewFormat(cfg.Store, ledger.Audit, cfg.Now), now: cfg.Now,
		max: cfg.MaxBatch, metrics: cfg.Metrics, log: cfg.Logger,
		queue: make(chan *pending, cfg.QueueSize), done: make(chan struct{}),
	}
	go l.write()
	return l
}

// Record appends e to the audit log and returns once it is durably stored;
// see Append.
func (l *Logger) Record(ctx context.Context, e hearth.LedgerEntry) error {
	_, err := l.Append(ctx, e)
	return err
}

// Append appends e to the audit log and returns once it is durably stored,
// with the entry as stored (Seq, Time, Hash set). A zero Time is set to
// the clock's time when Record is called. It returns EUNAVAILABLE after
// Close, the context's error if ctx ends first (the entry may still be
// stored), and the ledger's errors (EINVALID, ETOOLARGE) for a bad entry.
// Every failure is also counted in metrics.AuditFailures.
func (l *Logger) Append(ctx context.Context, e hearth.LedgerEntry) (hearth.LedgerEntry, error) {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	p := &pending{e: e, err: make(chan error, 1)}
	if err := l.enqueue(ctx, p); err != nil {
		l.metrics.AuditFailures.Inc()
		return hearth.LedgerEntry{}, err
	}
	select {
	case err := <-p.err:
		if err != nil {
			return hearth.LedgerEntry{}, err
		}
		return p.out, nil
	case <-ctx.Done():
		return hearth.LedgerEntry{}, fmt.Errorf("record audit entry: %w", ctx.Err())
	}
}

// RecordAll appends es, each as Record does, waiting until all are stored;
// they may land in different batches. It returns the first error.
func (l *Logger) RecordAll(ctx context.Context, es ...hearth.LedgerEntry) error {
	ps := make([]*pending, len(es))
	for i, e := range es {
		if e.Time.IsZero() {
			e.Time = l.now()
		}
		ps[i] = &pending{e: e, err: make(chan error, 1)}
		if err := l.enqueue(ctx, ps[i]); err != nil {
			l.metrics.AuditFailures.Add(float64(len(es) - i))
			return err
		}
	}
	var first error
	for _, p := range ps {
		select {
		case err := <-p.err:
			if first == nil {
				first = err
			}
		case <-ctx.Done():
			return fmt.Errorf("record audit entries: %w", ctx.Err())
		}
	}
	return first
}

// latestPage is how many entries Latest reads from the store at a time.
const latestPage = 500

// Latest returns the newest n entries (at most) whose data subject is
// person, newest first. It reads the person's entries a page at a time and
// keeps only the last n, so its memory is bounded by n and the page size
// whatever the length of the person's history (its time is not: it reads
// every entry about the person).
func (l *Logger) Latest(ctx context.Context, person string, n int) ([]hearth.LedgerEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	ring := make([]hearth.LedgerEntry, 0, n)
	next := 0 // where the next entry goes once ring is full
	var after int64
	for {
		page, err := l.store.LedgerEntriesAbout(ctx, person, after, latestPage)
		if err != nil {
			return nil, fmt.Errorf("audit entries: %w", err)
		}
		for _, e := range page {
			if len(ring) < n {
				ring = append(ring, e)
			} else {
				ring[next] = e
				next = (next + 1) % n
			}
		}
		if len(page) < latestPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	out := make([]hearth.LedgerEntry, 0, len(ring))
	for i := range ring {
		out = append(out, ring[(next+len(ring)-1-i)%len(ring)])
	}
	return out, nil
}

// enqueue puts p on the queue, waiting while it is full.
func (l *Logger) enqueue(ctx context.Context, p *pending) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return hearth.Errorf(hearth.EUNAVAILABLE, "the audit log is closed")
	}
	select {
	case l.queue <- p:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("record audit entry: queue full: %w", ctx.Err())
	}
}

// Close stops taking entries and returns once every queued entry is stored
// (or failed), or when ctx ends.
func (l *Logger) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush the audit log: %w", ctx.Err())
	}
}

// write is the single writer: it takes the first queued entry and every
// entry queued behind it, up to max, and appends them at once.
func (l *Logger) write() {
	defer close(l.done)
	batch := make([]*pending, 0, l.max)
	for p := range l.queue {
		batch = append(batch[:0], p)
	fill:
		for len(batch) < l.max {
			select {
			case q, ok := <-l.queue:
				if !ok {
					break fill
				}
				batch = append(batch, q)
			default:
				break fill
			}
		}
		l.commit(batch)
	}
}

// commit appends batch in one ledger append. If the append is refused for
// a bad entry, each entry is appended on its own so only the bad one
// fails.
func (l *Logger) commit(batch []*pending) {
	// The writer's appends outlive the callers' contexts: an entry queued
	// is stored even if its caller gave up waiting.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	es := make([]hearth.LedgerEntry, len(batch))
	for i, p := range batch {
		es[i] = p.e
	}
	out, err := l.ledger.Append(ctx, es...)
	if err == nil {
		l.metrics.AuditBatchSize.Observe(float64(len(batch)))
		for i, p := range batch {
			p.out = out[i]
			l.done1(p, nil)
		}
		return
	}
	if len(batch) > 1 && isBadEntry(err) {
		for _, p := range batch {
			l.commit([]*pending{p})
		}
		return
	}
	l.log.Error("audit log: entries not stored", "entries", len(batch), "err", err)
	for _, p := range batch {
		l.done1(p, err)
	}
}

// done1 counts and reports one entry's result.
func (l *Logger) done1(p *pending, err error) {
	if err != nil {
		l.metrics.AuditFailures.Inc()
	} else {
		l.metrics.AuditRecorded.Inc()
	}
	p.err <- err
}

// isBadEntry reports whether err refuses an entry's content rather than
// the store failing.
func isBadEntry(err error) bool {
	switch hearth.ErrorCode(err) {
	case hearth.EINVALID, hearth.ETOOLARGE:
		return true
	}
	return false
}

// Verify verifies the whole audit chain and returns its head; a break is a
// *ledger.Problem naming the first broken entry.
func (l *Logger) Verify(ctx context.Context) (ledger.Head, error) {
	return Verify(ctx, l.store)
}

// Verify verifies the audit chain in store and returns its head.
func Verify(ctx context.Context, store hearth.LedgerStore) (ledger.Head, error) {
	return ledger.Audit.Verify(ledger.Entries(ctx, store, 0))
}

// IsBreak reports whether err is a break in a chain (a *ledger.Problem)
// rather than a failure to read it.
func IsBreak(err error) bool {
	var p *ledger.Problem
	return errors.As(err, &p)
}
