package mqtt

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/proxyproto"
)

// Topic scheme.
const (
	topicPrefix    = "hearth/v1/devices/"
	readingsSuffix = "/readings"
	commandsSuffix = "/commands"
	eventsSuffix   = "/events"
)

// ReadingsTopic returns the topic a device publishes its readings to.
func ReadingsTopic(deviceID string) string { return topicPrefix + deviceID + readingsSuffix }

// CommandsTopic returns the topic a device subscribes to for commands.
func CommandsTopic(deviceID string) string { return topicPrefix + deviceID + commandsSuffix }

// EventsTopic returns the topic a device publishes its events to.
func EventsTopic(deviceID string) string { return topicPrefix + deviceID + eventsSuffix }

// Reason codes the gateway sends.
const (
	codeUnacceptableVersion = 0x01 // CONNACK, MQTT 3.1.1 form
	codeNotAuthorized311    = 0x05 // CONNACK, MQTT 3.1.1
	codeBadUserOrPassword   = 0x86 // CONNACK, MQTT 5
	codeNormal              = 0x00
	codeUnspecified         = 0x80
	codeNotAuthorized       = 0x87
	codeSessionTakenOver    = 0x8E
	codeKeepAliveTimeout    = 0x8D
	codeReceiveMaximum      = 0x93
	codePacketTooLarge      = 0x95
	codeRetainNotSupported  = 0x9A
	codeQoSNotSupported     = 0x9B
	codeProtocolError       = 0x82
	codePayloadFormat       = 0x99
	codeQuotaExceeded       = 0x97
)

// Connection timing and buffer sizes.
const (
	// writeTimeout bounds each write to a client.
	writeTimeout = 10 * time.Second
	// lingerTimeout is how long a connection being shut is read (and
	// discarded) after its last packet is written, so that the client
	// receives that packet rather than a reset.
	lingerTimeout = 2 * time.Second
	// maxLinger is how much is read and discarded at most while lingering.
	maxLinger = 1 << 20
	// readBufferSize is the pooled buffer a packet is read into; a larger
	// packet (up to MaxPacketSize) gets a buffer of its own size.
	readBufferSize = 4096
	// maxOutput bounds what may wait to be written to one client.
	maxOutput = 256 << 10
)

// readBuffers and writeBuffers pool the buffers a connection holds only
// while it reads or writes a packet.
var (
	readBuffers  = sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}
	writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
)

// conn is one client connection. Its reader goroutine is the only one
// reading; writes are made by flush, in a goroutine started when there is
// something to write and ending when there is not.
type conn struct {
	b       *Broker
	tcp     *net.TCPConn
	nc      net.Conn   // tcp, or the TLS connection over it; set before the reader starts
	ip      netip.Addr // the client's address as pendingKey gives it; guarded by Broker.mu
	pending bool       // counted in Broker.pending under ip; guarded by Broker.mu
	proxied bool       // from a load balancer: a PROXY protocol header comes first

	// Set by the handshake, before the connection is registered, then
	// read-only.
	dev        *hearth.Device
	readings   string        // ReadingsTopic(dev.ID), the topic it publishes readings to
	events     string        // EventsTopic(dev.ID), the topic it publishes events to
	version    byte          // 4 (3.1.1) or 5
	idle       time.Duration // 1.5 times the granted keepalive
	maxOut     uint32        // the client's Maximum Packet Size (MQTT 5); 0 if none
	registered bool          // guarded by Broker.mu
	since      time.Time     // when the session began (registered); guarded by Broker.mu

	hdr  [5]byte // CONNECT's fixed header is read here
	peek [1]byte // see waitReadable
	bye  bool    // the client sent DISCONNECT; only the reader uses it

	closing atomic.Bool // set once, under mu: no packet is handled or sent after the last one queued

	mu         sync.Mutex
	wake       sync.Cond // signalled when an ack is sent or the connection is closing
	out        *[]byte   // packets waiting to be written; nil when none
	flushing   bool      // a flush goroutine is running
	halfClosed bool
	acks       *ackRing // QoS 1 publishes not yet acknowledged, in arrival order; nil when none
	granted    byte     // the commands subscription's QoS + 1; 0 when not subscribed
	nextID     uint16   // the last packet ID used for a command
	inEvent    bool     // the reader is handling an event: Broker.Disconnect waits for its PUBACK
	kickAfter  byte     // a Disconnect's reason code, held while inEvent; 0 when none
}

