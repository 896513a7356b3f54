package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
)

// MaxFieldSize is the largest Statement or Details an entry may carry, in
// bytes; larger ones are refused with ETOOLARGE.
const MaxFieldSize = 16 << 10

// appendAttempts bounds the retries of an append that lost a race with
// another writer on the same store (another node of a deployment); between
// attempts it waits a random time up to the attempt's number of
// milliseconds, so writers that collided do not collide again in step.
const appendAttempts = 20

// Ledger appends to the hash-chained ledger in a hearth.LedgerStore. It is
// safe for concurrent use: appends are serialised by a mutex, which also
// guards the cached head. The store enforces that sequence numbers are
// unique and that each append continues the stored head, so several
// processes may share one store: an append that lost a race reloads the
// head and tries again.
type Ledger struct {
	store  hearth.LedgerStore
	format Format
	now    func() time.Time

	mu   sync.Mutex
	head *Head // nil until loaded
}

// Head identifies the last entry of a ledger: its sequence number (which is
// also the number of entries) and hash, and its time when known (Verify
// sets it). The zero Head is an empty ledger.
type Head struct {
	Seq  int64
	Hash []byte
	Time time.Time
}

// New returns a Ledger in format Consent on store. now is the clock (nil
// means time.Now); it must be safe for concurrent use, since Append reads
// it outside its lock.
func New(store hearth.LedgerStore, now func() time.Time) *Ledger {
	return NewFormat(store, Consent, now)
}

// NewFormat returns a Ledger on store whose entries are encoded, and whose
// times are kept, in format f (see the package documentation); now is as
// for New.
func NewFormat(store hearth.LedgerStore, f Format, now func() time.Time) *Ledger {
	if now == nil {
		now = time.Now
	}
	return &Ledger{store: store, format: f, now: now}
}

// Format returns the format of l's entries.
func (l *Ledger) Format() Format { return l.format }

// Append appends es as one unit: all of them or, on error, none. It sets
// each entry's Seq, PrevHash and Hash, and its Time to the clock's time
// when zero, in UTC and truncated to the format's precision (the
// millisecond for Consent, none for Audit), and returns the entries as
// stored. It returns EINVALID for an entry without a Type, with an unknown
// Method or with Details that are not a JSON object, ETOOLARGE for a
// Statement or Details over MaxFieldSize, and ECONFLICT if other writers
// kept winning the race for the head.
func (l *Ledger) Append(ctx context.Context, es ...hearth.LedgerEntry) ([]hearth.LedgerEntry, error) {
	if len(es) == 0 {
		return nil, hearth.Errorf(hearth.EINVALID, "no ledger entries to append")
	}
	out := make([]hearth.LedgerEntry, len(es))
	for i, e := range es {
		if err := l.prepare(&e); err != nil {
			return nil, err
		}
		out[i] = e
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	for attempt := range appendAttempts {
		if err = l.tryAppend(ctx, out); hearth.ErrorCode(err) != hearth.ECONFLICT {
			break
		}
		l.head = nil // another writer appended: reload the head
		if werr := backoff(ctx, attempt); werr != nil {
			err = werr
			break
		}
	}
	if err != nil {
		l.head = nil
		return nil, fmt.Errorf("append to ledger: %w", err)
	}
	return out, nil
}

// backoff waits a random time up to attempt+1 milliseconds, or until ctx
// ends.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(attempt+1) * int64(time.Millisecond))))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryAppend chains es onto the head and stores them. l.mu is held.
func (l *Ledger) tryAppend(ctx context.Context, es []hearth.LedgerEntry) error {
	head, err := l.loadHead(ctx)
	if err != nil {
		return err
	}
	prev := head
	for i := range es {
		es[i].Seq, es[i].PrevHash = prev.Seq+1, prev.Hash
		es[i].Hash = l.format.Hash(&es[i])
		prev = Head{Seq: es[i].Seq, Hash: es[i].Hash, Time: es[i].Time}
	}
	if err := l.store.AppendEntries(ctx, es); err != nil {
		return err
	}
	l.head = &prev
	return nil
}

// loadHead returns the cached head, reading it from the store if needed.
// l.mu is held.
func (l *Ledger) loadHead(ctx context.Context) (Head, error) {
	if l.head != nil {
		return *l.head, nil
	}
	e, err := l.store.LedgerHead(ctx)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		l.head = &Head{}
	case err != nil:
		return Head{}, fmt.Errorf("read ledger head: %w", err)
	default:
		l.head = &Head{Seq: e.Seq, Hash: e.Hash, Time: e.Time}
	}
	return *l.head, nil
}

// prepare validates e and normalises its Time and Details.
func (l *Ledger) prepare(e *hearth.LedgerEntry) error {
	switch {
	case e.Type == "":
		return hearth.FieldError("type", "a ledger entry needs a type")
	case e.Method != "" && !l.format.validMethod(e.Method):
		if l.format == Audit {
			return hearth.FieldError("method", "the method must be web, app, voice, api, cli or system")
		}
		return hearth.FieldError("method", "the method must be web, app, voice or api")
	case len(e.Statement) > MaxFieldSize || len(e.Details) > MaxFieldSize:
		return &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("a ledger statement or details may be at most %d bytes", MaxFieldSize)}
	case !utf8.ValidString(e.Statement):
		return hearth.FieldError("statement", "the statement must be UTF-8 text")
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(l.format.precision())
	return compactDetails(e)
}

// compactDetails replaces e.Details by its compact JSON; it must be an
// object.
func compactDetails(e *hearth.LedgerEntry) error {
	if len(e.Details) == 0 {
		e.Details = nil
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(e.Details, &obj); err != nil || obj == nil {
		return hearth.FieldError("details", "the details must be a JSON object")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, e.Details); err != nil {
		return hearth.FieldError("details", "the details must be a JSON object")
	}
	e.Details = b.Bytes()
	return nil
}

// The methods an audit entry may name besides the consent methods: an
// operator's command line, and the server acting on its own (a delivery
// to a recipient, a scheduled job).
const (
	MethodCLI    hearth.Method = "cli"
	MethodSystem hearth.Method = "system"
)

// validMethod reports whether m is a method entries of format f may name.
func (f Format) validMethod(m hearth.Method) bool {
	return m.Valid() || f == Audit && (m == MethodCLI || m == MethodSystem)
}
