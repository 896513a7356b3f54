package mqtt_test

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	pahopackets "github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// v3Client is a connected paho.mqtt.golang (MQTT 3.1.1) client whose lost
// channel receives the error when the server closes the connection.
type v3Client struct {
	paho.Client
	lost chan error
}

// connectV3 connects device dev with its secret over MQTT 3.1.1, failing
// the test if it is refused.
func (e *env) connectV3(t *testing.T, dev *hearth.Device, secret string) *v3Client {
	t.Helper()
	c := &v3Client{lost: make(chan error, 1)}
	opts := paho.NewClientOptions().AddBroker("tcp://" + e.broker.Addr().String()).
		SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(secret).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false).SetCleanSession(true).
		SetConnectionLostHandler(func(_ paho.Client, err error) { c.lost <- err })
	c.Client = paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", dev.ID, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// waitLost waits until the server has closed the connection.
func (c *v3Client) waitLost(t *testing.T) {
	t.Helper()
	select {
	case <-c.lost:
	case <-time.After(waitBound):
		t.Fatalf("connection still open after %v", waitBound)
	}
}

// Many QoS 1 publishes in flight on one MQTT 3.1.1 connection, more than
// the receive maximum (the server stops reading while 64 are in flight):
// every one is acknowledged and stored exactly once.
func TestPaho3ManyInFlight(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV3(t, dev, secret)
	const n = 3 * mqtt.ReceiveMaximum
	toks := make([]paho.Token, n)
	for i := range toks {
		toks[i] = c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload(fmt.Sprintf("m-%d", i), "temperature", ""))
	}
	for i, tok := range toks {
		if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			t.Fatalf("publish m-%d: no PUBACK (%v)", i, tok.Error())
		}
	}
	rs := e.stored(t, dev.ID) // fails on a reading stored twice
	if got := len(rs); got != n {
		t.Errorf("stored readings = %d, want %d", got, n)
	}
}

// A second MQTT 3.1.1 CONNECT with the same client ID takes over: the
// first connection is closed, the second publishes.
func TestPaho3SessionTakeover(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	first := e.connectV3(t, dev, secret)
	second := e.connectV3(t, dev, secret)
	first.waitLost(t)
	tok := second.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("after", "temperature", ""))
	if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("publish on the new connection: no PUBACK (%v)", tok.Error())
	}
	waitGauge(t, e, 1)
}

// MQTT 3.1 (protocol level 3) is refused with CONNACK 0x01 unacceptable
// protocol version.
func TestPaho3ProtocolLevel3(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	opts := paho.NewClientOptions().AddBroker("tcp://" + e.broker.Addr().String()).
		SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(secret).
		SetProtocolVersion(3).SetAutoReconnect(false).SetConnectRetry(false)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(waitBound) {
		t.Fatalf("no CONNACK")
	}
	if err := tok.Error(); err != pahopackets.ErrorRefusedBadProtocolVersion {
		t.Errorf("connect error = %v, want %v (CONNACK 0x01)", err, pahopackets.ErrorRefusedBadProtocolVersion)
	}
	if got := len(e.stored(t, dev.ID)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
}