func newConn(b *Broker, tcp *net.TCPConn, ip netip.Addr) *conn {
	c := &conn{b: b, tcp: tcp, nc: tcp, ip: ip}
	c.wake.L = &c.mu
	return c
}

// handshake runs the TLS handshake, reads and authenticates CONNECT and
// answers it, within ConnectTimeout of accept; then it reads on (see read),
// which hands the connection to a new goroutine whose stack starts small,
// whereas this one has grown for the handshake.
func (c *conn) handshake() {
	defer c.b.wg.Done()
	if !c.connect() {
		c.tcp.Close()
		c.b.forget(c)
		return
	}
	c.read(nil, 0, nil, 0) // hands over to a new goroutine at once, unless a packet followed CONNECT
}

// connect does the work of handshake; false means the connection is to be
// closed.
func (c *conn) connect() bool {
	b := c.b
	if err := c.tcp.SetDeadline(time.Now().Add(b.cfg.ConnectTimeout)); err != nil {
		return false
	}
	if c.proxied && !c.proxyHeader() {
		return false
	}
	if b.cfg.TLS != nil {
		tc := tls.Server(c.tcp, b.cfg.TLS)
		if err := tc.Handshake(); err != nil {
			return false
		}
		c.nc = tc
	}
	buf, first, body, ok := c.readConnect()
	if !ok {
		return false
	}
	defer readBuffers.Put(buf)
	pk, err := decode(first, body, 0)
	if err != nil || pk.FixedHeader.Type != packets.Connect {
		return false
	}
	if v := pk.ProtocolVersion; v != 4 && v != 5 {
		c.refuse(connackRefused(4, codeUnacceptableVersion))
		return false
	}
	if code := pk.ConnectValidate(); code != packets.CodeSuccess {
		if pk.ProtocolVersion == 5 {
			c.refuse(connackRefused(5, code.Code))
		}
		return false
	}
	dev, code := c.authenticate(&pk)
	if dev == nil {
		c.refuse(connackRefused(pk.ProtocolVersion, code))
		return false
	}
	c.dev, c.version, c.readings, c.events = dev, pk.ProtocolVersion, ReadingsTopic(dev.ID), EventsTopic(dev.ID)
	ka, serverKA := pk.Connect.Keepalive, false
	if ka == 0 || ka > MaxKeepalive {
		ka, serverKA = MaxKeepalive, true
	}
	c.idle = time.Duration(ka) * time.Second * 3 / 2
	if c.version == 5 {
		c.maxOut = pk.Properties.MaximumPacketSize
	}
	if err := c.tcp.SetDeadline(time.Time{}); err != nil {
		return false
	}
	// The CONNACK is queued before the connection is registered, so that
	// it is the first packet written, before any command.
	connack := c.connack(ka, serverKA)
	c.appendLocked(func(b []byte) []byte { return append(b, connack...) })
	if !b.register(c) {
		return false
	}
	c.mu.Lock()
	c.flushLocked()
	c.mu.Unlock()
	return true
}

// proxyHeader reads the PROXY protocol header a load balancer sends first,
// exactly, leaving the client's bytes in the socket; then the connection
// is counted as pending under the client's address (the load balancer's,
// for a header without addresses). It returns false when the header is
// missing, malformed or late, or that address has MaxPendingPerAddr
// connections pending already.
func (c *conn) proxyHeader() bool {
	h, err := proxyproto.Read(c.tcp)
	if err != nil {
		c.b.logBadHeader(err)
		return false
	}
	ip := c.ip // set before the handshake started: the load balancer's
	if h.Source.IsValid() {
		ip = pendingKey(h.Source.Addr())
	}
	return c.b.pendAs(c, ip)
}

// badHeaderLogEvery is the least time between two log lines about a load
// balancer's bad PROXY protocol headers.
const badHeaderLogEvery = time.Minute

// logBadHeader logs why a load balancer's connection had no valid PROXY
// protocol header: at warning level, at most once per badHeaderLogEvery,
// when the header was missing, malformed or too long (a load balancer not
// set to send it, or sending another version of it); at debug level when
// the connection ended or timed out first, as a health check that only
// connects does. The error quotes nothing that was read, so the line holds
// no client address.
func (b *Broker) logBadHeader(err error) {
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) {
		b.cfg.Logger.Debug("mqtt connection from a load balancer ended before its PROXY protocol header", "err", err)
		return
	}
	now, last := time.Now().UnixNano(), b.badHeaderLogged.Load()
	if now-last < int64(badHeaderLogEvery) || !b.badHeaderLogged.CompareAndSwap(last, now) {
		return
	}
	b.cfg.Logger.Warn("mqtt connection from a load balancer without a valid PROXY protocol header closed; check that it sends one (HAProxy: send-proxy or send-proxy-v2); logged at most once a minute", "err", err)
}

