// Package mqtt is Hearth's embedded MQTT broker (MQTT 3.1.1 and 5, on
// github.com/mochi-mqtt/server/v2). It is an adapter: devices connect with
// their credentials, publish readings to their own topic, and every publish
// goes through the ingest service before it is acknowledged.
//
// The device protocol:
//   - client ID = username = the device ID; password = the device secret;
//   - a device may publish only to hearth/v1/devices/{deviceID}/readings and
//     subscribe only to hearth/v1/devices/{deviceID}/commands;
//   - a QoS 1 PUBACK is sent only after the reading is durably committed
//     (or found to be a resend of a stored one);
//   - a refused reading is never stored or forwarded: MQTT 5 clients get a
//     PUBACK reason code (0x87 not authorized for a gate refusal, 0x99
//     payload format invalid, 0x95 packet too large, 0x80 unspecified error
//     when the server failed), MQTT 3.1.1 clients get no PUBACK at all;
//   - retained messages are off, and wills are discarded, since they would
//     bypass the ingestion gate.
package mqtt

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/metrics"
)

// Broker limits.
const (
	// MaxPacketSize is the largest MQTT packet accepted: a reading payload of
	// hearth.MaxReadingSize plus room for the topic and properties. A larger
	// packet disconnects the client (MQTT 5: reason 0x95).
	MaxPacketSize = hearth.MaxReadingSize + 1024
	// ReceiveMaximum is how many unacknowledged QoS 1 publishes a client may
	// have in flight.
	ReceiveMaximum = 64
	// MaxKeepalive is the longest keepalive, in seconds, the broker grants;
	// a client asking for none or more gets this one.
	MaxKeepalive = 20 * 60
	// writesPending bounds each client's outbound queue; it is most of an
	// idle connection's memory.
	writesPending = 16
	// netBufferSize is each client's read buffer and its write-coalescing
	// threshold, in bytes.
	netBufferSize = 1024
)

// Config configures a Broker. Addr and Ingest are required; a zero value
// for any other field means its default.
type Config struct {
	Addr    string      // TCP address to listen on, such as ":1883" or "127.0.0.1:0"
	TLS     *tls.Config // serve MQTT over TLS when set; default plaintext
	Ingest  *ingest.Service
	Metrics *metrics.Metrics // default: unregistered collectors
	Logger  *slog.Logger     // default: discard
}

// Broker is the embedded MQTT broker. Its methods are safe for concurrent use.
type Broker struct {
	cfg    Config
	server *mochi.Server
	hook   *hook

	mu        sync.Mutex
	ln        net.Listener
	closeOnce sync.Once
}

// New returns a Broker configured by cfg; Start makes it listen. It returns
// an error if Addr or Ingest is missing.
func New(cfg Config) (*Broker, error) {
	if cfg.Addr == "" || cfg.Ingest == nil {
		return nil, fmt.Errorf("new mqtt broker: Addr and Ingest are required")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	server := mochi.New(&mochi.Options{
		Capabilities:           capabilities(),
		Logger:                 slog.New(newQuietHandler(cfg.Logger.Handler())),
		SysTopicResendInterval: 60,
		// Readings are a few hundred bytes and a PUBACK is four: 1 KiB
		// buffers (mochi's default is 2 KiB) serve them in one read and
		// halve the buffer cost of every idle connection.
		ClientNetReadBufferSize:  netBufferSize,
		ClientNetWriteBufferSize: netBufferSize,
	})
	h := &hook{ingest: cfg.Ingest, metrics: cfg.Metrics, log: cfg.Logger}
	if err := server.AddHook(h, nil); err != nil {
		return nil, fmt.Errorf("new mqtt broker: add hook: %w", err)
	}
	return &Broker{cfg: cfg, server: server, hook: h}, nil
}

func capabilities() *mochi.Capabilities {
	c := mochi.NewDefaultServerCapabilities()
	c.MaximumPacketSize = MaxPacketSize
	c.RetainAvailable = 0
	c.MaximumQos = 1
	c.ReceiveMaximum = ReceiveMaximum
	c.MaximumInflight = ReceiveMaximum
	c.MaximumClientWritesPending = writesPending
	c.MaximumSessionExpiryInterval = 24 * 60 * 60
	c.MaximumMessageExpiryInterval = 24 * 60 * 60
	c.TopicAliasMaximum = 8
	c.WildcardSubAvailable = 0
	c.SharedSubAvailable = 0
	c.SubIDAvailable = 0
	c.MinimumProtocolVersion = 4 // MQTT 3.1.1
	return c
}

// Start listens on Config.Addr and serves clients in the background. It
// returns an error if the address cannot be bound.
func (b *Broker) Start() error {
	ln, err := net.Listen("tcp", b.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mqtt listen: %w", err)
	}
	if b.cfg.TLS != nil {
		ln = tls.NewListener(ln, b.cfg.TLS)
	}
	b.mu.Lock()
	b.ln = ln
	b.mu.Unlock()
	if err := b.server.AddListener(listeners.NewNet("mqtt", ln)); err != nil {
		ln.Close()
		return fmt.Errorf("mqtt add listener: %w", err)
	}
	if err := b.server.Serve(); err != nil {
		return fmt.Errorf("mqtt serve: %w", err)
	}
	return nil
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

// Close stops listening, disconnects every client and waits for their
// handlers to finish, including publishes waiting for their commit. Close
// the broker before the ingest service, so those commits can complete.
// Closing twice is not an error.
func (b *Broker) Close() error {
	var err error
	b.closeOnce.Do(func() {
		if b.Addr() == nil { // never started
			return
		}
		err = b.server.Close()
	})
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
	cl, ok := b.server.Clients.Get(deviceID)
	if !ok || cl.Closed() {
		return false
	}
	_ = b.server.DisconnectClient(cl, packets.ErrNotAuthorized) // the error is the code itself
	return true
}
