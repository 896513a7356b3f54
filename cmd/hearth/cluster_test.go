package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/devicetest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/seal"
)

// clusterNode is an in-process `hearth serve` on a PostgreSQL store, with
// what it logs.
type clusterNode struct {
	*server
	logs     *lockedBuffer
	stopOnce sync.Once
}

// startNode starts a node on s, stopped when the test ends.
func startNode(t testing.TB, s *pgStore) *clusterNode {
	t.Helper()
	cfg := defaultServeConfig()
	cfg.Store, cfg.KeysStore, cfg.KEK = s.data, s.keys, s.kek
	cfg.HTTP, cfg.MQTT = "127.0.0.1:0", "127.0.0.1:0"
	if err := cfg.check(); err != nil {
		t.Fatalf("config: %v", err)
	}
	m, err := cfg.loadManifest()
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	n := &clusterNode{logs: &lockedBuffer{}}
	log := slog.New(slog.NewJSONHandler(n.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if n.server, err = startServer(cfg, m, log, io.Discard); err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop shuts the node down, once.
func (n *clusterNode) stop(t testing.TB) {
	n.stopOnce.Do(func() {
		if err := n.server.stop(); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
}

// logged reports whether the node logged a line whose msg is msg.
func (n *clusterNode) logged(msg string) bool {
	return strings.Contains(n.logs.String(), `"msg":"`+msg+`"`)
}

// broker is the node's MQTT address as paho names it.
func (n *clusterNode) brokerURL() string {
	return strings.Replace(n.mqttURL, "mqtt://", "tcp://", 1)
}

// home is a household with an owner and a claimed thermostat.
type home struct {
	owner, hh string
	dev       cred
}

// newHome signs up an owner through node n, creates their household and
// claims a thermostat into it.
func newHome(t testing.TB, n *clusterNode) home {
	t.Helper()
	ctx := t.Context()
	_, p, err := n.auth.SignUp(ctx, hearth.NewID("o")+"@example.org", "a long enough password", "Owner")
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	hh, err := n.households.CreateHousehold(ctx, p.ID, "Home")
	if err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	id, secret := devicetest.Claim(t, n.households, p.ID, hh.ID, "ember-t1")
	return home{owner: p.ID, hh: hh.ID, dev: cred{ID: id, Secret: secret}}
}

// (a) A command issued on node B for a device connected to node A reaches
// the device through A; one for a device connected nowhere is ENOTFOUND
// (the command was not sent), as on one node.
func TestClusterCommandReachesOtherNode(t *testing.T) {
	s := newPGStore(t)
	a, b := startNode(t, s), startNode(t, s)
	h := newHome(t, b)
	d := connectLive(t, a.brokerURL(), h.dev)
	cmd := []byte(`{"id":"cmd_1","type":"ping","note":"` + strings.Repeat("x", 9000) + `"}`) // over one NOTIFY
	if err := b.commander.Command(t.Context(), h.dev.ID, cmd); err != nil {
		t.Fatalf("command through B: %v", err)
	}
	if got := d.command(t); got["id"] != "cmd_1" || len(got["note"]) != 9000 {
		t.Errorf("device received %v, want cmd_1 whole", got["id"])
	}
	other := newHome(t, a) // provisioned, never connected
	err := b.commander.Command(t.Context(), other.dev.ID, cmd)
	if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("command for a device connected nowhere: %v, want ENOTFOUND", err)
	}
	if !a.logged("device command from another node sent") {
		t.Errorf("A did not log sending B's command")
	}
}

// (b) A credential revoked through node B ends the device's session on
// node A before the revocation returns, so the old secret cannot keep a
// session open (SEC-AUTHZ): A sends the device nothing more.
func TestClusterRevocationEndsSessionOnOtherNode(t *testing.T) {
	s := newPGStore(t)
	a, b := startNode(t, s), startNode(t, s)
	h := newHome(t, a)
	d := connectLive(t, a.brokerURL(), h.dev)
	if err := b.households.RevokeCredential(t.Context(), h.owner, h.dev.ID); err != nil {
		t.Fatalf("RevokeCredential on B: %v", err)
	}
	if err := a.broker.Command(t.Context(), h.dev.ID, []byte(`{"id":"c","type":"ping"}`)); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("A's session after the revocation returned: command %v, want ENOTFOUND (session ended)", err)
	}
	d.waitLost(t, "its credential's revocation on another node")
}

// (c) A consent given through node B reaches the subject node A cached
// before Give returns (CONSENT-OPTIN, CONSENT-WITHDRAW on every node): A's
// next decision is made under it; so is the withdrawal's. Repeated, as a
// race would show only sometimes.
func TestClusterSubjectInvalidation(t *testing.T) {
	s := newPGStore(t)
	a, b := startNode(t, s), startNode(t, s)
	h := newHome(t, a)
	const purpose = "energy-insights"
	bits, err := a.privacy.policy.PurposeBits(purpose)
	if err != nil {
		t.Fatalf("PurposeBits: %v", err)
	}
	consented := func() bool {
		sub, err := a.privacy.subjects.Person(t.Context(), h.hh, h.owner) // cached on A
		if err != nil {
			t.Fatalf("Person on A: %v", err)
		}
		return sub.Consented == bits
	}
	if consented() {
		t.Fatal("consented before any consent")
	}
	for i := range 10 {
		if _, err := b.privacy.consents.Give(t.Context(), h.owner, h.owner, purpose, hearth.MethodApp, ""); err != nil {
			t.Fatalf("Give on B: %v", err)
		}
		if !consented() {
			t.Fatalf("round %d: A decided without the consent given on B", i)
		}
		if _, err := b.privacy.consents.Withdraw(t.Context(), h.owner, h.owner, purpose, hearth.MethodApp); err != nil {
			t.Fatalf("Withdraw on B: %v", err)
		}
		if consented() {
			t.Fatalf("round %d: A decided with the consent withdrawn on B", i)
		}
	}
}

// (d) A device that reconnects to node B while its old session on node A
// is still open has that session ended (taken over), as one node does; a
// data key shredded on B is forgotten by A, which had it in memory, before
// the shred returns (RIGHT-ERASE).
func TestClusterTakeoverAndShred(t *testing.T) {
	s := newPGStore(t)
	a, b := startNode(t, s), startNode(t, s)
	h := newHome(t, a)
	old := connectLive(t, a.brokerURL(), h.dev)
	connectLive(t, b.brokerURL(), h.dev)
	old.waitLost(t, "the device connecting to another node")
	waitUntil(t, "A to log the takeover", func() bool {
		return a.logged("device session taken over: the device connected to another node")
	})

	sealed, err := a.keys.Seal(t.Context(), h.owner, []byte("x"), nil)
	if err != nil {
		t.Fatalf("Seal on A: %v", err)
	}
	if err := b.keys.Shred(t.Context(), h.owner); err != nil {
		t.Fatalf("Shred on B: %v", err)
	}
	if _, err := a.keys.Open(t.Context(), sealed, nil); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Open on A after the shred on B returned: %v, want ENOTFOUND", err)
	}
}

// (3) The scheduled jobs run on one node: the first leads, the second
// follows; when the leader stops, the follower takes over.
func TestClusterJobsRunOnce(t *testing.T) {
	s := newPGStore(t)
	a := startNode(t, s)
	waitUntil(t, "A to lead", func() bool { return a.logged("scheduled jobs: leading") })
	b := startNode(t, s)
	waitUntil(t, "B to follow", func() bool { return b.logged("scheduled jobs: another node leads") })
	if b.logged("scheduled jobs: leading") {
		t.Fatal("B leads while A does")
	}
	a.stop(t)
	waitUntil(t, "B to take over", func() bool { return b.logged("scheduled jobs: leading") })
}

// The bus carries what the nodes tell each other as JSON; a message of
// another node this one does not understand is dropped, not fatal.
func TestClusterMessageShape(t *testing.T) {
	m := busMessage{From: "n1", ID: "req_1", Device: "dev_1", Cmd: []byte(`{"id":"c"}`)}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back busMessage
	if err := json.Unmarshal(b, &back); err != nil || back.Device != "dev_1" || string(back.Cmd) != `{"id":"c"}` {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	replies := make(chan busMessage, 2)
	replies <- busMessage{Code: hearth.ENOTFOUND}
	if err := awaitReplies(ctx, replies, 2, "dev_1"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("one of two nodes answered, then time ran out: %v, want ENOTFOUND", err)
	}
	replies <- busMessage{Code: hearth.ETOOLARGE, Msg: "too large"}
	if err := awaitReplies(context.Background(), replies, 2, "dev_1"); hearth.ErrorCode(err) != hearth.ETOOLARGE {
		t.Errorf("a node's error: %v, want ETOOLARGE", err)
	}
}

// Two nodes starting at once on an empty key database, each with a key
// file of its own that does not exist yet: one creates its key and records
// it in the key database; the other is refused, instead of creating a
// second key that could not read the first one's data (SEC-ENCRYPT).
func TestClusterKEKCreatedOnce(t *testing.T) {
	s := newPGStore(t)
	base := defaultServeConfig()
	m, err := base.loadManifest()
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			cfg := defaultServeConfig()
			cfg.Store, cfg.KeysStore, cfg.KEK = s.data, s.keys, filepath.Join(t.TempDir(), "node.kek")
			c, err := openCore(cfg, m, metrics.NewUnregistered(), nil)
			if err == nil {
				c.close(slog.New(slog.DiscardHandler))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, seal.ErrKEKMissing):
			t.Errorf("the refused node: %v, want seal.ErrKEKMissing", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d nodes started, want exactly 1 (errors: %v)", ok, errs)
	}
}

// Session notes wait in a bounded queue: past maxPendingNotes they are
// dropped and counted, and take empties the queue and the count.
func TestSessionNotesBounded(t *testing.T) {
	n := newSessionNotes()
	for i := range maxPendingNotes + 3 {
		n.add(sessionNote{Device: "dev", At: int64(i)})
	}
	notes, dropped := n.take()
	if len(notes) != maxPendingNotes || dropped != 3 {
		t.Errorf("took %d notes, %d dropped; want %d and 3", len(notes), dropped, maxPendingNotes)
	}
	if notes, dropped := n.take(); len(notes) != 0 || dropped != 0 {
		t.Errorf("second take: %d notes, %d dropped; want none", len(notes), dropped)
	}
	select {
	case <-n.kick:
	default:
		t.Error("no kick after the first note")
	}
}

// A node whose bus connection was lost may have missed a session end: once
// listening again it checks its sessions against the store and ends the
// session of a device whose credential changed meanwhile (here changed in
// the database directly, so no message was ever sent).
func TestClusterRecheckAfterReconnect(t *testing.T) {
	s := newPGStore(t)
	a := startNode(t, s)
	h := newHome(t, a)
	d := connectLive(t, a.brokerURL(), h.dev)
	exec := func(sql string, args ...any) {
		t.Helper()
		conn, err := pgx.Connect(t.Context(), s.data)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("UPDATE devices SET credential_hash = $1 WHERE id = $2", []byte("revoked meanwhile"), h.dev.ID)
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", "hearth-bus "+a.cluster.bus.Node())
	d.waitLost(t, "its credential's change while the bus was down")
	waitUntil(t, "A to log the sessions it ended", func() bool {
		return a.logged("device sessions ended after reconnecting: their device changed meanwhile")
	})
}
