package mqtt_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

var versions = []struct {
	name    string
	version byte
}{{"mqtt 3.1.1", 4}, {"mqtt 5", 5}}

// QoS 1 publishes are pipelined: a burst is read on while readings wait for
// their commit; every PUBACK comes after its reading is stored, in the
// order the publishes were sent, a refusal in its place (MQTT 5: 0x87;
// 3.1.1: no PUBACK). MIN-GATE: the refused reading is not stored.
func TestPipelinedAcks(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			e := newEnv(t)
			c, dev, _ := e.rawDevice(t, v.version, 60)
			const n = mqtt.ReceiveMaximum // all in flight at once, within the limit
			const refused = 17            // an undeclared category
			var pks []packets.Packet
			for i := 1; i <= n; i++ {
				cat := "temperature"
				if i == refused {
					cat = "heartbeat"
				}
				pks = append(pks, publish(mqtt.ReadingsTopic(dev.ID), 1, uint16(i), ingesttest.Payload(fmt.Sprintf("pl-%d", i), cat, "")))
			}
			c.write(pks...)
			for i := 1; i <= n; i++ {
				if i == refused && v.version == 4 {
					continue
				}
				ack := c.expect(packets.Puback)
				if ack.PacketID != uint16(i) {
					t.Fatalf("PUBACK for packet %d, want %d (in the order sent)", ack.PacketID, i)
				}
				want := byte(0)
				if i == refused {
					want = 0x87
				}
				if ack.ReasonCode != want {
					t.Errorf("PUBACK %d: reason %#x, want %#x", i, ack.ReasonCode, want)
				}
			}
			rs := e.stored(t, dev.ID)
			if got := len(rs); got != n-1 {
				t.Errorf("stored %d readings, want %d", got, n-1)
			}
			if _, ok := rs[fmt.Sprintf("pl-%d", refused)]; ok {
				t.Errorf("the refused reading was stored")
			}
			// The connection is still served after the burst.
			c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}})
			c.expect(packets.Pingresp)
		})
	}
}

// Over ReceiveMaximum unacknowledged QoS 1 publishes: an MQTT 5 client is
// disconnected with 0x93; an MQTT 3.1.1 connection is not read while
// ReceiveMaximum are in flight, and everything is acknowledged, in order,
// once commits resume. (The ingest service is started late: until then no
// reading is committed, so the count in flight is certain.)
func TestReceiveMaximum(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			e := newEnvWith(t, false, nil)
			c, dev, _ := e.rawDevice(t, v.version, 60)
			n := mqtt.ReceiveMaximum + 1
			if v.version == 4 {
				n = 3 * mqtt.ReceiveMaximum
			}
			var pks []packets.Packet
			for i := 1; i <= n; i++ {
				pks = append(pks, publish(mqtt.ReadingsTopic(dev.ID), 1, uint16(i), ingesttest.Payload(fmt.Sprintf("rm-%d", i), "temperature", "")))
			}
			c.write(pks...)
			if v.version == 5 {
				c.expectDisconnect(0x93)
				return
			}
			e.ingest.Start()
			for i := 1; i <= n; i++ {
				if ack := c.expect(packets.Puback); ack.PacketID != uint16(i) {
					t.Fatalf("PUBACK for packet %d, want %d", ack.PacketID, i)
				}
			}
			if got := len(e.stored(t, dev.ID)); got != n {
				t.Errorf("stored %d readings, want %d", got, n)
			}
		})
	}
}

// QoS 2 is not supported (CONNACK says maximum QoS 1): MQTT 5 gets
// DISCONNECT 0x9B, MQTT 3.1.1 the connection closed; nothing is stored or
// acknowledged, and the refusal is counted.
func TestQoS2Refused(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			e := newEnv(t)
			c, dev, _ := e.rawDevice(t, v.version, 60)
			c.write(publish(mqtt.ReadingsTopic(dev.ID), 2, 1, ingesttest.Payload("q2", "temperature", "")))
			if v.version == 5 {
				c.expectDisconnect(0x9B)
			} else {
				c.expectClosed()
			}
			if got := e.refusedCount("qos_not_supported"); got != 1 {
				t.Errorf("refused{reason=qos_not_supported} = %v, want 1", got)
			}
			if got := len(e.stored(t, dev.ID)); got != 0 {
				t.Errorf("stored %d readings, want 0", got)
			}
		})
	}
}

