package mqtt_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	paho5 "github.com/eclipse/paho.golang/paho"
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// v5Client is a connected paho.golang (MQTT 5) client. Raw packets the
// client itself would refuse to send (QoS 2, retain, more than the receive
// maximum in flight) are written on the same connection with writeRaw.
type v5Client struct {
	*paho5.Client
	conn        net.Conn               // thread-safe: paho and writeRaw share it
	disconnects chan *paho5.Disconnect // the server's DISCONNECT packets
	closed      chan struct{}          // closed when the client has shut down
	received    chan *paho5.Publish    // PUBLISHes from the server (commands)
}

// dialV5 connects a paho.golang client to the broker with client ID,
// username and password, and keepalive in seconds. It returns the CONNACK
// and the client's error for a refused one.
func (e *env) dialV5(t *testing.T, clientID, user, pass string, keepalive uint16) (*v5Client, *paho5.Connack, error) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", e.broker.Addr().String(), waitBound)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return connectV5On(t, raw, clientID, user, pass, keepalive)
}

// connectV5On is dialV5 on a connection already open (from another local
// address, or over TLS).
func connectV5On(t *testing.T, raw net.Conn, clientID, user, pass string, keepalive uint16) (*v5Client, *paho5.Connack, error) {
	t.Helper()
	c := &v5Client{conn: packets.NewThreadSafeConn(raw), disconnects: make(chan *paho5.Disconnect, 1),
		received: make(chan *paho5.Publish, 16)}
	c.Client = paho5.NewClient(paho5.ClientConfig{
		Conn:               c.conn,
		OnServerDisconnect: func(d *paho5.Disconnect) { c.disconnects <- d },
		OnPublishReceived: []func(paho5.PublishReceived) (bool, error){func(p paho5.PublishReceived) (bool, error) {
			select {
			case c.received <- p.Packet:
			default:
			}
			return true, nil
		}},
		OnClientError: func(error) {},
		PacketTimeout: waitBound,
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	ack, err := c.Connect(ctx, &paho5.Connect{ClientID: clientID, Username: user, UsernameFlag: user != "",
		Password: []byte(pass), PasswordFlag: true, KeepAlive: keepalive, CleanStart: true})
	if err != nil {
		raw.Close()
		return nil, ack, err
	}
	c.closed = make(chan struct{})
	go func() { <-c.Done(); close(c.closed) }()
	t.Cleanup(func() { c.Disconnect(&paho5.Disconnect{}) })
	return c, ack, nil
}

// connectV5 connects device dev with its secret, failing the test if it
// is refused.
func (e *env) connectV5(t *testing.T, dev *hearth.Device, secret string) *v5Client {
	t.Helper()
	c, _, err := e.dialV5(t, dev.ID, dev.ID, secret, 600)
	if err != nil {
		t.Fatalf("connect %s: %v", dev.ID, err)
	}
	return c
}

// publish publishes payload at QoS 1 to topic and returns the PUBACK's
// reason code; the client's error is ignored, since a refusal is one.
func (c *v5Client) publish(t *testing.T, topic string, payload []byte) byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	resp, err := c.Publish(ctx, &paho5.Publish{QoS: 1, Topic: topic, Payload: payload})
	if resp == nil {
		t.Fatalf("publish to %s: no PUBACK: %v", topic, err)
	}
	return resp.ReasonCode
}

// waitDisconnect waits for the server's DISCONNECT and returns its reason
// code, failing the test if the connection ends without one.
func (c *v5Client) waitDisconnect(t *testing.T) byte {
	t.Helper()
	select {
	case d := <-c.disconnects:
		return d.ReasonCode
	case <-c.closed:
		select { // the client may report the DISCONNECT after shutting down
		case d := <-c.disconnects:
			return d.ReasonCode
		case <-time.After(waitBound):
		}
		t.Fatalf("connection closed without a DISCONNECT")
	case <-time.After(waitBound):
		t.Fatalf("no DISCONNECT within %v", waitBound)
	}
	return 0
}

// waitClosed waits until the server has closed the client's connection.
func (c *v5Client) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(waitBound):
		t.Fatalf("connection still open after %v", waitBound)
	}
}

