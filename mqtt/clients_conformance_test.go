package mqtt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/eclipse/paho.golang/packets"
	paho5 "github.com/eclipse/paho.golang/paho"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// Conformance with the device profile that mochi did not have (issue 13,
// item 5): CONNACK properties, QoS 2, retain, oversize packets, the
// receive maximum, and the counting of refused packets.

// INT-DEVICES: CONNACK tells an MQTT 5 client the limits of Hearth's
// device profile, and paho.golang honours them.
func TestPaho5Connack(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	tests := []struct {
		name          string
		keepalive     uint16
		wantKeepalive uint16 // the keepalive in force
	}{
		{"keepalive 60", 60, 60},
		{"no keepalive", 0, mqtt.MaxKeepalive},
		{"keepalive over the maximum", 3000, mqtt.MaxKeepalive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ack, err := e.dialV5(t, dev.ID, dev.ID, secret, tt.keepalive)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer c.Disconnect(&paho5.Disconnect{})
			p := ack.Properties
			if got := p.ReceiveMaximum; got == nil || *got != mqtt.ReceiveMaximum {
				t.Errorf("Receive Maximum = %v, want %d", deref(got), mqtt.ReceiveMaximum)
			}
			if got := p.MaximumQoS; got == nil || *got != 1 {
				t.Errorf("Maximum QoS = %v, want 1", deref(got))
			}
			if got := p.MaximumPacketSize; got == nil || *got != mqtt.MaxPacketSize {
				t.Errorf("Maximum Packet Size = %v, want %d", deref(got), mqtt.MaxPacketSize)
			}
			if got := p.TopicAliasMaximum; got != nil && *got != 0 {
				t.Errorf("Topic Alias Maximum = %d, want 0", *got)
			}
			if p.RetainAvailable || p.WildcardSubAvailable || p.SharedSubAvailable || p.SubIDAvailable {
				t.Errorf("retain/wildcard/shared/subscription IDs available = %v/%v/%v/%v, want none",
					p.RetainAvailable, p.WildcardSubAvailable, p.SharedSubAvailable, p.SubIDAvailable)
			}
			// Server Keep Alive is required when the server changes the
			// client's; otherwise it may repeat it.
			if got := p.ServerKeepAlive; (got == nil && tt.keepalive != tt.wantKeepalive) || (got != nil && *got != tt.wantKeepalive) {
				t.Errorf("Server Keep Alive = %v, want %d", deref(got), tt.wantKeepalive)
			}
		})
	}
}

// A client that ignores the Receive Maximum and sends more QoS 1
// publishes than it allows without waiting is disconnected with 0x93,
// seen by paho.golang. (The ingest service is not started, so nothing is
// committed or acknowledged and the count in flight is certain.)
func TestPaho5ReceiveMaximumExceeded(t *testing.T) {
	e := newEnvWith(t, false, nil)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	var pks []interface {
		WriteTo(io.Writer) (int64, error)
	}
	for i := range mqtt.ReceiveMaximum + 1 {
		pks = append(pks, rawPublish(uint16(i+1), 1, false, mqtt.ReadingsTopic(dev.ID),
			ingesttest.Payload(fmt.Sprintf("r-%d", i), "temperature", "")))
	}
	c.writeRaw(t, pks...)
	if got, want := c.waitDisconnect(t), byte(packets.DisconnectReceiveMaximumExceeded); got != want {
		t.Errorf("DISCONNECT %#x, want %#x receive maximum exceeded", got, want)
	}
}

// QoS 2 is not supported (CONNACK says Maximum QoS 1, and paho.golang
// refuses to send it): a QoS 2 PUBLISH written anyway gets DISCONNECT 0x9B,
// is never stored or acknowledged, and is counted.
func TestPaho5QoS2Refused(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	_, err := c.Publish(ctx, &paho5.Publish{QoS: 2, Topic: mqtt.ReadingsTopic(dev.ID), Payload: ingesttest.Payload("q2-client", "temperature", "")})
	if !errors.Is(err, paho5.ErrInvalidArguments) {
		t.Errorf("paho.golang QoS 2 publish: %v, want it refused by the client (server maximum QoS 1)", err)
	}
	before := e.refusedCount("qos_not_supported")
	c.writeRaw(t, rawPublish(1, 2, false, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("q2", "temperature", "")))
	e.wantDisconnectRefused(t, c, dev.ID, packets.DisconnectQoSNotSupported, "qos_not_supported", before)
	c.waitClosed(t)
}

