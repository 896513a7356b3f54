package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/mqtt"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/subject"
)

// The cluster bus's channels (postgres.Bus): what one node tells the
// others sharing its PostgreSQL store.
const (
	chanCommand    = "hearth_command"    // a device command for whichever node holds the device's session
	chanReply      = "hearth_reply"      // each node's answer to a command, or its confirmation of a tell (invalidate.go)
	chanDisconnect = "hearth_disconnect" // a device's credential changed: end its session
	chanSession    = "hearth_session"    // a device connected: end its older session elsewhere
	chanSubject    = "hearth_subject"    // a person's cached policy subject is stale
	chanKey        = "hearth_key"        // a subject's data key was shredded
)

// ackTimeout bounds how long a change waits for the other nodes to confirm
// they applied its invalidation (invalidate.go).
const ackTimeout = 2 * time.Second

// commandTimeout bounds how long a command for a device not connected to
// this node waits for the other nodes' answers.
const commandTimeout = 3 * time.Second

// busMessage is every message on the cluster bus, as JSON: From is the
// sending node; the other fields are those of its channel.
type busMessage struct {
	From   string `json:"from"`
	To     string `json:"to,omitempty"`     // chanReply: the node that asked
	ID     string `json:"id,omitempty"`     // the request answered on chanReply
	Device string `json:"device,omitempty"` // chanCommand, chanDisconnect
	Cmd    []byte `json:"cmd,omitempty"`    // chanCommand: the command (base64 in JSON)
	// Sessions are the device sessions begun on the sender (chanSession).
	Sessions []sessionNote `json:"sessions,omitempty"`
	Person   string        `json:"person,omitempty"` // chanSubject ("" for everyone), chanKey: the subject
	Code     string        `json:"code,omitempty"`   // chanReply: "" sent or applied, else the error code
	Msg      string        `json:"msg,omitempty"`    // chanReply: the error message
}

// cluster is this node's part in a service of several nodes on one
// PostgreSQL store: over the bus (postgres.Bus) it passes on what the other
// nodes must act on or forget, and acts on what they pass on (device
// commands, ended sessions, stale subjects and shredded keys). Every
// command opening a PostgreSQL store has one, to publish; only the server
// listens (start). A nil *cluster (SQLite: one node) does nothing.
type cluster struct {
	bus *postgres.Bus
	log *slog.Logger
	// subjects and keys are this node's caches that other nodes'
	// changes invalidate, and devices where sessions are checked against;
	// set once by openCore.
	subjects *subject.Cache
	keys     *seal.Keyring
	devices  hearth.DeviceStore
	// broker is this node's MQTT gateway once it runs.
	broker atomic.Pointer[mqtt.Broker]
	// sessions batches the news of devices connecting here (sessions.go);
	// stopSessions stops its sender.
	sessions     *sessionNotes
	stopSessions func()
	// listening is true while the bus listens: this node then hears every
	// invalidation, and may trust its caches (invalidate.go).
	listening atomic.Bool

	mu      sync.Mutex
	waiting map[string]chan busMessage // requests awaiting answers, by ID
}

// newCluster returns the cluster part of a node on pg, or nil for SQLite.
func newCluster(pg *postgres.DB, log *slog.Logger) (*cluster, error) {
	if pg == nil {
		return nil, nil
	}
	cl := &cluster{log: log, waiting: map[string]chan busMessage{}, sessions: newSessionNotes()}
	bus, err := postgres.NewBus(pg, postgres.BusConfig{
		Logger: log, Lost: cl.lost, Reconnected: cl.reconnected,
		Handlers: map[string]func(string){
			chanCommand: cl.handle(cl.onCommand), chanReply: cl.handle(cl.onReply),
			chanDisconnect: cl.handle(cl.onDisconnect), chanSession: cl.handle(cl.onSession),
			chanSubject: cl.handle(cl.onSubject), chanKey: cl.handle(cl.onKey),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("cluster bus: %w", err)
	}
	cl.bus = bus
	return cl, nil
}

// start makes this node listen to the others, with b its MQTT gateway.
func (cl *cluster) start(ctx context.Context, b *mqtt.Broker) error {
	if cl == nil {
		return nil
	}
	cl.broker.Store(b)
	if err := cl.bus.Start(ctx); err != nil {
		return err
	}
	cl.listening.Store(true)
	bg, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); cl.sendSessions(bg) }()
	cl.stopSessions = func() { cancel(); <-done }
	cl.log.Info("cluster bus listening", "node", cl.bus.Node())
	return nil
}

// close stops listening and sending.
func (cl *cluster) close() {
	if cl == nil {
		return
	}
	if cl.stopSessions != nil {
		cl.stopSessions()
	}
	cl.bus.Close()
}

