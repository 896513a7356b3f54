package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/postgres"
)

// leaders counts the nodes leading at once and who has led.
type leaders struct {
	now, most atomic.Int32
	mu        sync.Mutex
	led       map[string]int
}

// lead returns node's lead function: counted while it runs.
func (l *leaders) lead(node string) func(ctx context.Context) {
	return func(ctx context.Context) {
		n := l.now.Add(1)
		for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
		}
		l.mu.Lock()
		l.led[node]++
		l.mu.Unlock()
		<-ctx.Done()
		l.now.Add(-1)
	}
}

func (l *leaders) times(node string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.led[node]
}

// runLease runs a lease named name on db for node until the returned
// stop is called.
func runLease(db *postgres.DB, name, node string, l *leaders) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lease := postgres.NewLease(db, postgres.LeaseConfig{Name: name, Check: 100 * time.Millisecond})
	go func() { defer close(done); lease.Run(ctx, l.lead(node)) }()
	return func() { cancel(); <-done }
}

// Of two nodes, one leads at a time: when the leader stops, the other
// takes over; a lease of another name is independent.
func TestLeaseOneLeader(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	l := &leaders{led: map[string]int{}}
	stopA := runLease(dbs[0], "jobs", "a", l)
	waitFor(t, "A to lead", func() bool { return l.times("a") == 1 })
	stopB := runLease(dbs[1], "jobs", "b", l)
	defer stopB()
	other := &leaders{led: map[string]int{}}
	stopOther := runLease(dbs[1], "other", "b", other)
	defer stopOther()
	waitFor(t, "B to lead the other lease", func() bool { return other.times("b") == 1 })
	if got := l.times("b"); got != 0 {
		t.Fatalf("B led %d times while A held the lease", got)
	}
	stopA()
	waitFor(t, "B to take over", func() bool { return l.times("b") == 1 })
	if most := l.most.Load(); most != 1 {
		t.Errorf("%d nodes led at once, want 1", most)
	}
}

// A leader whose lease connection is cut stops leading (its context is
// cancelled), and a new leadership begins (B's, or A's on a new
// connection, whichever takes the lock first). (PostgreSQL releases the lock
// as it ends the session, a moment before the leader reads the end of its
// connection, so the two may overlap by that moment: this test does not
// count overlaps. Nodes stopping or dying do not overlap: their lock goes
// with them.)
func TestLeaseLostConnection(t *testing.T) {
	data, dbs := openNodes(t, 2, 0)
	l := &leaders{led: map[string]int{}}
	stopA := runLease(dbs[0], "jobs", "a", l)
	defer stopA()
	waitFor(t, "A to lead", func() bool { return l.times("a") == 1 })
	stopB := runLease(dbs[1], "jobs", "b", l)
	defer stopB()
	exec(t, data, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	// A's lead ended, and one node (B, or A again on a new connection) leads.
	waitFor(t, "a new leadership after the cut", func() bool { return l.times("a")+l.times("b") == 2 && l.now.Load() == 1 })
}

// Exclusive runs one node's work at a time: the second waits for the first.
func TestExclusive(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			err := dbs[i%2].Exclusive(t.Context(), "start-up", func() error {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(20 * time.Millisecond) // room for an overlap, if the lock allowed one
				now.Add(-1)
				return nil
			})
			if err != nil {
				t.Errorf("Exclusive: %v", err)
			}
		})
	}
	wg.Wait()
	if got := most.Load(); got != 1 {
		t.Errorf("%d ran at once, want 1", got)
	}
}