// refuse sends a CONNACK refusing the connection and shuts the writing
// side; what the client sent after CONNECT is then read and discarded for
// up to a second, so that it gets the CONNACK rather than a TCP reset.
func (c *conn) refuse(connack []byte) {
	if _, err := c.nc.Write(connack); err != nil {
		return
	}
	if tc, ok := c.nc.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	c.tcp.CloseWrite()
	c.tcp.SetReadDeadline(time.Now().Add(refuseLinger))
	io.CopyN(io.Discard, c.tcp, MaxConnectSize)
}

// refuseLinger bounds the wait for a refused client to close.
const refuseLinger = time.Second

// readConnect reads the first packet, which must be a CONNECT of at most
// MaxConnectSize bytes, into a pooled read buffer.
func (c *conn) readConnect() (buf *[]byte, first byte, body []byte, ok bool) {
	n := 0
	for {
		if _, err := io.ReadFull(c.nc, c.hdr[n:n+1]); err != nil {
			return nil, 0, nil, false
		}
		n++
		remaining, hdrLen, done, err := frame(c.hdr[:n])
		if err != nil || c.hdr[0]>>4 != packets.Connect {
			return nil, 0, nil, false
		}
		if !done {
			continue
		}
		if hdrLen+remaining > MaxConnectSize {
			return nil, 0, nil, false
		}
		buf = readBuffers.Get().(*[]byte)
		body = (*buf)[:remaining]
		if _, err := io.ReadFull(c.nc, body); err != nil {
			readBuffers.Put(buf)
			return nil, 0, nil, false
		}
		return buf, c.hdr[0], body, true
	}
}

// authenticate admits a client whose client ID equals its username, a
// device ID, and whose password is that device's secret. Otherwise it
// returns nil and the CONNACK code: for an unknown device, a wrong secret
// or too many failures alike (SEC-BRUTE), bad user name or password
// (MQTT 5) or not authorized (3.1.1); for the right credential of a device
// its owner switched to local-only mode (LOCAL-ONLY), not authorized.
func (c *conn) authenticate(pk *packets.Packet) (*hearth.Device, byte) {
	bad := byte(codeNotAuthorized311)
	if pk.ProtocolVersion == 5 {
		bad = codeBadUserOrPassword
	}
	user := string(pk.Connect.Username)
	if user == "" || pk.Connect.ClientIdentifier != user {
		c.b.cfg.Metrics.AuthFailures.WithLabelValues("device", "client_id_mismatch").Inc()
		return nil, bad
	}
	dev, err := c.b.cfg.Ingest.AuthenticateDevice(context.Background(), user, string(pk.Connect.Password))
	switch code := hearth.ErrorCode(err); code {
	case "":
		return dev, 0
	case hearth.EFORBIDDEN: // local-only
		if pk.ProtocolVersion == 5 {
			return nil, codeNotAuthorized
		}
		return nil, codeNotAuthorized311
	case hearth.EUNAUTHORIZED, hearth.ETOOMANY:
	default:
		c.b.cfg.Logger.Error("mqtt device authentication failed", "err", err)
	}
	return nil, bad
}

// connack returns the CONNACK accepting the connection. No session is
// kept between connections: session present is 0, and MQTT 5 clients are
// told a session expiry of 0 and the gateway's limits.
func (c *conn) connack(keepalive uint16, serverKA bool) []byte {
	if c.version != 5 {
		return []byte{packets.Connack << 4, 2, 0, 0}
	}
	pk := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connack},
		ProtocolVersion: 5,
		Properties: packets.Properties{
			SessionExpiryInterval: 0, SessionExpiryIntervalFlag: true,
			ReceiveMaximum: ReceiveMaximum,
			MaximumQos:     1, MaximumQosFlag: true,
			RetainAvailable: 0, RetainAvailableFlag: true,
			MaximumPacketSize: MaxPacketSize,
			// Topic Alias Maximum absent: 0, no aliases.
			WildcardSubAvailable: 0, WildcardSubAvailableFlag: true,
			SubIDAvailable: 0, SubIDAvailableFlag: true,
			SharedSubAvailable: 0, SharedSubAvailableFlag: true,
			ServerKeepAlive: keepalive, ServerKeepAliveFlag: serverKA,
		},
	}
	var buf bytes.Buffer
	pk.ConnackEncode(&buf) // never fails
	return buf.Bytes()
}

