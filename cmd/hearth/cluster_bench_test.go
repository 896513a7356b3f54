package main

import (
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth/internal/pgtest"
)

// benchStore is a pgStore for a benchmark.
func benchStore(b *testing.B) *pgStore {
	data, keys := pgtest.Store(b)
	return &pgStore{data: data, keys: keys, kek: filepath.Join(b.TempDir(), "hearth.kek")}
}

// BenchmarkClusterInvalidate measures a subject invalidation on node A
// told to node B and confirmed by it: the wait a consent, settings or
// membership change adds with two nodes.
// go test ./cmd/hearth -run '^$' -bench Cluster
func BenchmarkClusterInvalidate(b *testing.B) {
	s := benchStore(b)
	a := startNode(b, s)
	startNode(b, s)
	for b.Loop() {
		a.privacy.subjects.Invalidate("p_bench")
	}
}

// BenchmarkClusterCommand measures a command sent through node B to a
// device connected to node A, until A says it sent it.
func BenchmarkClusterCommand(b *testing.B) {
	s := benchStore(b)
	a, n := startNode(b, s), startNode(b, s)
	h := newHome(b, n)
	o := paho.NewClientOptions().AddBroker(a.brokerURL()).SetClientID(h.dev.ID).SetUsername(h.dev.ID).SetPassword(h.dev.Secret).
		SetProtocolVersion(4).SetAutoReconnect(false)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Subscribe("hearth/v1/devices/"+h.dev.ID+"/commands", 1, func(paho.Client, paho.Message) {}); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatalf("subscribe: %v", tok.Error())
	}
	cmd := []byte(`{"id":"cmd_b","type":"ping"}`)
	for b.Loop() {
		if err := n.commander.Command(b.Context(), h.dev.ID, cmd); err != nil {
			b.Fatal(err)
		}
	}
}