// Many QoS 1 publishes in flight from one MQTT 5 client, beyond the
// receive maximum: paho.golang keeps to the 64 the server advertises, and
// every one is acknowledged with success and stored exactly once (the
// PUBACK means stored).
func TestPaho5ManyInFlight(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	const n = 3 * mqtt.ReceiveMaximum
	codes := make([]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = c.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload(fmt.Sprintf("m-%d", i), "temperature", ""))
		})
	}
	wg.Wait()
	rs := e.stored(t, dev.ID) // fails on a reading stored twice
	for i, code := range codes {
		if code != 0 {
			t.Errorf("publish m-%d: PUBACK %#x, want 0", i, code)
		}
		if _, ok := rs[fmt.Sprintf("m-%d", i)]; !ok {
			t.Errorf("reading m-%d acknowledged but not stored", i)
		}
	}
	if got := len(rs); got != n {
		t.Errorf("stored readings = %d, want %d", got, n)
	}
	select {
	case d := <-c.disconnects:
		t.Errorf("server disconnected with %#x, want no DISCONNECT", d.ReasonCode)
	default:
	}
}

// A second CONNECT with the same client ID takes the session over: the
// first connection gets DISCONNECT 0x8E session taken over and is closed;
// the new one publishes.
func TestPaho5SessionTakeover(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	first := e.connectV5(t, dev, secret)
	second := e.connectV5(t, dev, secret)
	if got, want := first.waitDisconnect(t), byte(packets.DisconnectSessionTakenOver); got != want {
		t.Errorf("first connection: DISCONNECT %#x, want %#x session taken over", got, want)
	}
	first.waitClosed(t)
	if got := second.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("after-takeover", "temperature", "")); got != 0 {
		t.Errorf("publish on the new connection: PUBACK %#x, want 0", got)
	}
	waitGauge(t, e, 1)
}

// Subscriptions: the device's own commands topic is granted at QoS 1;
// anything else is refused with 0x87 not authorized (SEC-AUTHZ).
func TestPaho5Subscribe(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	tests := []struct {
		filter string
		want   byte
	}{
		{mqtt.CommandsTopic(dev.ID), 1},
		{mqtt.CommandsTopic(other.ID), 0x87},
		{mqtt.ReadingsTopic(dev.ID), 0x87},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), waitBound)
		ack, err := c.Subscribe(ctx, &paho5.Subscribe{Subscriptions: []paho5.SubscribeOptions{{Topic: tt.filter, QoS: 1}}})
		cancel()
		if ack == nil || len(ack.Reasons) != 1 {
			t.Fatalf("subscribe %s: no SUBACK (%v)", tt.filter, err)
		}
		if got := ack.Reasons[0]; got != tt.want {
			t.Errorf("subscribe %s: SUBACK %#x, want %#x", tt.filter, got, tt.want)
		}
	}
}

// A keepalive of one second and then silence: the server sends DISCONNECT
// 0x8D keep alive timeout and closes the connection (after 1.5
// keepalives). The client is paho.golang's codec on a bare connection,
// since the paho.golang client would send PINGREQs.
func TestPaho5KeepaliveExpires(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	raw, err := net.DialTimeout("tcp", e.broker.Addr().String(), waitBound)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cp := &packets.Connect{ProtocolName: "MQTT", ProtocolVersion: 5, ClientID: dev.ID, KeepAlive: 1, CleanStart: true,
		UsernameFlag: true, Username: dev.ID, PasswordFlag: true, Password: []byte(secret), Properties: &packets.Properties{}}
	if _, err := cp.WriteTo(raw); err != nil {
		t.Fatal(err)
	}
	raw.SetReadDeadline(time.Now().Add(waitBound))
	pk, err := packets.ReadPacket(raw)
	if err != nil || pk.Type != packets.CONNACK || pk.Content.(*packets.Connack).ReasonCode != 0 {
		t.Fatalf("CONNACK: %v, %v", pk, err)
	}
	pk, err = packets.ReadPacket(raw)
	if err != nil || pk.Type != packets.DISCONNECT || pk.Content.(*packets.Disconnect).ReasonCode != packets.DisconnectKeepAliveTimeout {
		t.Fatalf("after 1 s keepalive of silence: %v, %v; want DISCONNECT 0x8D keep alive timeout", pk, err)
	}
	if _, err := packets.ReadPacket(raw); err == nil {
		t.Errorf("a packet after the DISCONNECT, want the connection closed")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("connection still open %v after the DISCONNECT", waitBound)
	}
	waitGauge(t, e, 0)
}

