package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// plan is an open-loop schedule: message n (n = 0, 1, ...) belongs to
// device n mod D and is due at start + n/R, so each device publishes every
// D/R with phase offset i/R. Messages due before measureFrom are warm-up.
type plan struct {
	start, measureFrom, end time.Time
	rate                    float64
	devices                 int
}

// newPlan returns the schedule of a run that starts at start.
func newPlan(cfg *config, start time.Time) plan {
	from := start.Add(cfg.warmup)
	return plan{start: start, measureFrom: from, end: from.Add(cfg.duration), rate: cfg.rate, devices: cfg.devices}
}

// due returns the scheduled send time of message n.
func (p plan) due(n uint64) time.Time {
	return p.start.Add(time.Duration(float64(n) * float64(time.Second) / p.rate))
}

// measured reports whether a message due at t is in the measured window.
func (p plan) measured(t time.Time) bool { return !t.Before(p.measureFrom) }

// giveUp is how far past the end of the schedule a lagging publisher keeps
// sending; messages still unsent then count as not sent.
const giveUp = time.Second

// stats collects a run's outcome. Counters other than the *Total ones and
// windowAcks cover only messages due in the measured window. It is safe for
// concurrent use.
type stats struct {
	latency    histogram // due time to PUBACK
	sendLag    histogram // due time to the publish call returning
	scheduled  atomic.Int64
	sent       atomic.Int64
	acked      atomic.Int64
	failed     atomic.Int64
	notSent    atomic.Int64
	sentTotal  atomic.Int64 // including warm-up
	ackedTotal atomic.Int64 // including warm-up
	windowAcks atomic.Int64 // successful PUBACKs of any message received within the measured window
	over       atomic.Bool  // the drain ended: later outcomes are not counted (unacked)
	firstErr   atomic.Pointer[string]
	cpu        cpuUse
}

// fail counts a failed measured message and keeps the first error text.
func (s *stats) fail(measured bool, err error) {
	if measured {
		s.failed.Add(1)
	}
	msg := err.Error()
	s.firstErr.CompareAndSwap(nil, &msg)
}

// runLoad publishes the plan's messages from cfg.workers goroutines, each
// owning the devices i ≡ w (mod workers), then waits up to cfg.drain for
// outstanding PUBACKs. It returns when the run is over or ctx is done.
func runLoad(ctx context.Context, cfg *config, devs []*device, p plan) *stats {
	s := &stats{}
	gen := &payloadGen{runID: cfg.runID, category: cfg.category, size: cfg.payloadSize, values: cfg.values}
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s.cpu = sampleCPU(ctx, cfg.serverPIDs, cfg.storePID, p.measureFrom, p.end)
	}()
	var inflight, workers sync.WaitGroup
	for w := range min(cfg.workers, len(devs)) {
		workers.Go(func() {
			pub := publisher{s: s, p: p, gen: gen, inflight: &inflight}
			pub.loop(ctx, devs, w, cfg.workers)
		})
	}
	workers.Wait()
	drained := make(chan struct{})
	go func() { inflight.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-ctx.Done():
	case <-time.After(time.Until(p.end.Add(giveUp + cfg.drain))):
	}
	s.over.Store(true)
	<-sampled
	return s
}

// publisher is one publishing goroutine's state.
type publisher struct {
	s        *stats
	p        plan
	gen      *payloadGen
	inflight *sync.WaitGroup
	buf      []byte
}

// loop publishes, in schedule order, the messages of devices w, w+step, ...
func (pub *publisher) loop(ctx context.Context, devs []*device, w, step int) {
	late := false
	for k := uint64(0); ; k++ {
		for i := w; i < len(devs); i += step {
			n := k*uint64(len(devs)) + uint64(i)
			due := pub.p.due(n)
			if !due.Before(pub.p.end) || ctx.Err() != nil {
				return
			}
			measured := pub.p.measured(due)
			if measured {
				pub.s.scheduled.Add(1)
			}
			late = late || time.Since(pub.p.end) > giveUp
			if late {
				if measured {
					pub.s.notSent.Add(1)
				}
				continue
			}
			if wait := time.Until(due); wait > 0 {
				time.Sleep(wait)
			}
			pub.publish(devs[i], n, due, measured)
		}
	}
}

// publish sends message n from d; its acknowledgement (or failure) is
// recorded when it comes, with the latency from the due time.
func (pub *publisher) publish(d *device, n uint64, due time.Time, measured bool) {
	s := pub.s
	if d.s == nil { // counted as sent and failed, so that unacked stays sent - acked - errors
		s.sentTotal.Add(1)
		if measured {
			s.sent.Add(1)
		}
		s.fail(measured, errNotConnected)
		return
	}
	pub.buf = pub.gen.build(pub.buf[:0], n, due)
	pub.inflight.Add(1)
	d.s.publish(d.topic, pub.buf, func(at time.Time, err error) {
		defer pub.inflight.Done()
		if s.over.Load() {
			return // counted as unacked
		}
		if err != nil {
			s.fail(measured, err)
			return
		}
		if !at.Before(pub.p.measureFrom) && at.Before(pub.p.end) {
			s.windowAcks.Add(1)
		}
		s.ackedTotal.Add(1)
		if measured {
			s.acked.Add(1)
			s.latency.record(at.Sub(due))
		}
	})
	s.sendLag.record(time.Since(due))
	s.sentTotal.Add(1)
	if measured {
		s.sent.Add(1)
	}
}
