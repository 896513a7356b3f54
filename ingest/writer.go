package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
)

// request is one reading waiting for its group commit. Its outcome goes
// to done (Ingest) or to then (Submit).
type request struct {
	reading *hearth.Reading
	done    chan outcome // buffered: the writer never blocks on it
	then    func(Result, error)
	count   *transportCounters
}

// errUnbound is the refusal of a reading whose device, by the time its
// batch was committed, was no longer bound to the household it was sent
// for, or was switched to local-only mode (OWN-CLEAN).
var errUnbound = refusal("", "device_unbound", "the device is no longer bound to the household it sent this for, or is in local-only mode: the reading was not stored")

// deliver counts a request's outcome and hands it over. It is counted here,
// once, even when Ingest's caller has stopped waiting.
func (req *request) deliver(o outcome) {
	switch {
	case o.err == errUnbound:
		req.count.unbound.Inc()
	case o.err != nil:
		req.count.failed.Inc()
	case o.res.Duplicate:
		req.count.duplicate.Inc()
	default:
		req.count.accepted.Inc()
	}
	if req.then == nil {
		req.done <- o
		return
	}
	req.then(o.res, o.err)
}

type outcome struct {
	res Result
	err error
}

// commit hands r to the group-commit writer and waits for its batch; c
// counts the outcome.
func (s *Service) commit(ctx context.Context, r *hearth.Reading, c *transportCounters) (Result, error) {
	req := &request{reading: r, done: make(chan outcome, 1), count: c}
	if err := s.enqueue(ctx, req); err != nil {
		c.failed.Inc()
		return Result{}, err
	}
	select {
	case o := <-req.done:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("wait for commit: %w", ctx.Err())
	}
}

func (s *Service) enqueue(ctx context.Context, req *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return hearth.Errorf(hearth.EUNAVAILABLE, "the server is shutting down; send again later")
	}
	select {
	case s.queue <- req:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("queue reading: %w", ctx.Err())
	}
}

// commitLinger is how long the writer keeps a batch open for more readings
// when readings are arriving concurrently. A commit costs an fsync and the
// write of every page it touched, nearly the same for 5 readings as for
// 50: without the linger, a busy server commits tiny batches back to back
// (about 5 readings each at 6,000 readings/s) and spends its CPU on
// commits. It adds at most this much to the acknowledgement of a reading
// under load, and nothing to a lone reading.
const commitLinger = 2 * time.Millisecond

// startWriters starts the configured number of writers; s.done closes
// once all of them have exited.
func (s *Service) startWriters() {
	var wg sync.WaitGroup
	for range s.writers {
		wg.Go(s.writer)
	}
	go func() {
		wg.Wait()
		close(s.done)
	}()
}

// writer drains the queue: it takes whatever is queued, up to maxBatch,
// waiting up to commitLinger for more when more than one reading was
// queued, and stores the batch in one durable transaction, then wakes every
// waiter with its own result. It exits when the queue is closed and empty.
// Several writers may drain one queue, each committing its own batches.
func (s *Service) writer() {
	batch := make([]*request, 0, s.maxBatch)
	rows := make([]hearth.Reading, 0, s.maxBatch)
	linger := time.NewTimer(commitLinger)
	linger.Stop()
	for first := range s.queue {
		batch = append(batch[:0], first)
		batch = s.fill(batch, linger)
		rows = rows[:0]
		for _, req := range batch {
			rows = append(rows, *req.reading)
		}
		s.flush(batch, rows)
		clear(batch) // drop references to delivered requests
	}
}

// fill adds to batch whatever is queued now, up to maxBatch. If that found
// more than the first reading, readings are arriving concurrently, and it
// goes on collecting them for up to commitLinger.
func (s *Service) fill(batch []*request, linger *time.Timer) []*request {
	batch, open := s.drain(batch)
	if !open || len(batch) < 2 || len(batch) >= s.maxBatch {
		return batch
	}
	linger.Reset(commitLinger)
	defer linger.Stop()
	for len(batch) < s.maxBatch {
		select {
		case req, ok := <-s.queue:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		case <-linger.C:
			return batch
		}
	}
	return batch
}

// drain adds to batch whatever is queued now, without waiting, up to
// maxBatch. open is false when the queue is closed and empty.
func (s *Service) drain(batch []*request) (_ []*request, open bool) {
	for len(batch) < s.maxBatch {
		select {
		case req, ok := <-s.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, req)
		default:
			return batch, true
		}
	}
	return batch, true
}

// flush commits one batch and delivers each waiter's outcome. If the store
// fails, every waiter gets the error: nothing is acknowledged that is not
// committed.
func (s *Service) flush(batch []*request, rows []hearth.Reading) {
	start := time.Now()
	stored, err := s.store.InsertReadings(context.Background(), rows)
	s.metrics.CommitSeconds.Observe(time.Since(start).Seconds())
	s.metrics.BatchSize.Observe(float64(len(rows)))
	if err == nil && len(stored) != len(rows) {
		err = fmt.Errorf("store reported %d results for %d readings", len(stored), len(rows))
	}
	if err != nil {
		s.log.Error("group commit failed", "readings", len(rows), "err", err)
		err = fmt.Errorf("commit readings: %w", err)
		for _, req := range batch {
			req.deliver(outcome{err: err})
		}
		return
	}
	for i, req := range batch {
		switch stored[i] {
		case hearth.Stored:
			req.deliver(outcome{res: Result{Stored: true, ReadingID: rows[i].ID}})
		case hearth.Unbound:
			req.deliver(outcome{err: errUnbound})
		default:
			req.deliver(outcome{res: Result{Duplicate: true}})
		}
	}
}