// A packet over MaxPacketSize: MQTT 5 gets DISCONNECT 0x95 (and the
// DISCONNECT arrives: the rest of the packet is read and discarded, no
// reset), MQTT 3.1.1 the connection closed; counted as too_large. CONNACK
// tells MQTT 5 clients the limit.
func TestRawOversize(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			e := newEnv(t)
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			c, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), v.version, dev.ID, secret, 60)
			if v.version == 5 && ack.Properties.MaximumPacketSize != mqtt.MaxPacketSize {
				t.Errorf("CONNACK Maximum Packet Size = %d, want %d", ack.Properties.MaximumPacketSize, mqtt.MaxPacketSize)
			}
			huge := ingesttest.Payload("huge", "temperature", "")
			huge = append(huge, strings.Repeat(" ", 4*mqtt.MaxPacketSize)...)
			c.write(publish(mqtt.ReadingsTopic(dev.ID), 1, 1, huge))
			if v.version == 5 {
				c.expectDisconnect(0x95)
			} else {
				c.expectClosed()
			}
			if got := e.refusedCount("too_large"); got != 1 {
				t.Errorf("refused{reason=too_large} = %v, want 1", got)
			}
			if got := len(e.stored(t, dev.ID)); got != 0 {
				t.Errorf("stored %d readings, want 0", got)
			}
		})
	}
}

// SEC-AUTHZ: a publish to another device's topic is refused and counted:
// MQTT 5 QoS 1 gets PUBACK 0x87 and the connection goes on; MQTT 3.1.1
// QoS 1 is closed; QoS 0 is dropped. A retained publish from MQTT 5 gets
// DISCONNECT 0x9A.
func TestForbiddenPublish(t *testing.T) {
	e := newEnv(t)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	payload := ingesttest.Payload("fb", "temperature", "")
	t.Run("mqtt 5 qos 1", func(t *testing.T) {
		c, _, _ := e.rawDevice(t, 5, 60)
		before := e.refusedCount("forbidden_topic")
		c.write(publish(mqtt.ReadingsTopic(other.ID), 1, 7, payload))
		if ack := c.expect(packets.Puback); ack.PacketID != 7 || ack.ReasonCode != 0x87 {
			t.Errorf("PUBACK %d reason %#x, want 7 reason 0x87", ack.PacketID, ack.ReasonCode)
		}
		if got := e.refusedCount("forbidden_topic") - before; got != 1 {
			t.Errorf("refused{reason=forbidden_topic} grew by %v, want 1", got)
		}
	})
	t.Run("qos 0", func(t *testing.T) {
		for _, v := range versions {
			c, _, _ := e.rawDevice(t, v.version, 60)
			before := e.refusedCount("forbidden_topic")
			c.write(publish(mqtt.ReadingsTopic(other.ID), 0, 0, payload),
				packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}})
			c.expect(packets.Pingresp) // handled in order: the publish was dropped
			if got := e.refusedCount("forbidden_topic") - before; got != 1 {
				t.Errorf("%s: refused{reason=forbidden_topic} grew by %v, want 1", v.name, got)
			}
		}
	})
	t.Run("mqtt 3.1.1 qos 1", func(t *testing.T) {
		c, _, _ := e.rawDevice(t, 4, 60)
		c.write(publish(mqtt.ReadingsTopic(other.ID), 1, 7, payload))
		c.expectClosed()
	})
	t.Run("mqtt 5 retained", func(t *testing.T) {
		c, dev, _ := e.rawDevice(t, 5, 60)
		pk := publish(mqtt.ReadingsTopic(dev.ID), 1, 1, payload)
		pk.FixedHeader.Retain = true
		c.write(pk)
		c.expectDisconnect(0x9A)
	})
	if got := len(e.stored(t, other.ID)); got != 0 {
		t.Errorf("stored %d readings for the other device, want 0", got)
	}
}

// A second CONNECT with the same client ID takes the session over: the
// old connection gets DISCONNECT 0x8E (MQTT 5) and is closed; the new one
// is served, and the device counts once.
func TestSessionTakeover(t *testing.T) {
	e := newEnv(t)
	old, dev, secret := e.rawDevice(t, 5, 60)
	c, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), 4, dev.ID, secret, 60)
	if ack.ReasonCode != 0 {
		t.Fatalf("second CONNECT: reason %#x, want 0", ack.ReasonCode)
	}
	old.expectDisconnect(0x8E)
	c.write(publish(mqtt.ReadingsTopic(dev.ID), 1, 1, ingesttest.Payload("to-1", "temperature", "")))
	c.expect(packets.Puback)
	waitGauge(t, e, 1)
}

// A client that sends nothing for 1.5 times its keepalive is disconnected
// (MQTT 5: 0x8D keep alive timeout); PINGREQ keeps it alive. A keepalive
// of 0 is raised to MaxKeepalive, which MQTT 5 clients are told.
func TestKeepalive(t *testing.T) {
	e := newEnv(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			c, _, _ := e.rawDevice(t, v.version, 1)
			c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}})
			c.expect(packets.Pingresp)
			if v.version == 5 {
				c.expectDisconnect(0x8D)
			} else {
				c.expectClosed()
			}
		})
	}
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	_, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), 5, dev.ID, secret, 0)
	if ack.Properties.ServerKeepAlive != mqtt.MaxKeepalive || !ack.Properties.ServerKeepAliveFlag {
		t.Errorf("CONNACK Server Keep Alive = %d (flag %v), want %d", ack.Properties.ServerKeepAlive, ack.Properties.ServerKeepAliveFlag, mqtt.MaxKeepalive)
	}
}