// No session is kept between connections: a client asking to resume one
// (MQTT 5 Clean Start 0 with a Session Expiry Interval, MQTT 3.1.1 Clean
// Session 0) is told none is present, each time, and MQTT 5 that its
// session expires at once (Session Expiry Interval 0).
func TestNoSessionKept(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	for i := range 2 {
		raw, err := net.DialTimeout("tcp", e.broker.Addr().String(), waitBound)
		if err != nil {
			t.Fatal(err)
		}
		c := &v5Client{conn: packets.NewThreadSafeConn(raw)}
		c.Client = paho5.NewClient(paho5.ClientConfig{Conn: c.conn, OnClientError: func(error) {}})
		ctx, cancel := context.WithTimeout(context.Background(), waitBound)
		expiry := uint32(3600)
		ack, err := c.Connect(ctx, &paho5.Connect{ClientID: dev.ID, Username: dev.ID, UsernameFlag: true,
			Password: []byte(secret), PasswordFlag: true, KeepAlive: 60,
			Properties: &paho5.ConnectProperties{SessionExpiryInterval: &expiry}})
		cancel()
		if err != nil {
			t.Fatalf("MQTT 5 connect %d: %v", i+1, err)
		}
		if ack.SessionPresent || ack.Properties.SessionExpiryInterval == nil || *ack.Properties.SessionExpiryInterval != 0 {
			t.Errorf("MQTT 5 connect %d: session present %v, Session Expiry Interval %v; want false, 0", i+1, ack.SessionPresent, deref(ack.Properties.SessionExpiryInterval))
		}
		c.Disconnect(&paho5.Disconnect{})
	}
	for i := range 2 {
		opts := paho.NewClientOptions().AddBroker("tcp://" + e.broker.Addr().String()).
			SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(secret).
			SetProtocolVersion(4).SetAutoReconnect(false).SetCleanSession(false)
		c := paho.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			t.Fatalf("MQTT 3.1.1 connect %d: %v", i+1, tok.Error())
		}
		if tok.(*paho.ConnectToken).SessionPresent() {
			t.Errorf("MQTT 3.1.1 connect %d: session present, want none", i+1)
		}
		c.Disconnect(100)
	}
}

// deref returns *p, or "absent" when p is nil, for messages.
func deref[T any](p *T) any {
	if p == nil {
		return "absent"
	}
	return *p
}

// An ingest service that no longer accepts readings (the server is
// shutting down) refuses a publish: MQTT 5 with PUBACK 0x80 unspecified
// error, MQTT 3.1.1 with no PUBACK; each is counted (reason error) and
// nothing is stored.
func TestServerFailureRefusal(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	dev3, secret3 := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	c3 := e.connectV3(t, dev3, secret3)
	if err := e.ingest.Close(context.Background()); err != nil {
		t.Fatalf("close ingest: %v", err)
	}
	before := e.refusedCount("error")
	if got := c.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("late", "temperature", "")); got != 0x80 {
		t.Errorf("MQTT 5: PUBACK %#x, want 0x80 unspecified error", got)
	}
	// docs/device-protocol.md: "A refused reading is dropped, never
	// stored, and counted".
	if got := e.refusedCount("error") - before; got != 1 {
		t.Errorf("MQTT 5: refused{reason=error} grew by %v, want 1", got)
	}
	tok := c3.Publish(mqtt.ReadingsTopic(dev3.ID), 1, false, ingesttest.Payload("late3", "temperature", ""))
	waitCount(t, e, "error", before+2) // the MQTT 3.1.1 publish has been handled
	select {
	case <-tok.Done():
		t.Errorf("MQTT 3.1.1: publish completed (%v), want no PUBACK", tok.Error())
	default:
	}
	if got := testutil.ToFloat64(e.metrics.ReadingsAccepted.WithLabelValues("mqtt")); got != 0 {
		t.Errorf("accepted = %v, want 0", got)
	}
}
