// Package mqtt is Hearth's MQTT device gateway (MQTT 3.1.1 and 5), on the
// standard library's net and crypto/tls, with the packet codec of
// github.com/mochi-mqtt/server/v2/packets. It is not a general broker: it
// serves exactly Hearth's device profile, and every publish goes through
// the ingest service before it is acknowledged.
//
// The device protocol (docs/device-protocol.md):
//   - client ID = username = the device ID; password = the device secret;
//   - a device may publish only to hearth/v1/devices/{deviceID}/readings and
//     .../events, and subscribe only to hearth/v1/devices/{deviceID}/commands;
//   - a device in local-only mode is refused at CONNECT (LOCAL-ONLY);
//   - QoS 1 publishes are pipelined: the connection reads on while readings
//     wait for their group commit, up to ReceiveMaximum in flight; each
//     PUBACK is sent only after the reading is durably committed (or found
//     to be a resend of a stored one), in the order the publishes arrived;
//   - a refused reading is never stored or forwarded: MQTT 5 clients get a
//     PUBACK reason code (0x87 not authorized for a gate refusal, 0x99
//     payload format invalid, 0x95 packet too large, 0x80 unspecified error
//     when the server failed), MQTT 3.1.1 clients get no PUBACK at all;
//   - QoS 2, retained publishes and packets over MaxPacketSize end the
//     connection (MQTT 5: DISCONNECT 0x9B, 0x9A, 0x95); wills are ignored;
//   - no session is kept between connections.
//
// An idle connection costs one goroutine, on a new stack, waiting for its
// socket to become readable: read buffers come from a pool only while
// packets are being read, and writes are made by a short-lived goroutine
// only while there is something to write.
package mqtt

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/events"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/proxyproto"
)

// Gateway limits.
const (
	// MaxPacketSize is the largest MQTT packet accepted, fixed header
	// included: a reading payload of hearth.MaxReadingSize plus room for the
	// topic and properties. A larger packet ends the connection (MQTT 5:
	// DISCONNECT 0x95 packet too large first). MQTT 5 clients are told it in
	// CONNACK.
	MaxPacketSize = hearth.MaxReadingSize + 1024
	// ReceiveMaximum is how many unacknowledged QoS 1 publishes a client may
	// have in flight. An MQTT 5 client sending more is disconnected (0x93
	// receive maximum exceeded); an MQTT 3.1.1 connection is not read while
	// that many are in flight.
	ReceiveMaximum = 64
	// MaxKeepalive is the longest keepalive, in seconds, the gateway grants;
	// a client asking for none or more gets this one. A client that sends no
	// packet for 1.5 times its keepalive is disconnected.
	MaxKeepalive = 20 * 60
	// MaxConnectSize is the largest CONNECT packet accepted, fixed header
	// included; a larger one closes the connection.
	MaxConnectSize = 4096

	// DefaultMaxPendingPerAddr is the default Config.MaxPendingPerAddr.
	DefaultMaxPendingPerAddr = 64
	// DefaultConnectTimeout is the default Config.ConnectTimeout.
	DefaultConnectTimeout = 10 * time.Second
	// reservedFiles is how many file descriptors the default MaxConnections
	// leaves for HTTP and the store.
	reservedFiles = 1024
	// minMaxConnections is the least default MaxConnections.
	minMaxConnections = 64
)

