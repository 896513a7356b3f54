package mqtt_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/internal/proxytest"
	"github.com/hearth-iot/hearth/mqtt"
)

// Nodes behind a TCP load balancer (issue 16): connections from the load
// balancer's address (Config.ProxyProtocol) start with a PROXY protocol
// header, and the client address it gives is the one the per-address
// limit counts. The load balancer here connects from lbAddr; clients and
// strangers from other loopback addresses.
const lbAddr = "127.0.0.9"

// newProxyEnv starts a broker trusting lbAddr to send PROXY headers.
func newProxyEnv(t *testing.T, configure func(*mqtt.Config)) *env {
	t.Helper()
	return newEnvWith(t, true, func(c *mqtt.Config) {
		c.ProxyProtocol = []netip.Prefix{netip.MustParsePrefix(lbAddr + "/32")}
		if configure != nil {
			configure(c)
		}
	})
}

// headers are the two versions of the header a relay sends for a client.
var headers = []struct {
	name string
	make func(client, local netip.AddrPort) []byte
}{{"v1", proxytest.V1}, {"v2", proxytest.V2TCP}}

// A real MQTT client (paho, and mosquitto_pub) behind a relay that sends
// a version 1 or 2 header publishes a reading, stored once acknowledged.
func TestProxyProtocolClients(t *testing.T) {
	for _, h := range headers {
		t.Run(h.name, func(t *testing.T) {
			e := newProxyEnv(t, nil)
			relay := proxytest.StartRelay(t, e.broker.Addr().String(), lbAddr, h.make)
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			c := pahoConnect(t, "tcp://"+relay.Addr(), dev.ID, secret, nil)
			tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("pp-1", "temperature", ""))
			if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
				t.Fatalf("publish through the load balancer: no PUBACK (%v)", tok.Error())
			}
			dev2, secret2 := e.Device(t, true, hearth.ModeCloud)
			host, port, _ := strings.Cut(relay.Addr(), ":")
			out, ok := e.mosquittoPub(t, "-h", host, "-p", port, "-V", "mqttv5", "-q", "1", "-i", dev2.ID, "-u", dev2.ID, "-P", secret2,
				"-t", mqtt.ReadingsTopic(dev2.ID), "-m", string(ingesttest.Payload("pp-2", "temperature", "")))
			if !ok {
				t.Fatalf("mosquitto_pub through the load balancer failed:\n%s", out)
			}
			if _, ok := e.stored(t, dev.ID)["pp-1"]; !ok {
				t.Errorf("paho's reading was not stored")
			}
			if _, ok := e.stored(t, dev2.ID)["pp-2"]; !ok {
				t.Errorf("mosquitto_pub's reading was not stored")
			}
		})
	}
}

// The header comes before the TLS handshake, as a TCP load balancer that
// passes TLS through sends it.
func TestProxyProtocolTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	e := newProxyEnv(t, func(c *mqtt.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})
	relay := proxytest.StartRelay(t, e.broker.Addr().String(), lbAddr, proxytest.V2TCP)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := pahoConnect(t, "tls://"+relay.Addr(), dev.ID, secret, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("pp-tls", "temperature", ""))
	if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("publish over TLS through the load balancer: no PUBACK (%v)", tok.Error())
	}
	if _, ok := e.stored(t, dev.ID)["pp-tls"]; !ok {
		t.Errorf("the reading was not stored")
	}
}

// pahoConnect connects a paho MQTT 3.1.1 client to broker.
func pahoConnect(t *testing.T, broker, id, secret string, tc *tls.Config) paho.Client {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID(id).SetUsername(id).SetPassword(secret).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false).SetCleanSession(true)
	if tc != nil {
		opts.SetTLSConfig(tc)
	}
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("connect through the load balancer: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// MaxPendingPerAddr counts the client address the header gives, not the
// load balancer's: a third pending connection of one client is closed,
// while another client behind the same load balancer is served.
func TestProxyProtocolPendingPerAddr(t *testing.T) {
	e := newProxyEnv(t, func(c *mqtt.Config) {
		c.MaxPendingPerAddr = 2
		c.ConnectTimeout = 2 * waitBound
	})
	addr := e.broker.Addr().String()
	dst := netip.MustParseAddrPort(addr)
	var crowd []*rawClient // three pending connections of 192.0.2.7
	for i := range 3 {
		c := rawConn(t, lbAddr, addr)
		c.conn.Write(proxytest.V2(netip.MustParseAddrPort(fmt.Sprintf("192.0.2.7:%d", 40000+i)), dst))
		crowd = append(crowd, c)
	}
	other := rawConn(t, lbAddr, addr)
	other.conn.Write(proxytest.V1(netip.MustParseAddrPort("192.0.2.8:40000"), dst))
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	if _, ack := connectRaw(t, other.conn, 5, dev.ID, secret, 60); ack.ReasonCode != 0 {
		t.Fatalf("CONNACK %#x for another client of the load balancer, want 0", ack.ReasonCode)
	}
	served, closed := 0, 0
	for _, c := range crowd {
		dev, secret := e.Device(t, true, hearth.ModeCloud)
		c.version = 5
		c.conn.Write(encode(t, 5, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 5,
			Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: dev.ID, Clean: true, Keepalive: 60,
				UsernameFlag: true, Username: []byte(dev.ID), PasswordFlag: true, Password: []byte(secret)}}))
		if pk, err := c.next(); err == nil && pk.FixedHeader.Type == packets.Connack && pk.ReasonCode == 0 {
			served++
		} else if err != nil && !isTimeout(err) {
			closed++
		}
	}
	if served != 2 || closed != 1 {
		t.Errorf("of three pending connections from one client: %d served, %d closed; want 2 and 1", served, closed)
	}
}