// serve waits for an idle connection's next packet until deadline, on the
// shallow stack of a goroutine started for it (see waitReadable), then
// reads and handles packets (see read).
func (c *conn) serve(deadline time.Time) {
	if err := c.tcp.SetReadDeadline(deadline); err != nil {
		c.finish(nil, err)
		return
	}
	if c.closing.Load() {
		c.finish(nil, nil)
		return
	}
	if err := c.waitReadable(); err != nil {
		c.finish(nil, err)
		return
	}
	buf := readBuffers.Get().(*[]byte)
	n, err := c.nc.Read(*buf)
	c.read(buf, n, err, handOver)
}

// read handles the packets in buf[:n] (err is the error of the read that
// filled it), then reads and handles more, for as long as packets keep
// coming. Once none has come for wait, it starts a new goroutine to
// wait for the next packet (serve) and returns, so that an idle
// connection's goroutine has a stack as small as a new goroutine's,
// however deep reading went (a TLS read, or the ingest path, grows it for
// good), while a busy connection does not pay for a new goroutine and the
// growth of its stack after every packet. At the end of the connection it
// finishes it.
func (c *conn) read(buf *[]byte, n int, err error, wait time.Duration) {
	for {
		if n > 0 {
			var more bool
			if buf, n, more = c.handleAll(buf, n); !more {
				c.finish(buf, nil)
				return
			}
		}
		if err != nil {
			c.finish(buf, err)
			return
		}
		if err := c.tcp.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
			c.finish(buf, err)
			return
		}
		if c.closing.Load() {
			c.finish(buf, nil)
			return
		}
		if buf == nil {
			if buf, n, err = c.readBuffered(); buf != nil || err != nil {
				continue
			}
			deadline := time.Now().Add(c.idle)
			if wait <= 0 {
				go c.serve(deadline)
				return
			}
			if err = c.tcp.SetReadDeadline(time.Now().Add(min(wait, c.idle))); err != nil {
				continue
			}
			if err = c.waitReadable(); isTimeout(err) && wait < c.idle {
				go c.serve(deadline)
				return
			}
			if err == nil {
				if err = c.tcp.SetReadDeadline(deadline); err != nil {
					continue
				}
				buf = readBuffers.Get().(*[]byte)
				if n, err = c.nc.Read(*buf); n == 0 {
					readBuffers.Put(buf)
					buf = nil
				}
			}
			continue
		}
		var k int
		k, err = c.nc.Read((*buf)[n:])
		n += k
	}
}

// readBuffered returns what the TLS layer holds already, read but not yet
// handed over, which does not make the socket readable; buf is nil when
// there is none.
func (c *conn) readBuffered() (buf *[]byte, n int, err error) {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return nil, 0, nil
	}
	// A deadline in the past stops Read from waiting on the socket.
	if err := c.tcp.SetReadDeadline(aLongTimeAgo); err != nil {
		return nil, 0, err
	}
	buf = readBuffers.Get().(*[]byte)
	n, err = tc.Read(*buf)
	if isTimeout(err) {
		err = nil
	}
	if derr := c.tcp.SetReadDeadline(time.Now().Add(c.idle)); err == nil {
		err = derr
	}
	if n == 0 {
		readBuffers.Put(buf)
		buf = nil
	}
	return buf, n, err
}

// handOver is how long a connection's goroutine waits for more packets
// before it hands the wait to a new goroutine (see read).
const handOver = time.Second

// aLongTimeAgo is a deadline in the past: a read with it returns at once.
var aLongTimeAgo = time.Unix(1, 0)

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// finish ends the connection's reading after err (nil when the connection
// is closing): it lingers (see linger), then closes and forgets it.
func (c *conn) finish(buf *[]byte, err error) {
	defer c.b.wg.Done()
	if buf != nil {
		putReadBuffer(buf)
	}
	if isTimeout(err) && !c.closing.Load() {
		c.kick(codeKeepAliveTimeout)
	}
	c.linger(errors.Is(err, io.EOF))
	c.cleanup()
}

