package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	paho5 "github.com/eclipse/paho.golang/paho"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// SEC-THREATS (issue 13, item 4): `hearth serve` with small
// --mqtt-max-conns, --mqtt-max-pending-per-addr and --mqtt-connect-timeout
// is first filled past --mqtt-max-conns with silent MQTT sockets from five
// addresses (HTTP still answers; see fillMQTT), then flooded with silent
// sockets from one address (127.0.0.1). Every one is closed (over the
// per-address limit at once, the others after the connect timeout), and
// during the flood the HTTP server answers and a good device from another
// address (127.0.0.2) connects, publishes and gets its PUBACK.
func TestServeMQTTFlood(t *testing.T) {
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "ember-t1", 1, "Flood home")
	p := startHearth(t, data, "--mqtt-max-conns", "32", "--mqtt-max-pending-per-addr", "8", "--mqtt-connect-timeout", "1s")
	fillMQTT(t, p)
	const minStrangers, maxStrangers = 100, 1000
	started, done := make(chan struct{}), make(chan struct{})
	var flood sync.WaitGroup
	var mu sync.Mutex
	var opened, open int
	flood.Go(func() {
		for i := 0; i < maxStrangers; i++ {
			if i == minStrangers/2 {
				close(started)
			}
			if i >= minStrangers {
				select {
				case <-done:
					return
				default:
				}
			}
			time.Sleep(5 * time.Millisecond) // paced: 2 shared cores
			c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}).Dial("tcp", p.MQTTAddr)
			if err != nil {
				t.Errorf("stranger %d: dial: %v", i, err)
				continue
			}
			flood.Go(func() {
				defer c.Close()
				closed := closedByPeer(c)
				mu.Lock()
				defer mu.Unlock()
				opened++
				if !closed {
					open++
				}
			})
		}
	})
	<-started
	resp, err := http.Get(p.HTTP + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz during the flood: %v, %v; want 200", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	o := paho.NewClientOptions().AddBroker(p.MQTT).SetClientID(creds[0].ID).SetUsername(creds[0].ID).SetPassword(creds[0].Secret).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(true).SetConnectRetryInterval(50 * time.Millisecond).
		SetDialer(&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 30 * time.Second})
	good := paho.NewClient(o)
	if tok := good.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("good device: connect during the flood: %v", tok.Error())
	}
	defer good.Disconnect(100)
	tok := good.Publish(topic(creds[0].ID), 1, false, payload("flood-1", "setpoint", map[string]any{"celsius": 19}))
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Errorf("good device: no PUBACK during the flood: %v", tok.Error())
	}
	close(done)
	flood.Wait()
	t.Logf("%d stranger connections", opened)
	if open > 0 {
		t.Errorf("%d of %d silent connections still open after 30 s, want all closed (--mqtt-connect-timeout 1s)", open, opened)
	}
}

// fillMQTT opens silent MQTT connections from five addresses, eight from
// each, more than --mqtt-max-conns 32 in all, and checks that those over
// the limit are closed (package mqtt's TestPreConnectLimits shows that is
// at once) and that HTTP still answers while the MQTT side is full. It
// closes the connections it holds before returning.
func fillMQTT(t *testing.T, p *proc) {
	t.Helper()
	var held []net.Conn
	refused := 0
	for a := 3; a < 8; a++ {
		for range 8 {
			c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(a))}}).Dial("tcp", p.MQTTAddr)
			if err != nil {
				t.Fatalf("dial from 127.0.0.%d: %v", a, err)
			}
			held = append(held, c)
		}
	}
	for _, c := range held[32:] {
		if closedByPeer(c) {
			refused++
		}
	}
	if got, want := refused, len(held)-32; got != want {
		t.Errorf("%d of the %d connections over --mqtt-max-conns 32 closed, want all", got, want)
	}
	if body := get(t, p.HTTP+"/healthz"); body == "" {
		t.Errorf("GET /healthz with the MQTT side full: empty body")
	}
	for _, c := range held {
		c.Close()
	}
}