// Retain is not available (CONNACK), so a retained PUBLISH gets DISCONNECT
// 0x9A and nothing is stored.
func TestPaho5RetainRefused(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	before := e.refusedCount("retain_not_supported")
	c.writeRaw(t, rawPublish(1, 1, true, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("ret", "temperature", "")))
	e.wantDisconnectRefused(t, c, dev.ID, packets.DisconnectRetainNotSupported, "retain_not_supported", before)
}

// MQTT 3.1.1 has no Retain Available: a retained QoS 1 publish is handled
// as any other, acknowledged and stored.
func TestPaho3RetainIgnored(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV3(t, dev, secret)
	tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, true, ingesttest.Payload("ret311", "temperature", ""))
	if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("retained publish: no PUBACK (%v)", tok.Error())
	}
	if _, ok := e.stored(t, dev.ID)["ret311"]; !ok {
		t.Errorf("reading ret311 acknowledged but not stored")
	}
}

// A packet over MaxPacketSize gets DISCONNECT 0x95 packet too large, seen
// by the client (not a TCP reset), is never stored, and is counted.
func TestPaho5OversizePacket(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	before := e.refusedCount("too_large")
	huge := fmt.Appendf(nil, `{"id":"huge","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"v":%q}}`,
		bytes.Repeat([]byte("x"), 4*mqtt.MaxPacketSize))
	go func() { // blocks until the connection ends: the server sends no PUBACK
		ctx, cancel := context.WithTimeout(context.Background(), waitBound)
		defer cancel()
		c.Publish(ctx, &paho5.Publish{QoS: 1, Topic: mqtt.ReadingsTopic(dev.ID), Payload: huge})
	}()
	e.wantDisconnectRefused(t, c, dev.ID, packets.DisconnectPacketTooLarge, "too_large", before)
}

// MQTT 3.1.1 cannot refuse a publish with a code, so these close the
// connection: QoS 2 (never stored, never acknowledged), a packet over
// MaxPacketSize and a QoS 1 publish to another device's topic
// (SEC-AUTHZ). Each is counted by its reason.
func TestPaho3Closed(t *testing.T) {
	e := newEnv(t)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	huge := fmt.Appendf(nil, `{"id":"huge","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"v":%q}}`,
		strings.Repeat("x", 4*mqtt.MaxPacketSize))
	tests := []struct {
		name    string
		qos     byte
		topic   func(dev string) string
		payload []byte
		reason  string
	}{
		{"QoS 2", 2, mqtt.ReadingsTopic, ingesttest.Payload("q2", "temperature", ""), "qos_not_supported"},
		{"packet too large", 1, mqtt.ReadingsTopic, huge, "too_large"},
		{"another device's topic", 1, func(string) string { return mqtt.ReadingsTopic(other.ID) },
			ingesttest.Payload("x", "temperature", ""), "forbidden_topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			c := e.connectV3(t, dev, secret)
			before := e.refusedCount(tt.reason)
			tok := c.Publish(tt.topic(dev.ID), tt.qos, false, tt.payload)
			c.waitLost(t)
			if tok.WaitTimeout(waitBound) && tok.Error() == nil {
				t.Errorf("publish acknowledged, want the connection closed without an acknowledgement")
			}
			if got := e.refusedCount(tt.reason) - before; got != 1 {
				t.Errorf("refused{reason=%s} grew by %v, want 1", tt.reason, got)
			}
			for _, id := range []string{dev.ID, other.ID} {
				if got := len(e.stored(t, id)); got != 0 {
					t.Errorf("device %s: %d readings stored, want 0", id, got)
				}
			}
		})
	}
}

// A QoS 0 publish to another device's topic is dropped and counted; the
// connection stays open (SEC-AUTHZ).
func TestPaho3OtherTopicQoS0(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV3(t, dev, secret)
	before := e.refusedCount("forbidden_topic")
	c.Publish(mqtt.ReadingsTopic(other.ID), 0, false, ingesttest.Payload("x0", "temperature", ""))
	// Packets are handled in order: once this PUBACK is in, the QoS 0
	// publish before it has been handled.
	if tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("own", "temperature", "")); !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("publish to own topic after it: no PUBACK (%v)", tok.Error())
	}
	if got := e.refusedCount("forbidden_topic") - before; got != 1 {
		t.Errorf("refused{reason=forbidden_topic} grew by %v, want 1", got)
	}
	if got := len(e.stored(t, other.ID)); got != 0 {
		t.Errorf("other device: %d readings stored, want 0", got)
	}
	if got := len(e.stored(t, dev.ID)); got != 1 {
		t.Errorf("own readings stored = %d, want 1", got)
	}
}