// putReadBuffer returns a read buffer to its pool, unless it is one of the
// larger buffers a big packet got.
func putReadBuffer(buf *[]byte) {
	if cap(*buf) == readBufferSize {
		readBuffers.Put(buf)
	}
}

// handleAll handles every complete packet in buf[:n], then keeps the start
// of an incomplete one at the start of buf, in a buffer large enough for
// it; buf is nil if nothing is left. more is false when the connection is
// to end.
func (c *conn) handleAll(buf *[]byte, n int) (_ *[]byte, _ int, more bool) {
	off := 0
	for off < n {
		b := (*buf)[off:n]
		remaining, hdrLen, ok, err := frame(b)
		if err != nil {
			c.kick(codeProtocolError)
			return buf, n, false
		}
		if !ok {
			break
		}
		size := hdrLen + remaining
		if size > MaxPacketSize {
			if b[0]>>4 == packets.Publish {
				c.b.refused.tooLarge.Inc()
			}
			c.kick(codePacketTooLarge)
			return buf, n, false
		}
		if len(b) < size {
			if size > cap(*buf) { // a big packet: a buffer of its own
				big := make([]byte, size)
				copy(big, b)
				putReadBuffer(buf)
				return &big, len(b), true
			}
			break
		}
		if !c.handle(b[0], b[hdrLen:size]) {
			return buf, n, false
		}
		off += size
	}
	if off == n {
		putReadBuffer(buf)
		return nil, 0, true
	}
	copy(*buf, (*buf)[off:n])
	return buf, n - off, true
}

// handle handles one packet; false means the connection is to end.
func (c *conn) handle(first byte, body []byte) bool {
	if c.closing.Load() {
		return false
	}
	pk, err := decode(first, body, c.version)
	if err != nil {
		code := byte(codeProtocolError)
		var pc packets.Code
		if errors.As(err, &pc) { // such as 0x81 malformed packet
			code = pc.Code
		}
		c.kick(code)
		return false
	}
	switch pk.FixedHeader.Type {
	case packets.Publish:
		return c.publishIn(&pk)
	case packets.Subscribe:
		return c.subscribe(&pk)
	case packets.Unsubscribe:
		return c.unsubscribe(&pk)
	case packets.Pingreq:
		c.send(func(b []byte) []byte { return append(b, packets.Pingresp<<4, 0) })
		return true
	case packets.Puback: // a device acknowledging a command: nothing is resent
		return true
	case packets.Disconnect:
		c.bye = true
		return false
	}
	c.kick(codeProtocolError) // a second CONNECT, QoS 2 acknowledgements, AUTH
	return false
}

// ingestDone is the completion of a QoS 0 reading: there is nothing to send.
func ingestDone(ingest.Result, error) {}

// publishIn handles a PUBLISH from the device.
func (c *conn) publishIn(pk *packets.Packet) bool {
	qos := pk.FixedHeader.Qos
	if qos == 2 {
		c.b.refused.qosNotSupported.Inc()
		c.kick(codeQoSNotSupported)
		return false
	}
	if code := pk.PublishValidate(0); code != packets.CodeSuccess {
		c.kick(code.Code)
		return false
	}
	if pk.FixedHeader.Retain && c.version == 5 {
		c.b.refused.retain.Inc()
		c.kick(codeRetainNotSupported)
		return false
	}
	if pk.TopicName == c.events {
		return c.eventIn(pk)
	}
	if pk.TopicName != c.readings { // SEC-AUTHZ
		c.b.refused.forbiddenTopic.Inc()
		switch {
		case qos == 0:
			return true
		case c.version == 5:
			seq, ok := c.await(pk.PacketID)
			if ok {
				c.settle(seq, codeNotAuthorized, true)
			}
			return ok
		default:
			c.kick(codeNotAuthorized)
			return false
		}
	}
	if qos == 0 {
		if err := c.b.cfg.Ingest.Submit(context.Background(), c.dev, ingest.TransportMQTT, pk.Payload, ingestDone); err != nil {
			c.logFailure(err)
		}
		return true
	}
	seq, ok := c.await(pk.PacketID)
	if !ok {
		return false
	}
	// Submit parses, gates and seals the payload before it returns, so
	// the read buffer it points into may be reused after.
	err := c.b.cfg.Ingest.Submit(context.Background(), c.dev, ingest.TransportMQTT, pk.Payload,
		func(_ ingest.Result, err error) {
			if err != nil {
				c.logFailure(err)
				c.settle(seq, reasonCode(err), c.version == 5)
				return
			}
			c.settle(seq, 0, true)
		})
	if err != nil {
		c.logFailure(err)
		c.settle(seq, reasonCode(err), c.version == 5)
	}
	return true
}

