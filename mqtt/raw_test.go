package mqtt_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
)

// rawClient is an MQTT client written by hand for the tests: packets are
// encoded with mochi's codec and written as they are, so a test can send
// what no well-behaved client library would (QoS 2, oversize packets, too
// many in flight) and see every byte the gateway answers.
type rawClient struct {
	t       testing.TB
	conn    net.Conn
	r       *bufio.Reader
	version byte
}

// dialRaw opens a TCP connection to addr, closed when the test ends.
func dialRaw(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitBound)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// connectRaw sends CONNECT with the device's credentials over conn and
// returns the client and the CONNACK.
func connectRaw(t testing.TB, conn net.Conn, version byte, id, secret string, keepalive uint16) (*rawClient, packets.Packet) {
	t.Helper()
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn), version: version}
	name := []byte("MQTT")
	if version == 3 {
		name = []byte("MQIsdp")
	}
	c.write(packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect: packets.ConnectParams{
			ProtocolName: name, ClientIdentifier: id, Clean: true, Keepalive: keepalive,
			UsernameFlag: true, Username: []byte(id), PasswordFlag: true, Password: []byte(secret),
		},
	})
	ack, err := c.next()
	if err != nil || ack.FixedHeader.Type != packets.Connack {
		t.Fatalf("CONNACK: got %v, %v", packets.PacketNames[ack.FixedHeader.Type], err)
	}
	return c, ack
}

// rawDevice provisions a device and connects it with protocol version 4 or
// 5 and the keepalive given, asserting the CONNACK accepts it.
func (e *env) rawDevice(t testing.TB, version byte, keepalive uint16) (*rawClient, *hearth.Device, string) {
	t.Helper()
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c, ack := connectRaw(t, dialRaw(t, e.broker.Addr().String()), version, dev.ID, secret, keepalive)
	if ack.ReasonCode != 0 {
		t.Fatalf("CONNACK reason %#x, want 0", ack.ReasonCode)
	}
	return c, dev, secret
}

// encode encodes packets with mochi's codec.
func encode(t testing.TB, version byte, pks ...packets.Packet) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, pk := range pks {
		pk.ProtocolVersion = version
		var err error
		switch pk.FixedHeader.Type {
		case packets.Connect:
			err = pk.ConnectEncode(&buf)
		case packets.Publish:
			err = pk.PublishEncode(&buf)
		case packets.Puback:
			err = pk.PubackEncode(&buf)
		case packets.Subscribe:
			err = pk.SubscribeEncode(&buf)
		case packets.Unsubscribe:
			err = pk.UnsubscribeEncode(&buf)
		case packets.Pingreq:
			err = pk.PingreqEncode(&buf)
		case packets.Disconnect:
			err = pk.DisconnectEncode(&buf)
		default:
			t.Fatalf("encode: packet type %d not supported by the test client", pk.FixedHeader.Type)
		}
		if err != nil {
			t.Fatalf("encode %s: %v", packets.PacketNames[pk.FixedHeader.Type], err)
		}
	}
	return buf.Bytes()
}

// write sends packets in one write.
func (c *rawClient) write(pks ...packets.Packet) {
	c.t.Helper()
	if _, err := c.conn.Write(encode(c.t, c.version, pks...)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads the next packet, waiting at most waitBound. A DISCONNECT's
// reason code is in ReasonCode.
func (c *rawClient) next() (packets.Packet, error) {
	c.conn.SetReadDeadline(time.Now().Add(waitBound))
	var pk packets.Packet
	first, err := c.r.ReadByte()
	if err != nil {
		return pk, err
	}
	if err := pk.FixedHeader.Decode(first); err != nil {
		return pk, err
	}
	n, _, err := packets.DecodeLength(c.r)
	if err != nil {
		return pk, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return pk, err
	}
	pk.FixedHeader.Remaining = n
	pk.ProtocolVersion = c.version
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(body)
	case packets.Puback:
		err = pk.PubackDecode(body)
	case packets.Suback:
		err = pk.SubackDecode(body)
	case packets.Unsuback:
		err = pk.UnsubackDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Disconnect:
		if len(body) > 0 {
			pk.ReasonCode = body[0]
		}
	}
	return pk, err
}

// expect reads the next packet and fails unless it has type typ.
func (c *rawClient) expect(typ byte) packets.Packet {
	c.t.Helper()
	pk, err := c.next()
	if err != nil {
		c.t.Fatalf("read %s: %v", packets.PacketNames[typ], err)
	}
	if pk.FixedHeader.Type != typ {
		c.t.Fatalf("got %s, want %s", packets.PacketNames[pk.FixedHeader.Type], packets.PacketNames[typ])
	}
	return pk
}

// expectDisconnect reads a DISCONNECT with reason code, then the end of the
// connection.
func (c *rawClient) expectDisconnect(code byte) {
	c.t.Helper()
	if pk := c.expect(packets.Disconnect); pk.ReasonCode != code {
		c.t.Errorf("DISCONNECT reason %#x, want %#x", pk.ReasonCode, code)
	}
	c.expectClosed()
}

// expectClosed fails unless the gateway closed the connection with
// nothing more sent: a clean end of stream, not a reset.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	pk, err := c.next()
	if err == nil {
		c.t.Fatalf("got %s, want the connection closed", packets.PacketNames[pk.FixedHeader.Type])
	}
	if !errors.Is(err, io.EOF) {
		c.t.Errorf("connection ended with %v, want a clean close (EOF)", err)
	}
}

// publish returns a PUBLISH packet.
func publish(topic string, qos byte, id uint16, payload []byte) packets.Packet {
	return packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: qos},
		TopicName: topic, PacketID: id, Payload: payload}
}