// expectEnded fails unless the gateway ended the connection with nothing
// sent: closed, or reset when unread bytes were left in it.
func expectEnded(t *testing.T, c *rawClient) {
	t.Helper()
	if pk, err := c.next(); err == nil {
		t.Fatalf("got %s, want the connection ended", packets.PacketNames[pk.FixedHeader.Type])
	} else if isTimeout(err) {
		t.Fatalf("the connection is still open: %v", err)
	}
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// A connection from the load balancer must start with a valid header,
// complete within ConnectTimeout; otherwise it is ended with nothing
// sent. A header sent in pieces is read whole.
func TestProxyProtocolRequired(t *testing.T) {
	e := newProxyEnv(t, func(c *mqtt.Config) { c.ConnectTimeout = 500 * time.Millisecond })
	addr := e.broker.Addr().String()
	dst := netip.MustParseAddrPort(addr)
	src := netip.MustParseAddrPort("192.0.2.7:40000")
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	connect := encode(t, 4, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 4,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: dev.ID, Clean: true, Keepalive: 60,
			UsernameFlag: true, Username: []byte(dev.ID), PasswordFlag: true, Password: []byte(secret)}})
	for _, tt := range []struct {
		name string
		send []byte
	}{
		{"no header", connect},
		{"malformed v1", append([]byte("PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n"), connect...)},
		{"v2 over its bound", proxytest.V2(src, dst, proxytest.TLV(0x04, make([]byte, 4096)))},
		{"v2 UDP", proxytest.V2Raw(0x21, 0x12, make([]byte, 12))},
		{"silent", nil},
		{"half a header", []byte("PROXY TCP4 192.0.2.7 ")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := rawConn(t, lbAddr, addr)
			c.conn.Write(tt.send)
			expectEnded(t, c)
		})
	}
	t.Run("header in pieces", func(t *testing.T) {
		c := rawConn(t, lbAddr, addr)
		for _, b := range append(proxytest.V1(src, dst), connect...) {
			c.conn.Write([]byte{b})
		}
		c.version = 4
		if pk, err := c.next(); err != nil || pk.FixedHeader.Type != packets.Connack || pk.ReasonCode != 0 {
			t.Fatalf("got %v, %v; want CONNACK 0", packets.PacketNames[pk.FixedHeader.Type], err)
		}
	})
}

// A load balancer that sends no header, or a bad one, is logged once a
// minute at warning level, with no client address; one that connects and
// closes without a byte (a health check) is not.
func TestProxyProtocolBadHeaderLogged(t *testing.T) {
	var log syncBuffer
	e := newProxyEnv(t, func(c *mqtt.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	addr := e.broker.Addr().String()
	check := rawConn(t, lbAddr, addr)
	check.conn.(*net.TCPConn).CloseWrite()
	expectEnded(t, check)
	if got := log.String(); got != "" {
		t.Errorf("a health check that only connects was logged: %s", got)
	}
	for _, send := range [][]byte{[]byte("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06device"), []byte("PROXY TCP4 192.0.2.7 198.51.100.x 1 2\r\n")} {
		c := rawConn(t, lbAddr, addr)
		c.conn.Write(send)
		expectEnded(t, c)
	}
	got := log.String()
	if n := strings.Count(got, "level=WARN"); n != 1 || !strings.Contains(got, "without a valid PROXY protocol header") {
		t.Errorf("log after two bad headers:\n%s\nwant one warning about the header", got)
	}
	if strings.Contains(got, "127.0.0.") || strings.Contains(got, "192.0.2.") {
		t.Errorf("the log holds an address:\n%s", got)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A header from any other address is not read: it is taken as MQTT and
// the connection closed, so nobody but the load balancer chooses the
// address a connection counts under. Clients connecting directly, with
// no header, are served as before.
func TestProxyProtocolUntrustedSource(t *testing.T) {
	e := newProxyEnv(t, nil)
	addr := e.broker.Addr().String()
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	spoof := rawConn(t, "127.0.0.1", addr)
	spoof.conn.Write(proxytest.V2(netip.MustParseAddrPort("192.0.2.7:1"), netip.MustParseAddrPort(addr)))
	expectEnded(t, spoof)
	if _, ack := connectRaw(t, rawConn(t, "127.0.0.1", addr).conn, 4, dev.ID, secret, 60); ack.ReasonCode != 0 {
		t.Fatalf("CONNACK %#x for a direct client, want 0", ack.ReasonCode)
	}
}

// A LOCAL command (a load balancer's health check) carries no client
// address: the connection goes on under the load balancer's own.
func TestProxyProtocolHealthCheck(t *testing.T) {
	e := newProxyEnv(t, nil)
	c := rawConn(t, lbAddr, e.broker.Addr().String())
	c.conn.Write(proxytest.V2Local())
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	if _, ack := connectRaw(t, c.conn, 4, dev.ID, secret, 60); ack.ReasonCode != 0 {
		t.Fatalf("CONNACK %#x after a LOCAL header, want 0", ack.ReasonCode)
	}
}