// Config configures a Broker. Addr and Ingest are required; a zero value
// for any other field means its default.
type Config struct {
	Addr   string      // TCP address to listen on, such as ":1883" or "127.0.0.1:0"
	TLS    *tls.Config // serve MQTT over TLS when set; default plaintext
	Ingest *ingest.Service
	// Events receives what devices publish on their events topic
	// (EventsTopic); default: a dispatcher with no handlers, which refuses
	// every event as of an unknown type.
	Events  Events
	Metrics *metrics.Metrics // default: unregistered collectors
	Logger  *slog.Logger     // default: discard
	// MaxConnections bounds all open connections, connected devices and
	// connections still before CONNECT. Default: the process's open-file
	// limit minus 1,024 kept for HTTP and the store, and at least 64.
	MaxConnections int
	// MaxPendingPerAddr bounds the connections from one IP address (for
	// IPv6, one /64 network) that have not yet completed CONNECT. Default
	// DefaultMaxPendingPerAddr.
	MaxPendingPerAddr int
	// ConnectTimeout is how long a connection has from accept until a
	// valid CONNECT, TLS handshake included. Default DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ProxyProtocol lists the networks of TCP load balancers that send
	// a PROXY protocol header (version 1 or 2, package proxyproto) before
	// each client's bytes. A connection from one of them must start with
	// the header, read within ConnectTimeout like the rest of the
	// handshake; the client address it gives, not the load balancer's,
	// is the one MaxPendingPerAddr counts (a header without addresses, a
	// health check, counts under the load balancer's own). A connection
	// without a valid header is closed. Connections from any other
	// address are served as they are, and no header is read from them.
	// Default: none.
	ProxyProtocol []netip.Prefix
	// SessionStarted, when set, is called with a device's ID and the time
	// (Now) its session began, once its CONNECT is accepted, so that other
	// gateways serving the same devices can end an older session of it
	// (TakeOver). It must not wait long: it runs on the connection's
	// goroutine before it reads on.
	SessionStarted func(deviceID string, at time.Time)
	// Now is the clock sessions are timed by; default time.Now.
	Now func() time.Time
}

// Events validates and handles an event a device published;
// *events.Dispatcher satisfies it. An EINVALID error is answered with
// PUBACK 0x99 payload format invalid, ETOOLARGE 0x95, EREFUSED and
// EFORBIDDEN 0x87 not authorized, anything else 0x80 (MQTT 3.1.1: no
// PUBACK).
type Events interface {
	Receive(ctx context.Context, dev *hearth.Device, payload []byte) error
}

// Broker is Hearth's MQTT device gateway. Its methods are safe for
// concurrent use.
type Broker struct {
	cfg     Config
	refused refusals
	wg      sync.WaitGroup // the accept loop, handshakes and readers
	// badHeaderLogged is when a load balancer's bad PROXY protocol header
	// was last logged, in Unix nanoseconds (see conn.proxyHeader).
	badHeaderLogged atomic.Int64

	mu       sync.Mutex
	ln       *net.TCPListener
	closed   bool
	conns    map[*conn]struct{} // every open connection
	pending  map[netip.Addr]int // connections before CONNECT, by remote address
	sessions map[string]*conn   // connected devices, by device ID
}

// refusals are the refusal counters the gateway counts itself.
type refusals struct {
	forbiddenTopic, qosNotSupported, tooLarge, retain prometheus.Counter
}