// eventIn hands an event to Config.Events and, for QoS 1, answers with
// its outcome (MQTT 3.1.1: a PUBACK only when it was taken). The event is
// handled before the connection reads on; a Disconnect of this device
// meanwhile (a factory reset's, say) takes effect after the PUBACK.
func (c *conn) eventIn(pk *packets.Packet) bool {
	var seq uint32
	if pk.FixedHeader.Qos == 1 {
		var ok bool
		if seq, ok = c.await(pk.PacketID); !ok {
			return false
		}
	}
	c.mu.Lock()
	c.inEvent = true
	c.mu.Unlock()
	err := c.b.cfg.Events.Receive(context.Background(), c.dev, pk.Payload)
	if err != nil {
		c.logFailure(err)
	}
	if pk.FixedHeader.Qos == 1 {
		c.settle(seq, reasonCode(err), err == nil || c.version == 5)
	}
	c.mu.Lock()
	c.inEvent = false
	code := c.kickAfter
	c.mu.Unlock()
	if code != 0 {
		c.kick(code)
		return false
	}
	return true
}

// disconnect ends the connection for Broker.Disconnect, at once, or after
// the event the reader is handling is answered.
func (c *conn) disconnect(code byte) bool {
	c.mu.Lock()
	if c.inEvent && !c.closing.Load() {
		c.kickAfter = code
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	return c.kick(code)
}

// logFailure logs a reading the server failed to store.
func (c *conn) logFailure(err error) {
	if code := hearth.ErrorCode(err); code == hearth.EINTERNAL || code == hearth.EUNAVAILABLE {
		c.b.cfg.Logger.Warn("mqtt reading not stored", "code", code, "err", err)
	}
}

// reasonCode maps an ingest error to an MQTT 5 PUBACK reason code.
func reasonCode(err error) byte {
	switch hearth.ErrorCode(err) {
	case "":
		return codeNormal
	case hearth.EREFUSED, hearth.EFORBIDDEN:
		return codeNotAuthorized
	case hearth.EINVALID:
		return codePayloadFormat
	case hearth.ETOOLARGE:
		return codePacketTooLarge
	case hearth.ETOOMANY:
		return codeQuotaExceeded
	}
	return codeUnspecified // the server failed: not stored
}

// await queues an acknowledgement for QoS 1 publish id, in arrival order,
// and returns its sequence number. With ReceiveMaximum in flight, an MQTT
// 5 client is disconnected (ok false) and an MQTT 3.1.1 client is not read
// until one is acknowledged.
func (c *conn) await(id uint16) (seq uint32, ok bool) {
	c.mu.Lock()
	for c.acks != nil && c.acks.n >= ReceiveMaximum && !c.closing.Load() {
		if c.version == 5 {
			c.mu.Unlock()
			c.kick(codeReceiveMaximum)
			return 0, false
		}
		c.wake.Wait()
	}
	defer c.mu.Unlock()
	if c.closing.Load() {
		return 0, false
	}
	if c.acks == nil {
		c.acks = ackRings.Get().(*ackRing)
	}
	return c.acks.push(id), true
}

// settle records the outcome of queued acknowledgement seq: send a PUBACK
// with code, or none. Acknowledgements at the head of the queue that are
// settled are then sent, in order.
func (c *conn) settle(seq uint32, code byte, send bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.acks == nil || c.closing.Load() {
		return // the connection is ending: nothing more is sent
	}
	c.acks.settle(seq, code, send)
	sent := false
	for {
		a, ok := c.acks.pop()
		if !ok {
			break
		}
		sent = true
		if a.send {
			c.appendLocked(func(b []byte) []byte { return appendPuback(b, c.version, a.id, a.code) })
		}
	}
	if c.acks.n == 0 {
		ackRings.Put(c.acks)
		c.acks = nil
	}
	if sent {
		c.wake.Broadcast()
	}
	c.flushLocked()
}

// subscribe handles a SUBSCRIBE: only the device's own commands topic is
// granted (SEC-AUTHZ), at QoS 1 at most.
func (c *conn) subscribe(pk *packets.Packet) bool {
	if code := pk.SubscribeValidate(); code != packets.CodeSuccess {
		c.kick(code.Code)
		return false
	}
	codes := make([]byte, len(pk.Filters))
	granted := byte(0)
	for i, f := range pk.Filters {
		switch {
		case f.Filter == CommandsTopic(c.dev.ID):
			codes[i] = min(f.Qos, 1)
			granted = codes[i] + 1
		case c.version == 5:
			codes[i] = codeNotAuthorized
		default:
			codes[i] = codeUnspecified // 0x80: failure
		}
	}
	ack := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Suback}, ProtocolVersion: c.version,
		PacketID: pk.PacketID, ReasonCodes: codes}
	var buf bytes.Buffer
	ack.SubackEncode(&buf) // never fails
	c.mu.Lock()
	if granted > 0 {
		c.granted = granted
	}
	c.appendLocked(func(b []byte) []byte { return append(b, buf.Bytes()...) })
	c.flushLocked()
	c.mu.Unlock()
	return true
}