// The MQTT 5 CONNACK advertises the gateway's limits, and no session is
// kept between connections.
func TestConnackProperties(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	_, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), 5, dev.ID, secret, 60)
	p := ack.Properties
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"session present", ack.SessionPresent, false},
		{"Session Expiry Interval", [2]any{p.SessionExpiryInterval, p.SessionExpiryIntervalFlag}, [2]any{uint32(0), true}},
		{"Receive Maximum", p.ReceiveMaximum, uint16(mqtt.ReceiveMaximum)},
		{"Maximum QoS", [2]any{p.MaximumQos, p.MaximumQosFlag}, [2]any{byte(1), true}},
		{"Retain Available", [2]any{p.RetainAvailable, p.RetainAvailableFlag}, [2]any{byte(0), true}},
		{"Maximum Packet Size", p.MaximumPacketSize, uint32(mqtt.MaxPacketSize)},
		{"Topic Alias Maximum", p.TopicAliasMaximum, uint16(0)},
		{"Wildcard Subscription Available", [2]any{p.WildcardSubAvailable, p.WildcardSubAvailableFlag}, [2]any{byte(0), true}},
		{"Subscription Identifiers Available", [2]any{p.SubIDAvailable, p.SubIDAvailableFlag}, [2]any{byte(0), true}},
		{"Shared Subscription Available", [2]any{p.SharedSubAvailable, p.SharedSubAvailableFlag}, [2]any{byte(0), true}},
		{"Server Keep Alive absent", p.ServerKeepAliveFlag, false},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// Only protocol levels 4 (3.1.1) and 5 are served: MQTT 3.1 gets CONNACK
// 0x01 unacceptable protocol version.
func TestProtocolVersion3Refused(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), 3, dev.ID, secret, 60)
	if ack.ReasonCode != 0x01 {
		t.Errorf("CONNACK reason %#x, want 0x01", ack.ReasonCode)
	}
	c.expectClosed()
}

// Broker.Publish sends a command at QoS 1 to a device subscribed to its
// commands topic, and ENOTFOUND otherwise. SEC-AUTHZ: subscriptions to
// anything else are refused (MQTT 5: 0x87).
func TestPublishCommand(t *testing.T) {
	e := newEnv(t)
	c, dev, _ := e.rawDevice(t, 5, 60)
	if err := e.broker.Publish(dev.ID, []byte("on")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Publish before SUBSCRIBE: %v, want ENOTFOUND", err)
	}
	c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 3,
		Filters: packets.Subscriptions{{Filter: mqtt.CommandsTopic(dev.ID), Qos: 1}, {Filter: "#", Qos: 1}}})
	if ack := c.expect(packets.Suback); ack.PacketID != 3 || !bytes2(ack.ReasonCodes, 1, 0x87) {
		t.Errorf("SUBACK %d % x, want 3 [01 87]", ack.PacketID, ack.ReasonCodes)
	}
	if err := e.broker.Publish(dev.ID, []byte("on")); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	pk := c.expect(packets.Publish)
	if pk.TopicName != mqtt.CommandsTopic(dev.ID) || string(pk.Payload) != "on" || pk.FixedHeader.Qos != 1 || pk.PacketID == 0 {
		t.Errorf("command = %q %q QoS %d id %d, want %q \"on\" QoS 1", pk.TopicName, pk.Payload, pk.FixedHeader.Qos, pk.PacketID, mqtt.CommandsTopic(dev.ID))
	}
	c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Puback}, PacketID: pk.PacketID})
	if err := e.broker.Publish("dev_nobody", []byte("on")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Publish to a device not connected: %v, want ENOTFOUND", err)
	}
	c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Unsubscribe, Qos: 1}, PacketID: 4,
		Filters: packets.Subscriptions{{Filter: mqtt.CommandsTopic(dev.ID)}}})
	c.expect(packets.Unsuback)
	if err := e.broker.Publish(dev.ID, []byte("on")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Publish after UNSUBSCRIBE: %v, want ENOTFOUND", err)
	}
}

func bytes2(b []byte, want ...byte) bool { return string(b) == string(want) }