// closedByPeer waits up to 30 s for the server to close c, reading and
// discarding what it sends, and reports whether it did.
func closedByPeer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

// Issue 13, item 5: publishes the gateway refuses itself, before ingest (a
// topic of another device, QoS 2, a packet over the size limit), appear in
// /metrics as hearth_readings_refused_total with their reasons (served on
// --metrics-addr).
func TestServeRefusalMetrics(t *testing.T) {
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "ember-t1", 2, "Metrics home")
	p := startHearth(t, data, "--metrics-addr", "127.0.0.1:0")
	dev, other := creds[0], creds[1]
	reading := payload("m-1", "setpoint", map[string]any{"celsius": 19})

	c, disconnected := connectV5(t, p.MQTTAddr, dev)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, _ := c.Publish(ctx, &paho5.Publish{QoS: 1, Topic: topic(other.ID), Payload: reading})
	if resp == nil || resp.ReasonCode != 0x87 {
		t.Errorf("publish to another device's topic: %+v, want PUBACK 0x87", resp)
	}
	huge := bytes.Repeat([]byte("x"), 64<<10)
	for _, tt := range []struct {
		pk   *packets.Publish
		want byte // DISCONNECT reason code
	}{
		{&packets.Publish{QoS: 2, PacketID: 1, Topic: topic(dev.ID), Payload: reading, Properties: &packets.Properties{}}, 0x9B},
		{&packets.Publish{QoS: 1, PacketID: 1, Topic: topic(dev.ID), Payload: huge, Properties: &packets.Properties{}}, 0x95},
	} {
		// A write error is no failure: the client closes the connection
		// when the DISCONNECT comes, maybe while the rest is being written.
		tt.pk.WriteTo(c.conn)
		select {
		case d := <-disconnected:
			if d.ReasonCode != tt.want {
				t.Errorf("QoS %d PUBLISH of %d bytes: DISCONNECT %#x, want %#x", tt.pk.QoS, len(tt.pk.Payload), d.ReasonCode, tt.want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("QoS %d PUBLISH of %d bytes: no DISCONNECT", tt.pk.QoS, len(tt.pk.Payload))
		}
		c, disconnected = connectV5(t, p.MQTTAddr, dev)
	}
	metrics := get(t, p.Metrics)
	for _, reason := range []string{"forbidden_topic", "qos_not_supported", "too_large"} {
		line := fmt.Sprintf(`hearth_readings_refused_total{reason=%q,transport="mqtt"} 1`, reason)
		if !hasLine(metrics, line) {
			t.Errorf("/metrics has no line %s", line)
		}
	}
}

// v5Conn is a paho.golang client and its connection, for raw packets.
type v5Conn struct {
	*paho5.Client
	conn net.Conn
}

// connectV5 connects c with paho.golang (MQTT 5) and returns the client and
// a channel receiving the server's DISCONNECT.
func connectV5(t *testing.T, addr string, c cred) (v5Conn, chan *paho5.Disconnect) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn := packets.NewThreadSafeConn(raw)
	disconnected := make(chan *paho5.Disconnect, 1)
	cl := paho5.NewClient(paho5.ClientConfig{Conn: conn, OnServerDisconnect: func(d *paho5.Disconnect) { disconnected <- d },
		OnClientError: func(error) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cl.Connect(ctx, &paho5.Connect{ClientID: c.ID, Username: c.ID, UsernameFlag: true,
		Password: []byte(c.Secret), PasswordFlag: true, KeepAlive: 600, CleanStart: true}); err != nil {
		t.Fatalf("connect %s: %v", c.ID, err)
	}
	t.Cleanup(func() { cl.Disconnect(&paho5.Disconnect{}) })
	return v5Conn{cl, conn}, disconnected
}

// hasLine reports whether text has a line equal to line.
func hasLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
