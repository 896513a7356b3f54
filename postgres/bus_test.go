package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/postgres"
)

// inbox collects what a bus receives on one channel.
type inbox chan string

// startBus starts a bus on db listening on "t_msg" into the returned inbox;
// reconnected, if not nil, receives a value each time the bus reconnects.
func startBus(t *testing.T, db *postgres.DB, node string, reconnected chan struct{}) (*postgres.Bus, inbox) {
	t.Helper()
	in := make(inbox, 16)
	cfg := postgres.BusConfig{Node: node, Handlers: map[string]func(string){"t_msg": func(p string) { in <- p }}}
	if reconnected != nil {
		cfg.Reconnected = func() { reconnected <- struct{}{} }
	}
	bus, err := postgres.NewBus(db, cfg)
	if err != nil {
		t.Fatalf("NewBus: %v", err)
	}
	if err := bus.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { bus.Close() })
	return bus, in
}

// receive returns the next message of in, failing after a generous wait.
func (in inbox) receive(t *testing.T, who string) string {
	t.Helper()
	select {
	case m := <-in:
		return m
	case <-time.After(30 * time.Second):
		t.Fatalf("%s received nothing", who)
		return ""
	}
}

// Every node listening receives a message, the sender included; a message
// over NOTIFY's 8000-byte limit arrives whole, multi-byte characters and
// all; two messages of one node arrive in the order sent.
func TestBusDeliversToEveryNode(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	a, inA := startBus(t, dbs[0], "node-a", nil)
	b, inB := startBus(t, dbs[1], "node-b", nil)
	if err := a.Publish(t.Context(), "t_msg", "hello"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for who, in := range map[string]inbox{"A": inA, "B": inB} {
		if got := in.receive(t, who); got != "hello" {
			t.Errorf("%s received %q, want hello", who, got)
		}
	}
	long := strings.Repeat("é€x", 9000) // 54,000 bytes
	if err := b.Publish(t.Context(), "t_msg", long); err != nil {
		t.Fatalf("Publish long: %v", err)
	}
	if err := b.Publish(t.Context(), "t_msg", "after"); err != nil {
		t.Fatalf("Publish after: %v", err)
	}
	if got := inA.receive(t, "A"); got != long {
		t.Errorf("A received %d bytes, want the %d-byte message whole", len(got), len(long))
	}
	if got := inA.receive(t, "A"); got != "after" {
		t.Errorf("A received %q second, want after", got)
	}
}

// Publish refuses what NOTIFY cannot carry, naming the problem.
func TestBusPublishRefuses(t *testing.T) {
	_, dbs := openNodes(t, 1, 0)
	bus, _ := startBus(t, dbs[0], "", nil)
	for _, tt := range []struct {
		name, channel, payload, code string
	}{
		{"bad channel", "T-msg", "x", hearth.EINVALID},
		{"NUL", "t_msg", "a\x00b", hearth.EINVALID},
		{"not UTF-8", "t_msg", "\xff", hearth.EINVALID},
		{"too large", "t_msg", strings.Repeat("x", postgres.MaxBusMessage+1), hearth.ETOOLARGE},
	} {
		if err := bus.Publish(t.Context(), tt.channel, tt.payload); hearth.ErrorCode(err) != tt.code {
			t.Errorf("%s: Publish error %v, want code %s", tt.name, err, tt.code)
		}
	}
	if _, err := postgres.NewBus(dbs[0], postgres.BusConfig{Node: "bad id!", Handlers: map[string]func(string){"t_msg": nil}}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("NewBus with a bad node ID: %v, want EINVALID", err)
	}
}

// Nodes lists the nodes whose bus listens, and no longer one whose bus
// closed.
func TestBusNodes(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	a, _ := startBus(t, dbs[0], "node-a", nil)
	b, _ := startBus(t, dbs[1], "node-b", nil)
	nodes, err := a.Nodes(t.Context())
	if err != nil || !slices.Equal(nodes, []string{"node-a", "node-b"}) {
		t.Fatalf("Nodes = %v, %v; want [node-a node-b]", nodes, err)
	}
	b.Close()
	waitFor(t, "node-b to leave the list", func() bool {
		nodes, err = a.Nodes(t.Context())
		return err == nil && slices.Equal(nodes, []string{"node-a"})
	})
}

// A bus whose listening connection is cut reconnects, says so
// (Reconnected: it may have missed messages), and receives again.
func TestBusReconnects(t *testing.T) {
	data, dbs := openNodes(t, 2, 0)
	reconnected := make(chan struct{}, 4)
	a, _ := startBus(t, dbs[0], "node-a", nil)
	_, inB := startBus(t, dbs[1], "node-b", reconnected)
	exec(t, data, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hearth-bus node-b'")
	select {
	case <-reconnected:
	case <-time.After(30 * time.Second):
		t.Fatal("node B did not reconnect")
	}
	if err := a.Publish(t.Context(), "t_msg", "again"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got := inB.receive(t, "B"); got != "again" {
		t.Errorf("B received %q after reconnecting, want again", got)
	}
}

// waitFor polls cond until it holds, failing after a generous wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waited in vain for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