// New returns a Broker configured by cfg; Start makes it listen. It returns
// an error if Addr or Ingest is missing, or a limit is negative.
func New(cfg Config) (*Broker, error) {
	if cfg.Addr == "" || cfg.Ingest == nil {
		return nil, fmt.Errorf("new mqtt broker: Addr and Ingest are required")
	}
	if cfg.MaxConnections < 0 || cfg.MaxPendingPerAddr < 0 || cfg.ConnectTimeout < 0 {
		return nil, fmt.Errorf("new mqtt broker: MaxConnections, MaxPendingPerAddr and ConnectTimeout must not be negative")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Events == nil {
		cfg.Events = events.NewDispatcher()
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = DefaultMaxConnections()
	}
	if cfg.MaxPendingPerAddr == 0 {
		cfg.MaxPendingPerAddr = DefaultMaxPendingPerAddr
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	refused := func(reason string) prometheus.Counter {
		return cfg.Metrics.ReadingsRefused.WithLabelValues(ingest.TransportMQTT, reason)
	}
	return &Broker{
		cfg: cfg,
		refused: refusals{
			forbiddenTopic:  refused("forbidden_topic"),
			qosNotSupported: refused("qos_not_supported"),
			tooLarge:        refused("too_large"),
			retain:          refused("retain_not_supported"),
		},
		conns:    map[*conn]struct{}{},
		pending:  map[netip.Addr]int{},
		sessions: map[string]*conn{},
	}, nil
}

// DefaultMaxConnections returns the default Config.MaxConnections: the
// process's open-file limit minus 1,024, and at least 64.
func DefaultMaxConnections() int {
	return max(openFileLimit()-reservedFiles, minMaxConnections)
}

// Start listens on Config.Addr and serves clients in the background. It
// returns an error if the address cannot be bound.
func (b *Broker) Start() error {
	ln, err := net.Listen("tcp", b.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mqtt listen: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.ln != nil {
		ln.Close()
		return fmt.Errorf("mqtt listen: the broker is closed or started already")
	}
	b.ln = ln.(*net.TCPListener)
	b.wg.Add(1)
	go b.accept(b.ln)
	return nil
}

// accept accepts connections until the listener is closed. Over a limit, a
// connection is closed at once, before any TLS or MQTT work.
func (b *Broker) accept(ln *net.TCPListener) {
	defer b.wg.Done()
	var backoff time.Duration
	for {
		tcp, err := ln.AcceptTCP()
		if err != nil {
			if b.isClosed() {
				return
			}
			// Out of file descriptors, for example: wait for some to be
			// closed rather than spin.
			if backoff == 0 { // once per run of failures
				b.cfg.Logger.Warn("mqtt accept failed; retrying", "err", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		c := b.admit(tcp)
		if c == nil {
			tcp.Close()
			continue
		}
		go c.handshake()
	}
}

// admit registers a new connection, or returns nil when it is over a
// limit or the broker is closed. A connection from a load balancer
// (Config.ProxyProtocol) is counted as pending once its header says whose
// it is (see pend).
func (b *Broker) admit(tcp *net.TCPConn) *conn {
	ra, ok := tcp.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return nil
	}
	peer := ra.AddrPort().Addr()
	proxied := proxyproto.Trusted(b.cfg.ProxyProtocol, peer)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || len(b.conns) >= b.cfg.MaxConnections {
		return nil
	}
	c := newConn(b, tcp, pendingKey(peer))
	c.proxied = proxied
	if !proxied && !b.pendLocked(c) {
		return nil
	}
	b.conns[c] = struct{}{}
	b.wg.Add(1) // for the handshake
	return c
}

// pendAs counts c as pending under the address ip (a pendingKey), which
// becomes c.ip, unless that address has MaxPendingPerAddr pending
// already: then it returns false.
func (b *Broker) pendAs(c *conn, ip netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c.ip = ip
	return b.pendLocked(c)
}

// pendLocked counts c as pending under c.ip, as pendAs does, with b.mu
// held.
func (b *Broker) pendLocked(c *conn) bool {
	if b.pending[c.ip] >= b.cfg.MaxPendingPerAddr {
		return false
	}
	b.pending[c.ip]++
	c.pending = true
	return true
}

// pendingKey is the address connections before CONNECT are counted by:
// the IPv4 address, or the IPv6 /64 network (one host's usual share).
func pendingKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// register makes c the session of its device: an older connection of the
// same device is taken over (MQTT 5: DISCONNECT 0x8E) and c no longer
// counts as pending. It returns false when the broker is closed.
func (b *Broker) register(c *conn) bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	old := b.sessions[c.dev.ID]
	b.sessions[c.dev.ID] = c
	b.donePending(c)
	c.registered = true
	c.since = b.cfg.Now()
	b.wg.Add(1) // for the reader
	b.mu.Unlock()
	b.cfg.Metrics.ConnectedDevices.Inc()
	if old != nil {
		old.kick(codeSessionTakenOver)
	}
	if b.cfg.SessionStarted != nil {
		b.cfg.SessionStarted(c.dev.ID, c.since)
	}
	return true
}

// Sessions returns the connected devices as each was when its CONNECT
// was accepted (a copy), in no order: for a check that their credential,
// household and mode still hold.
func (b *Broker) Sessions() []hearth.Device {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]hearth.Device, 0, len(b.sessions))
	for _, c := range b.sessions {
		out = append(out, *c.dev)
	}
	return out
}

// TakeOver ends the session of the device with that ID if it began before
// t, as a newer connection of the same device does (MQTT 5: DISCONNECT
// 0x8E session taken over): for a device that connected to another
// gateway since. It reports whether a session was ended.
func (b *Broker) TakeOver(deviceID string, t time.Time) bool {
	b.mu.Lock()
	c := b.sessions[deviceID]
	ok := c != nil && c.since.Before(t)
	b.mu.Unlock()
	return ok && c.kick(codeSessionTakenOver)
}

// donePending counts c out of its address's pending connections, once.
// b.mu must be held.
func (b *Broker) donePending(c *conn) {
	if !c.pending {
		return
	}
	c.pending = false
	if b.pending[c.ip]--; b.pending[c.ip] <= 0 {
		delete(b.pending, c.ip)
	}
}

// forget removes a closed connection.
func (b *Broker) forget(c *conn) {
	b.mu.Lock()
	delete(b.conns, c)
	b.donePending(c)
	registered := c.registered
	if registered && b.sessions[c.dev.ID] == c {
		delete(b.sessions, c.dev.ID)
	}
	b.mu.Unlock()
	if registered {
		b.cfg.Metrics.ConnectedDevices.Dec()
	}
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// session returns the connection of a connected device, or nil.
func (b *Broker) session(deviceID string) *conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions[deviceID]
}

// Addr returns the address the broker listens on, or nil before Start.
func (b *Broker) Addr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ln == nil {
		return nil
	}
	return b.ln.Addr()
}

// Close stops listening, closes every connection and waits for their
// goroutines to finish. Readings already submitted are committed by the
// ingest service (close the broker before it, so its Close commits them);
// their PUBACKs are not sent, and a device that resends one gets it
// acknowledged as a duplicate. Closing twice is not an error.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	var err error
	if b.ln != nil {
		err = b.ln.Close()
	}
	for c := range b.conns {
		c.abort()
	}
	b.mu.Unlock()
	b.wg.Wait()
	if err != nil {
		return fmt.Errorf("close mqtt broker: %w", err)
	}
	return nil
}

