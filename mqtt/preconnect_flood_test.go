package mqtt_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// Issue 13, item 4, "nothing a stranger can exhaust": everything reachable
// before CONNECT is bounded in time (Config.ConnectTimeout, the TLS
// handshake included) and in count (Config.MaxConnections,
// Config.MaxPendingPerAddr). These tests flood it with silent sockets,
// half-sent CONNECTs and half-done TLS handshakes (SEC-THREATS: exhaustion of
// connections and file descriptors by unauthenticated clients).

// floodAddr is the loopback address the flood comes from; good devices
// connect from goodAddr, another address (Linux routes all of 127/8 to
// loopback).
const (
	floodAddr = "127.0.0.1"
	goodAddr  = "127.0.0.2"
)

// transport is how the tests reach the gateway: plain TCP or TLS.
type transport struct {
	name string
	tls  *tls.Config // the client's; nil for plain TCP
}

// transports returns plain TCP and TLS, and the server's TLS config.
func transports(t *testing.T) ([]transport, *tls.Config) {
	t.Helper()
	cert, pool := selfSigned(t)
	server := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return []transport{{"tcp", nil}, {"tls", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}}, server
}

// config returns a Config changer that sets the server's TLS when tr is
// TLS, and then the limits.
func (tr transport) config(server *tls.Config, limits func(*mqtt.Config)) func(*mqtt.Config) {
	return func(c *mqtt.Config) {
		if tr.tls != nil {
			c.TLS = server
		}
		limits(c)
	}
}

// dialFrom opens a TCP connection to the gateway from local address from.
func (e *env) dialFrom(t *testing.T, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: waitBound}
	c, err := d.Dial("tcp", e.broker.Addr().String())
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stranger is a connection that never completes CONNECT.
type stranger int

const (
	silent        stranger = iota // sends nothing
	halfConnect                   // sends the start of a CONNECT and stops
	halfHandshake                 // TLS: sends a ClientHello and stops
)

// open opens a stranger's connection from floodAddr and sends what it
// sends. hello is a TLS ClientHello.
func (s stranger) open(t *testing.T, e *env, hello []byte) net.Conn {
	t.Helper()
	c := e.dialFrom(t, floodAddr)
	var b []byte
	switch s {
	case halfConnect: // a CONNECT announcing 100 bytes, 6 of them sent
		b = []byte{0x10, 100, 0, 4, 'M', 'Q', 'T', 'T'}
	case halfHandshake:
		b = hello
	}
	if len(b) > 0 {
		c.Write(b) // a write error means closed already: closedByServer sees it
	}
	return c
}

// clientHello returns the first flight of a TLS client handshake: what a
// stranger sends before stopping half-way.
func clientHello(t *testing.T, cfg *tls.Config) []byte {
	t.Helper()
	client, server := net.Pipe()
	defer server.Close()
	go tls.Client(client, cfg.Clone()).Handshake() // ends when server is closed
	server.SetReadDeadline(time.Now().Add(waitBound))
	header := make([]byte, 5)
	if _, err := io.ReadFull(server, header); err != nil {
		t.Fatalf("read ClientHello: %v", err)
	}
	body := make([]byte, int(header[3])<<8|int(header[4]))
	if _, err := io.ReadFull(server, body); err != nil {
		t.Fatalf("read ClientHello: %v", err)
	}
	return append(header, body...)
}

// closedByServer waits up to waitBound for the server to close c and
// returns whether it did, with how many bytes the server sent first.
func closedByServer(c net.Conn) (closed bool, n int) {
	c.SetReadDeadline(time.Now().Add(waitBound))
	buf := make([]byte, 4096)
	for {
		m, err := c.Read(buf)
		n += m
		if err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout()), n
		}
	}
}

// stillOpen reports whether the server has not closed c within a moment
// (what it sends, such as its TLS handshake, is read and ignored).
func stillOpen(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			var ne net.Error
			return errors.As(err, &ne) && ne.Timeout()
		}
	}
}

