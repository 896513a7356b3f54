package main

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
)

// result is one simulated configuration's outcome.
type result struct {
	nodes                 int
	devicesPerNode        float64
	offered, committed    float64 // readings/s in the measured window
	p50, p99, p999, maxMS float64
	nodeUtil, dbUtil      float64
	meanBatch             float64
	sustained             bool
}

func (r result) row(label string) string {
	return fmt.Sprintf("| %d (%s) | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f%% | %.0f%% | %.0f | %s |",
		r.nodes, label, human(r.devicesPerNode), human(r.offered), human(r.committed), r.p50, r.p99, r.p999, r.maxMS,
		100*r.nodeUtil, 100*r.dbUtil, r.meanBatch, map[bool]string{true: "yes", false: "**no**"}[r.sustained])
}

// event kinds.
const (
	cpuDone = iota
	lingerEnd
	commitDone
)

type event struct {
	t       float64 // seconds
	kind    uint8
	node    int32
	writer  int32   // lingerEnd, commitDone: the node's writer
	arrival float64 // cpuDone: the reading's arrival time
	gen     uint32  // lingerEnd: the linger it ends
}

type events []event

func (e events) Len() int           { return len(e) }
func (e events) Less(i, j int) bool { return e[i].t < e[j].t }
func (e events) Swap(i, j int)      { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)        { *e = append(*e, x.(event)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

// node is one Hearth node: its CPU servers and its group-commit writers,
// which drain one queue.
type node struct {
	cpuFree []float64 // when each core is next free
	queue   []float64 // arrival times of readings no writer has taken yet
	writers []*writer
}

// writer is one of a node's group-commit writers (ingest.Config.Writers):
// idle, lingering for more readings, or committing its batch.
type writer struct {
	batch     []float64 // arrival times of the readings of its batch
	busy      bool      // committing
	lingering bool
	lingerGen uint32
}

// sim is one configuration's simulation state.
type sim struct {
	p       *params
	rng     *rand.Rand
	ev      events
	nodes   []*node
	dbFree  []float64
	from    float64 // start of the measured window
	to      float64
	lat     latencies
	cpuBusy float64 // node CPU seconds of readings arriving in the window
	dbBusy  float64
	batches int64
	rows    int64
}

// simulate plays warm-up + simSeconds of a fleet sending rate readings/s
// through nodes nodes and a PostgreSQL of dbCores cores.
func simulate(p *params, nodes, dbCores int, rate float64) result {
	s := &sim{p: p, rng: rand.New(rand.NewPCG(p.seed, uint64(nodes))), from: p.warmupS, to: p.warmupS + p.simSeconds}
	s.dbFree = make([]float64, dbCores)
	for range nodes {
		nd := &node{cpuFree: make([]float64, p.nodeCores)}
		for range p.writers {
			nd.writers = append(nd.writers, &writer{})
		}
		s.nodes = append(s.nodes, nd)
	}
	var arrivals int64
	next := s.rng.ExpFloat64() / rate
	for next < s.to || s.ev.Len() > 0 {
		if next < s.to && (s.ev.Len() == 0 || next <= s.ev[0].t) {
			if next >= s.from {
				arrivals++
			}
			s.arrive(next, s.rng.IntN(nodes))
			next += s.rng.ExpFloat64() / rate
			continue
		}
		e := heap.Pop(&s.ev).(event)
		if e.t > s.to+10 { // what is still queued 10 s after the end is not committed in time
			break
		}
		s.handle(e)
	}
	r := result{nodes: nodes, devicesPerNode: p.devices / float64(nodes), offered: float64(arrivals) / p.simSeconds,
		committed: float64(s.lat.inWindow) / p.simSeconds,
		nodeUtil:  s.cpuBusy / (p.simSeconds * float64(nodes*p.nodeCores)), dbUtil: s.dbBusy / (p.simSeconds * float64(dbCores))}
	if s.batches > 0 {
		r.meanBatch = float64(s.rows) / float64(s.batches)
	}
	r.p50, r.p99, r.p999, r.maxMS = s.lat.quantile(0.5), s.lat.quantile(0.99), s.lat.quantile(0.999), s.lat.maxMS()
	// Readings that arrived in the window and were committed at all (the
	// rest count against the rate, and an overloaded queue shows in p99).
	r.sustained = float64(s.lat.count) >= p.keptUpFraction*float64(arrivals) && r.committed >= p.keptUpFraction*r.offered && r.p99 <= p.p99BoundMS
	return r
}

// arrive takes a reading that reached node n at t: the first free core of
// the node serves it, in arrival order.
func (s *sim) arrive(t float64, n int) {
	nd := s.nodes[n]
	i := 0
	for j, f := range nd.cpuFree {
		if f < nd.cpuFree[i] {
			i = j
		}
	}
	service := s.rng.ExpFloat64() * s.p.nodeCPUus / 1e6
	start := max(t, nd.cpuFree[i])
	nd.cpuFree[i] = start + service
	if t >= s.from && t < s.to {
		s.cpuBusy += service
	}
	heap.Push(&s.ev, event{t: start + service, kind: cpuDone, node: int32(n), arrival: t})
}

// handle plays one event. A reading ready for the store goes to an idle
// writer if the node has one (as a writer waiting on ingest's queue takes
// it), else into the batch of a lingering writer, else into the queue,
// which the next writer to finish its commit takes.
func (s *sim) handle(e event) {
	nd := s.nodes[e.node]
	switch e.kind {
	case cpuDone:
		if w := nd.idle(); w >= 0 {
			nd.queue = append(nd.queue, e.arrival)
			s.startBatch(e.t, e.node, w)
			return
		}
		for i, w := range nd.writers {
			if w.lingering {
				w.batch = append(w.batch, e.arrival)
				if len(w.batch) >= s.p.maxBatch {
					s.commit(e.t, e.node, int32(i))
				}
				return
			}
		}
		nd.queue = append(nd.queue, e.arrival)
	case lingerEnd:
		w := nd.writers[e.writer]
		if w.lingering && e.gen == w.lingerGen {
			s.commit(e.t, e.node, e.writer)
		}
	case commitDone:
		w := nd.writers[e.writer]
		for _, a := range w.batch {
			s.lat.add(a, e.t, s.from, s.to)
		}
		w.batch = w.batch[:0]
		w.busy = false
		if len(nd.queue) > 0 {
			s.startBatch(e.t, e.node, e.writer)
		}
	}
}

// idle returns the index of a writer neither committing nor lingering, or
// -1.
func (nd *node) idle() int32 {
	for i, w := range nd.writers {
		if !w.busy && !w.lingering {
			return int32(i)
		}
	}
	return -1
}

// startBatch is writer w taking what is queued, up to maxBatch: with more
// than one reading and fewer than a full batch, it lingers for more.
func (s *sim) startBatch(t float64, n, w int32) {
	nd := s.nodes[n]
	wr := nd.writers[w]
	k := min(len(nd.queue), s.p.maxBatch)
	wr.batch = append(wr.batch[:0], nd.queue[:k]...)
	nd.queue = append(nd.queue[:0], nd.queue[k:]...)
	if k >= 2 && k < s.p.maxBatch {
		wr.lingering = true
		wr.lingerGen++
		heap.Push(&s.ev, event{t: t + s.p.lingerMS/1e3, kind: lingerEnd, node: n, writer: w, gen: wr.lingerGen})
		return
	}
	s.commit(t, n, w)
}

// commit sends writer w's batch to PostgreSQL: the batch takes the first
// free database core for k × dbCPUus, and the writer at least k ×
// writerUS, then the commit's WAL flush.
func (s *sim) commit(t float64, n, w int32) {
	wr := s.nodes[n].writers[w]
	wr.lingering = false
	wr.busy = true
	k := len(wr.batch)
	i := 0
	for j, f := range s.dbFree {
		if f < s.dbFree[i] {
			i = j
		}
	}
	service := float64(k) * s.p.dbCPUus / 1e6
	start := max(t, s.dbFree[i])
	s.dbFree[i] = start + service
	if t >= s.from && t < s.to {
		s.dbBusy += service
		s.batches++
		s.rows += int64(k)
	}
	done := max(start+service, t+float64(k)*s.p.writerUS/1e6)
	heap.Push(&s.ev, event{t: done + s.p.commitMS/1e3, kind: commitDone, node: n, writer: w})
}

// latencies is a histogram of arrival-to-commit latencies in 10 µs
// buckets up to 10 s, of readings that arrived in the measured window.
type latencies struct {
	buckets  []uint32
	count    int64 // readings that arrived in the window and were committed
	inWindow int64 // commits that happened in the window
	max      float64
}

const bucketS = 10e-6

func (l *latencies) add(arrival, done, from, to float64) {
	if done >= from && done < to {
		l.inWindow++
	}
	if arrival < from || arrival >= to {
		return
	}
	if l.buckets == nil {
		l.buckets = make([]uint32, 1_000_000)
	}
	d := done - arrival
	l.max = max(l.max, d)
	l.buckets[min(int(d/bucketS), len(l.buckets)-1)]++
	l.count++
}

// quantile returns the q-quantile in milliseconds; +Inf when no reading
// of the window was committed.
func (l *latencies) quantile(q float64) float64 {
	if l.count == 0 {
		return math.Inf(1)
	}
	want := int64(q * float64(l.count))
	var seen int64
	for i, c := range l.buckets {
		seen += int64(c)
		if seen > want {
			return float64(i+1) * bucketS * 1e3
		}
	}
	return l.maxMS()
}

func (l *latencies) maxMS() float64 {
	if l.count == 0 {
		return math.Inf(1)
	}
	return l.max * 1e3
}