// Before CONNECT a connection is bounded: it is closed when ConnectTimeout
// passes without a valid CONNECT.
func TestConnectTimeout(t *testing.T) {
	e := newEnvWith(t, true, func(c *mqtt.Config) { c.ConnectTimeout = 300 * time.Millisecond })
	silent := rawConn(t, "127.0.0.1", e.broker.Addr().String())
	silent.expectClosed()
	half := rawConn(t, "127.0.0.1", e.broker.Addr().String())
	half.conn.Write([]byte{packets.Connect << 4, 100, 0}) // a CONNECT begun, never finished
	half.expectClosed()
}

// Over MaxPendingPerAddr connections before CONNECT from one address, or
// MaxConnections in all, a new connection is closed at once (the
// ConnectTimeout here is longer than the test's wait), while devices
// already connected, or connecting from elsewhere, are served.
func TestConnectionLimits(t *testing.T) {
	e := newEnvWith(t, true, func(c *mqtt.Config) {
		c.MaxPendingPerAddr = 2
		c.MaxConnections = 4
		c.ConnectTimeout = 2 * waitBound
	})
	addr := e.broker.Addr().String()
	// Connections are accepted in the order they are dialled.
	rawConn(t, "127.0.0.1", addr)
	rawConn(t, "127.0.0.1", addr)
	rawConn(t, "127.0.0.1", addr).expectClosed() // a third pending from 127.0.0.1
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c, ack := connectRaw(t, rawConn(t, "127.0.0.2", addr).conn, 4, dev.ID, secret, 60)
	if ack.ReasonCode != 0 {
		t.Fatalf("CONNACK %#x from another address, want 0", ack.ReasonCode)
	}
	rawConn(t, "127.0.0.3", addr)                // the fourth connection
	rawConn(t, "127.0.0.3", addr).expectClosed() // a fifth
	c.write(publish(mqtt.ReadingsTopic(dev.ID), 1, 1, ingesttest.Payload("lim-1", "temperature", "")))
	c.expect(packets.Puback)
}

// rawConn dials addr from local address ip, for a test client that sends
// what the test writes.
func rawConn(t testing.TB, ip, addr string) *rawClient {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitBound}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn), version: 4}
}

// A client that shuts its writing side after publishing (as a script
// piping packets into a socket does) is still sent every PUBACK it is
// owed, then the connection is closed cleanly.
func TestHalfCloseGetsAcks(t *testing.T) {
	e := newEnv(t)
	c, dev, _ := e.rawDevice(t, 4, 60)
	var pks []packets.Packet
	for i := 1; i <= 10; i++ {
		pks = append(pks, publish(mqtt.ReadingsTopic(dev.ID), 1, uint16(i), ingesttest.Payload(fmt.Sprintf("hc-%d", i), "temperature", "")))
	}
	c.write(pks...)
	if err := c.conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if ack := c.expect(packets.Puback); ack.PacketID != uint16(i) {
			t.Fatalf("PUBACK for packet %d, want %d", ack.PacketID, i)
		}
	}
	c.expectClosed()
	if got := len(e.stored(t, dev.ID)); got != 10 {
		t.Errorf("stored %d readings, want 10", got)
	}
}

// SEC-BRUTE: a refused CONNECT is answered (MQTT 5: CONNACK 0x86) even
// when the client sent a PUBLISH right behind it, and the connection is
// then closed cleanly, not reset; nothing is stored.
func TestRefusedConnectPipelined(t *testing.T) {
	e := newEnv(t)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	c := rawConn(t, "127.0.0.1", e.broker.Addr().String())
	c.version = 5
	c.write(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Connect},
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: dev.ID, Clean: true, Keepalive: 60,
			UsernameFlag: true, Username: []byte(dev.ID), PasswordFlag: true, Password: []byte("wrong")},
	}, publish(mqtt.ReadingsTopic(dev.ID), 1, 1, ingesttest.Payload("rc-1", "temperature", "")))
	if ack := c.expect(packets.Connack); ack.ReasonCode != 0x86 {
		t.Errorf("CONNACK reason %#x, want 0x86", ack.ReasonCode)
	}
	c.expectClosed()
	if got := len(e.stored(t, dev.ID)); got != 0 {
		t.Errorf("stored %d readings, want 0", got)
	}
}

// A malformed packet gets the reason code of what is wrong with it, not a
// generic protocol error: a PUBLISH whose topic length runs past the packet
// is DISCONNECT 0x81 malformed packet (MQTT 5), and nothing is stored.
func TestMalformedPublishReason(t *testing.T) {
	e := newEnv(t)
	c, dev, _ := e.rawDevice(t, 5, 0)
	// PUBLISH QoS 1, remaining length 4: a topic length of 16 with 2 bytes after it.
	if _, err := c.conn.Write([]byte{packets.Publish<<4 | 1<<1, 4, 0, 16, 'h', 'e'}); err != nil {
		t.Fatalf("write: %v", err)
	}
	c.expectDisconnect(0x81)
	if got := len(e.stored(t, dev.ID)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
}