// handle decodes a bus message and passes it to h unless this node sent it
// (it acted on it already).
func (cl *cluster) handle(h func(busMessage)) func(string) {
	return func(payload string) {
		var m busMessage
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			cl.log.Warn("cluster bus: message not understood", "err", err)
			return
		}
		if m.From != cl.bus.Node() {
			h(m)
		}
	}
}

// publish sends m on channel, logging a failure: the change it reports is
// stored already, and the other nodes' caches still expire.
func (cl *cluster) publish(ctx context.Context, channel string, m busMessage) error {
	m.From = cl.bus.Node()
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode bus message: %w", err)
	}
	if err := cl.bus.Publish(ctx, channel, string(b)); err != nil {
		cl.log.Error("cluster bus: message not sent", "channel", channel, "err", err)
		return err
	}
	return nil
}

// clusterCommander sends a command to a device wherever it is connected:
// through this node's gateway if the device is here, else through the
// node that holds its session.
type clusterCommander struct {
	local *mqtt.Broker
	cl    *cluster
}

// Command implements hearth.DeviceCommander. It returns ENOTFOUND when no
// node has the device connected, or none of those holding it answered
// within commandTimeout (the command was then most likely not sent; a
// firmware offer stays pending and is sent when the device is seen), and
// the error of the node holding the session otherwise.
func (c clusterCommander) Command(ctx context.Context, deviceID string, cmd []byte) error {
	err := c.local.Command(ctx, deviceID, cmd)
	if hearth.ErrorCode(err) != hearth.ENOTFOUND || c.cl == nil {
		return err
	}
	return c.cl.command(ctx, deviceID, cmd)
}

// command asks the other nodes to send cmd to the device, and waits for
// one to say it did, or for every one to say it could not.
func (cl *cluster) command(ctx context.Context, deviceID string, cmd []byte) error {
	others, err := cl.others(ctx)
	if err != nil {
		return err
	}
	if others == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected", deviceID)
	}
	id := hearth.NewID("req_")
	replies, done := cl.expect(id, others)
	defer done()
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	if err := cl.publish(ctx, chanCommand, busMessage{ID: id, Device: deviceID, Cmd: cmd}); err != nil {
		return fmt.Errorf("send command through the cluster: %w", err)
	}
	return awaitReplies(ctx, replies, others, deviceID)
}

// awaitReplies returns nil when a node sent the command, that node's error
// when it failed otherwise, and ENOTFOUND when n nodes said the device is
// not theirs or ctx ended first.
func awaitReplies(ctx context.Context, replies <-chan busMessage, n int, deviceID string) error {
	for absent := 0; absent < n; {
		select {
		case <-ctx.Done():
			return hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected to any node that answered in time", deviceID)
		case r := <-replies:
			switch r.Code {
			case "":
				return nil
			case hearth.ENOTFOUND:
				absent++
			default:
				return &hearth.Error{Code: r.Code, Message: r.Msg}
			}
		}
	}
	return hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected", deviceID)
}

// expect registers request id, answered by up to n nodes; done forgets it.
func (cl *cluster) expect(id string, n int) (replies <-chan busMessage, done func()) {
	ch := make(chan busMessage, n)
	cl.mu.Lock()
	cl.waiting[id] = ch
	cl.mu.Unlock()
	return ch, func() {
		cl.mu.Lock()
		delete(cl.waiting, id)
		cl.mu.Unlock()
	}
}

// others returns how many nodes other than this one listen now.
func (cl *cluster) others(ctx context.Context) (int, error) {
	nodes, err := cl.bus.Nodes(ctx)
	if err != nil {
		return 0, err
	}
	n := len(nodes)
	if slices.Contains(nodes, cl.bus.Node()) {
		n--
	}
	return n, nil
}

// onReply hands an answer meant for this node to the request waiting for
// it.
func (cl *cluster) onReply(m busMessage) {
	if m.To != cl.bus.Node() {
		return
	}
	cl.mu.Lock()
	ch := cl.waiting[m.ID]
	cl.mu.Unlock()
	if ch != nil {
		select {
		case ch <- m:
		default: // more answers than nodes counted: one started meanwhile
		}
	}
}

// onCommand sends another node's command to the device if it is connected
// here, and answers either way, on a goroutine of its own so the bus reads
// on.
func (cl *cluster) onCommand(m busMessage) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		var err error = hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected here", m.Device)
		if b := cl.broker.Load(); b != nil {
			err = b.Command(ctx, m.Device, m.Cmd)
		}
		r := busMessage{To: m.From, ID: m.ID, Code: hearth.ErrorCode(err)}
		if err != nil {
			r.Msg = hearth.ErrorMessage(err)
		}
		if err == nil {
			cl.log.Info("device command from another node sent", "device", m.Device)
		}
		cl.publish(ctx, chanReply, r)
	}()
}