// Disconnect ends the session of the device with that ID, if it is
// connected, so that it must authenticate again (after its credential is
// revoked or reissued, for example). MQTT 5 clients receive DISCONNECT
// 0x87 not authorized first. It reports whether a client was connected.
func (b *Broker) Disconnect(deviceID string) bool {
	c := b.session(deviceID)
	return c != nil && c.disconnect(codeNotAuthorized)
}

// Command sends a command to a connected device, as Publish does: it
// implements hearth.DeviceCommander. ctx is not used: handing the command
// to the connection does not wait.
func (b *Broker) Command(_ context.Context, deviceID string, cmd []byte) error {
	return b.Publish(deviceID, cmd)
}

var _ hearth.DeviceCommander = (*Broker)(nil)

// Publish sends a command to a connected device, on its commands topic
// (CommandsTopic), at the QoS its subscription was granted (QoS 1 when it
// asked for 1). It is sent once: if the connection ends before the device
// acknowledges it, it is not sent again. Publish returns ENOTFOUND when the
// device is not connected or not subscribed to its commands topic,
// ETOOLARGE when the command is over the device's MQTT 5 Maximum Packet
// Size, and EUNAVAILABLE when the device is not reading what it is sent.
func (b *Broker) Publish(deviceID string, payload []byte) error {
	c := b.session(deviceID)
	if c == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected", deviceID)
	}
	return c.publish(payload)
}