// unsubscribe handles an UNSUBSCRIBE.
func (c *conn) unsubscribe(pk *packets.Packet) bool {
	if code := pk.UnsubscribeValidate(); code != packets.CodeSuccess {
		c.kick(code.Code)
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	codes := make([]byte, len(pk.Filters))
	for i, f := range pk.Filters {
		if f.Filter == CommandsTopic(c.dev.ID) && c.granted > 0 {
			c.granted = 0
		} else {
			codes[i] = 0x11 // no subscription existed
		}
	}
	ack := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Unsuback}, ProtocolVersion: c.version,
		PacketID: pk.PacketID, ReasonCodes: codes}
	var buf bytes.Buffer
	ack.UnsubackEncode(&buf) // never fails
	c.appendLocked(func(b []byte) []byte { return append(b, buf.Bytes()...) })
	c.flushLocked()
	return true
}

// publish sends a command to the device (see Broker.Publish).
func (c *conn) publish(payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() || c.granted == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "device %s is not subscribed to its commands topic", c.dev.ID)
	}
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: c.granted - 1},
		ProtocolVersion: c.version, TopicName: CommandsTopic(c.dev.ID), Payload: payload}
	if pk.FixedHeader.Qos > 0 {
		if c.nextID++; c.nextID == 0 {
			c.nextID = 1
		}
		pk.PacketID = c.nextID
	}
	var buf bytes.Buffer
	if err := pk.PublishEncode(&buf); err != nil {
		return hearth.Errorf(hearth.EINTERNAL, "encode command: %v", err)
	}
	if c.maxOut > 0 && buf.Len() > int(c.maxOut) {
		return hearth.Errorf(hearth.ETOOLARGE, "the command is %d bytes; device %s accepts at most %d", buf.Len(), c.dev.ID, c.maxOut)
	}
	if c.out != nil && len(*c.out)+buf.Len() > maxOutput {
		return hearth.Errorf(hearth.EUNAVAILABLE, "device %s is not reading what it is sent; try again later", c.dev.ID)
	}
	c.appendLocked(func(b []byte) []byte { return append(b, buf.Bytes()...) })
	c.flushLocked()
	return nil
}

// send queues a packet built by appendPacket and writes it.
func (c *conn) send(appendPacket func([]byte) []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return
	}
	c.appendLocked(appendPacket)
	c.flushLocked()
}

// appendLocked appends a packet to the output. c.mu must be held.
func (c *conn) appendLocked(appendPacket func([]byte) []byte) {
	if c.out == nil {
		c.out = writeBuffers.Get().(*[]byte)
	}
	*c.out = appendPacket(*c.out)
}

// flushLocked starts a flush goroutine, unless one is running. c.mu must
// be held. Nobody ever waits on a socket but that goroutine.
func (c *conn) flushLocked() {
	if !c.flushing && (c.out != nil || c.closing.Load()) {
		c.flushing = true
		go c.flush()
	}
}