// goodDevice connects dev from goodAddr over tr, publishes one reading at
// QoS 1 and checks it is acknowledged with success and stored. It retries
// the connection (a connection over MaxConnections is closed at once)
// until waitBound.
func (e *env) goodDevice(t *testing.T, tr transport, dev *hearth.Device, secret, msgID string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		raw := e.dialFrom(t, goodAddr)
		if tr.tls != nil {
			raw = tls.Client(raw, tr.tls.Clone())
		}
		c, _, err := connectV5On(t, raw, dev.ID, dev.ID, secret, 600)
		if err == nil {
			if got := c.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload(msgID, "temperature", "")); got != 0 {
				t.Fatalf("good device: PUBACK %#x, want 0", got)
			}
			if _, ok := e.stored(t, dev.ID)[msgID]; !ok {
				t.Fatalf("good device: reading %s acknowledged but not stored", msgID)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("good device could not connect within %v: %v", waitBound, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Over MaxPendingPerAddr connections from one address, or over
// MaxConnections in all, a new connection is closed at once, before any TLS
// or MQTT work (the server sends nothing); connections under the limits
// stay open until ConnectTimeout (a minute here, longer than the test).
// A slot freed lets a good device in.
func TestPreConnectLimits(t *testing.T) {
	trs, server := transports(t)
	for _, tr := range trs {
		t.Run(tr.name, func(t *testing.T) {
			const perAddr, total = 4, 12
			e := newEnvWith(t, true, tr.config(server, func(c *mqtt.Config) {
				c.MaxConnections, c.MaxPendingPerAddr, c.ConnectTimeout = total, perAddr, time.Minute
			}))
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			var hello []byte
			kind := silent
			if tr.tls != nil {
				hello, kind = clientHello(t, tr.tls), halfHandshake
			}
			open := func(from string) net.Conn {
				c := e.dialFrom(t, from)
				if hello != nil {
					c.Write(hello)
				}
				return c
			}
			var pending []net.Conn
			for range perAddr {
				pending = append(pending, kind.open(t, e, hello))
			}
			for i := range perAddr { // over the per-address limit
				if closed, n := closedByServer(kind.open(t, e, hello)); !closed || n != 0 {
					t.Errorf("connection %d over MaxPendingPerAddr: closed %v after %d bytes, want closed at once with nothing sent", perAddr+i+1, closed, n)
				}
			}
			for i := 2; len(pending) < total; i++ { // other addresses, up to the total
				for range perAddr {
					pending = append(pending, open(fmt.Sprintf("127.0.0.%d", 10+i)))
				}
			}
			if closed, n := closedByServer(open("127.0.0.99")); !closed || n != 0 {
				t.Errorf("connection over MaxConnections: closed %v after %d bytes, want closed at once with nothing sent", closed, n)
			}
			for i, c := range pending {
				if !stillOpen(c) {
					t.Errorf("connection %d under the limits was closed", i+1)
				}
			}
			pending[len(pending)-1].Close() // a slot frees: a good device gets in
			e.goodDevice(t, tr, dev, secret, "good")
		})
	}
}

// A flood of strangers from one address (silent sockets, half-sent
// CONNECTs, half-done TLS handshakes), kept up while a good device from
// another address connects, publishes and gets its PUBACK: every stranger
// is closed, over the per-address limit at once, the others after
// ConnectTimeout, and none gets a CONNACK.
func TestPreConnectFlood(t *testing.T) {
	trs, server := transports(t)
	for _, tr := range trs {
		t.Run(tr.name, func(t *testing.T) {
			e := newEnvWith(t, true, tr.config(server, func(c *mqtt.Config) {
				c.MaxConnections, c.MaxPendingPerAddr, c.ConnectTimeout = 64, 8, time.Second
			}))
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			var hello []byte
			kinds := []stranger{silent, halfConnect}
			if tr.tls != nil {
				hello, kinds = clientHello(t, tr.tls), []stranger{silent, halfHandshake}
			}
			// The flood goes on until the good device is done and at least
			// minStrangers have come; the device starts half-way.
			const minStrangers, maxStrangers = 60, 1000
			started, deviceDone := make(chan struct{}), make(chan struct{})
			var flood sync.WaitGroup
			var mu sync.Mutex
			var opened, notClosed, answered int
			flood.Go(func() {
				for i := 0; i < maxStrangers; i++ {
					if i == minStrangers/2 {
						close(started)
					}
					if i >= minStrangers {
						select {
						case <-deviceDone:
							return
						default:
						}
					}
					time.Sleep(5 * time.Millisecond) // paced: 2 shared cores
					c := kinds[i%len(kinds)].open(t, e, hello)
					flood.Go(func() {
						closed, n := closedByServer(c)
						mu.Lock()
						defer mu.Unlock()
						opened++
						if !closed {
							notClosed++
						}
						if n > 0 && tr.tls == nil {
							answered++ // plain TCP: the server sent something before CONNECT
						}
					})
				}
			})
			<-started
			e.goodDevice(t, tr, dev, secret, "during-flood")
			close(deviceDone)
			flood.Wait()
			t.Logf("%d stranger connections", opened)
			if notClosed > 0 {
				t.Errorf("%d of %d stranger connections still open after %v, want all closed (ConnectTimeout 1s)", notClosed, opened, waitBound)
			}
			if answered > 0 {
				t.Errorf("%d stranger connections got bytes before CONNECT, want none", answered)
			}
		})
	}
}