// writeRaw writes packets on the client's connection, bypassing the
// client's own checks, in one write.
func (c *v5Client) writeRaw(t *testing.T, pks ...interface {
	WriteTo(io.Writer) (int64, error)
}) {
	t.Helper()
	var buf bytes.Buffer
	for _, pk := range pks {
		if _, err := pk.WriteTo(&buf); err != nil {
			t.Fatalf("encode packet: %v", err)
		}
	}
	if _, err := c.conn.Write(buf.Bytes()); err != nil {
		t.Fatalf("write packets: %v", err)
	}
}

// rawPublish returns a PUBLISH packet with packet ID id.
func rawPublish(id uint16, qos byte, retain bool, topic string, payload []byte) *packets.Publish {
	return &packets.Publish{PacketID: id, QoS: qos, Retain: retain, Topic: topic, Payload: payload,
		Properties: &packets.Properties{}}
}

// mosquitto_pub at QoS 2: MQTT 5 is told Maximum QoS 1 in CONNACK and does
// not send it; MQTT 3.1.1 sends it and its connection is closed. Nothing
// is stored or acknowledged.
func TestMosquittoQoS2(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	for _, v := range mosquittoVersions {
		t.Run(v, func(t *testing.T) {
			out, code := e.mosquitto(t, "mosquitto_pub", "-V", v, "-q", "2", "-i", dev.ID, "-u", dev.ID, "-P", secret,
				"-t", mqtt.ReadingsTopic(dev.ID), "-m", string(ingesttest.Payload("q2-"+v, "temperature", "")))
			switch v {
			case "mqttv5":
				if !strings.Contains(out, "QoS not supported") || strings.Contains(out, "sending PUBLISH") {
					t.Errorf("exit %d, output:\n%s\nwant QoS not supported, nothing sent", code, out)
				}
			default:
				if code == 0 || strings.Contains(out, "received PUBACK") || strings.Contains(out, "received PUBREC") {
					t.Errorf("exit %d, output:\n%s\nwant a failure with no PUBACK or PUBREC", code, out)
				}
			}
		})
	}
	if got := len(e.stored(t, dev.ID)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
}

// SEC-AUTHZ: an MQTT 5 publish to another device's topic gets PUBACK 0x87
// at QoS 1 and is dropped at QoS 0; both are counted as forbidden_topic,
// nothing is stored, and the connection stays usable.
func TestPaho5OtherTopic(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	before := e.refusedCount("forbidden_topic")
	if got := c.publish(t, mqtt.ReadingsTopic(other.ID), ingesttest.Payload("x1", "temperature", "")); got != 0x87 {
		t.Errorf("QoS 1 to another device's topic: PUBACK %#x, want 0x87", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if _, err := c.Publish(ctx, &paho5.Publish{QoS: 0, Topic: mqtt.ReadingsTopic(other.ID), Payload: ingesttest.Payload("x0", "temperature", "")}); err != nil {
		t.Fatalf("QoS 0 publish: %v", err)
	}
	// Packets are handled in order: after this PUBACK the QoS 0 one is done.
	if got := c.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("own", "temperature", "")); got != 0 {
		t.Errorf("publish to own topic after the refusals: PUBACK %#x, want 0", got)
	}
	if got := e.refusedCount("forbidden_topic") - before; got != 2 {
		t.Errorf("refused{reason=forbidden_topic} grew by %v, want 2", got)
	}
	if got := len(e.stored(t, other.ID)); got != 0 {
		t.Errorf("other device: %d readings stored, want 0", got)
	}
}

// wantDisconnectRefused checks that c was sent DISCONNECT with code, that
// device stored nothing, and that refusals for reason grew by one from
// before.
func (e *env) wantDisconnectRefused(t *testing.T, c *v5Client, device string, code byte, reason string, before float64) {
	t.Helper()
	if got := c.waitDisconnect(t); got != code {
		t.Errorf("DISCONNECT %#x, want %#x (%s)", got, code, reason)
	}
	if got := len(e.stored(t, device)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
	if got := e.refusedCount(reason) - before; got != 1 {
		t.Errorf("refused{reason=%s} grew by %v, want 1", reason, got)
	}
}