// flush writes the output until there is none; then, when the connection
// is closing, it shuts its writing side (see linger).
func (c *conn) flush() {
	for {
		c.mu.Lock()
		out := c.out
		c.out = nil
		if out == nil {
			shut := c.closing.Load() && !c.halfClosed
			c.halfClosed = c.halfClosed || shut
			c.mu.Unlock()
			if shut {
				c.shutWrite()
			}
			c.mu.Lock()
			c.flushing = false
			c.wake.Broadcast() // for linger
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		err := c.tcp.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err == nil {
			_, err = c.nc.Write(*out)
		}
		*out = (*out)[:0]
		writeBuffers.Put(out)
		if err != nil {
			c.mu.Lock()
			c.closing.Store(true)
			c.flushing = false
			c.halfClosed = true
			c.wake.Broadcast()
			c.mu.Unlock()
			c.tcp.Close()
			return
		}
	}
}

// shutWrite ends the connection's writing side after its last packet (a
// TLS close_notify, then a TCP FIN) and makes the reader stop lingering
// within lingerTimeout.
func (c *conn) shutWrite() {
	if tc, ok := c.nc.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	c.tcp.CloseWrite()
	c.tcp.SetReadDeadline(time.Now().Add(lingerTimeout))
}

// kick ends the connection: MQTT 5 clients get DISCONNECT with code as the
// last packet. It reports whether the connection was not ending already.
func (c *conn) kick(code byte) bool { return c.shut(code, c.version == 5) }

// shut ends the connection after what is queued, and a DISCONNECT with
// code if disconnect is true. It reports whether the connection was not
// ending already.
func (c *conn) shut(code byte, disconnect bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return false
	}
	if disconnect {
		c.appendLocked(func(b []byte) []byte { return appendDisconnect(b, code) })
	}
	c.closing.Store(true)
	c.wake.Broadcast()
	c.flushLocked()
	return true
}

// linger ends the reading of a connection. A client that shut its side
// (eof) is still sent the PUBACKs it is owed. When the connection is being
// shut, it waits for the last packet to be written, then reads and
// discards what the client still sends, for at most lingerTimeout, so that
// the last packet reaches the client instead of a TCP reset.
func (c *conn) linger(eof bool) {
	if c.bye {
		return // the client sent DISCONNECT: it expects nothing more
	}
	c.mu.Lock()
	for eof && c.acks != nil && !c.closing.Load() {
		c.wake.Wait()
	}
	c.mu.Unlock()
	if !eof && !c.closing.Load() {
		return // the connection failed
	}
	c.shut(codeNormal, false)
	c.mu.Lock()
	for c.flushing {
		c.wake.Wait() // at most writeTimeout
	}
	c.mu.Unlock()
	if !eof {
		c.tcp.SetReadDeadline(time.Now().Add(lingerTimeout))
		io.CopyN(io.Discard, c.tcp, maxLinger)
	}
}

// abort closes the connection at once, without a last packet.
func (c *conn) abort() {
	c.mu.Lock()
	c.closing.Store(true)
	c.wake.Broadcast()
	c.mu.Unlock()
	c.tcp.Close()
}

// cleanup closes the connection and forgets it.
func (c *conn) cleanup() {
	c.mu.Lock()
	c.closing.Store(true)
	if c.acks != nil {
		c.acks.reset()
		ackRings.Put(c.acks)
		c.acks = nil
	}
	c.mu.Unlock()
	c.tcp.Close()
	c.b.forget(c)
}

// ackRing is a connection's queue of QoS 1 publishes waiting for their
// acknowledgement, in arrival order. A connection holds one only while it
// has publishes in flight.
type ackRing struct {
	a    [ReceiveMaximum]ack
	head uint32 // sequence number of the oldest
	n    uint32
}

type ack struct {
	id      uint16
	code    byte
	settled bool
	send    bool
}

var ackRings = sync.Pool{New: func() any { return new(ackRing) }}

// push queues packet id and returns its sequence number.
func (r *ackRing) push(id uint16) uint32 {
	seq := r.head + r.n
	r.a[seq%ReceiveMaximum] = ack{id: id}
	r.n++
	return seq
}

func (r *ackRing) settle(seq uint32, code byte, send bool) {
	a := &r.a[seq%ReceiveMaximum]
	a.code, a.send, a.settled = code, send, true
}

// pop removes the oldest acknowledgement if it is settled.
func (r *ackRing) pop() (ack, bool) {
	if r.n == 0 || !r.a[r.head%ReceiveMaximum].settled {
		return ack{}, false
	}
	a := r.a[r.head%ReceiveMaximum]
	r.head++
	r.n--
	return a, true
}

func (r *ackRing) reset() { *r = ackRing{} }
