package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Nodes behind a TCP load balancer (issue 16): the real HAProxy, Debian's,
// in front of `hearth serve --proxy-protocol`, sends its PROXY protocol
// headers (version 2 and version 1) from lbAddr, and clients connect to it
// from loopback addresses of their own (Linux routes all of 127/8 to
// loopback), so the test can tell which address the server counts.
const (
	lbAddr       = "127.0.0.9"
	ownerAddr    = "127.0.0.10"
	strangerAddr = "127.0.0.66"
)

// haproxy is a running HAProxy with one frontend per name, each relaying
// to a backend address with the header version asked for.
type haproxy struct {
	front map[string]string // name → the address clients connect to
}

// startHAProxy starts HAProxy in the foreground with a frontend for each
// route (name → backend address and "send-proxy" or "send-proxy-v2"),
// connecting to the backends from lbAddr, with its TCP health check every
// 100 ms (which sends a header too). It is stopped when the test
// ends. It fails the test when haproxy is not installed (./test.sh
// installs it).
func startHAProxy(t *testing.T, routes map[string][2]string) *haproxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatalf("haproxy not found (apt-get install haproxy; ./test.sh does): %v", err)
	}
	h := &haproxy{front: map[string]string{}}
	var cfg strings.Builder
	cfg.WriteString("global\n  maxconn 256\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1m\n  timeout server 1m\n")
	for name, r := range routes {
		h.front[name] = freeAddr(t)
		fmt.Fprintf(&cfg, "listen %s\n  bind %s\n  server hearth %s %s source %s check inter 100ms\n", name, h.front[name], r[0], r[1], lbAddr)
	}
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	cmd := exec.Command(bin, "-db", "-f", file)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start haproxy: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for _, addr := range h.front {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("haproxy does not listen on %s: %v\n%s", addr, err, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return h
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dialFrom connects to addr from the local address ip.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// clientFrom returns an HTTP client whose connections come from ip.
func clientFrom(ip string) *http.Client {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// TestServeBehindLoadBalancer: behind HAProxy, readings published with the
// real mosquitto_pub through a version 1 and a version 2 header are
// stored; the MQTT per-address limit on connections before CONNECT counts
// each client, not the load balancer; and sign-in throttling (SEC-BRUTE)
// locks a stranger's address out while the owner, through the same load
// balancer, still signs in.
func TestServeBehindLoadBalancer(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, password := provisionDevices(t, data, "ember-t1", 5, "Proxied home")
	p := startHearth(t, data, "--proxy-protocol", lbAddr, "--mqtt-max-pending-per-addr", "2")
	lb := startHAProxy(t, map[string][2]string{
		"mqtt_v2": {p.MQTTAddr, "send-proxy-v2"}, "mqtt_v1": {p.MQTTAddr, "send-proxy"},
		"http_v2": {strings.TrimPrefix(p.HTTP, "http://"), "send-proxy-v2"},
		"http_v1": {strings.TrimPrefix(p.HTTP, "http://"), "send-proxy"},
	})

	t.Run("mqtt readings", func(t *testing.T) {
		mosquittoPub(t, lb.front["mqtt_v2"], creds[0], "mqttv5", payload("lb-v2", "room-temperature", map[string]any{"celsius": 20.5}))
		mosquittoPub(t, lb.front["mqtt_v1"], creds[0], "mqttv311", payload("lb-v1", "humidity", map[string]any{"percent": 44}))
		a := signIn(t, "http://"+lb.front["http_v2"], email, password)
		got := map[string]bool{}
		for _, r := range a.allReadings(hh) {
			got[r.Category] = true
		}
		if !got["room-temperature"] || !got["humidity"] {
			t.Errorf("readings stored through the load balancer: %v, want room-temperature and humidity", got)
		}
	})

	t.Run("mqtt pending per client", func(t *testing.T) {
		var crowd []net.Conn // three connections of one client, none past CONNECT
		for range 3 {
			crowd = append(crowd, dialFrom(t, strangerAddr, lb.front["mqtt_v2"]))
		}
		refused := waitOneClosed(t, crowd) // the server has counted all three: two pending, one over the limit
		owner := dialFrom(t, ownerAddr, lb.front["mqtt_v1"])
		if !connectAccepted(owner, creds[1]) {
			t.Fatalf("another client through the load balancer was refused while one client had two connections pending")
		}
		for i, c := range crowd {
			if i != refused && !connectAccepted(c, creds[2+i]) {
				t.Errorf("a pending connection within the limit was refused")
			}
		}
	})

	t.Run("http sign-in throttling", func(t *testing.T) {
		stranger, owner := clientFrom(strangerAddr), clientFrom(ownerAddr)
		for _, front := range []string{"http_v2", "http_v1"} {
			base := "http://" + lb.front[front]
			throttled := 0
			for range 12 {
				if signInStatus(t, stranger, base, email, "a wrong guess") == http.StatusTooManyRequests {
					throttled++
				}
			}
			if throttled == 0 {
				t.Errorf("%s: the stranger's flood was never throttled", front)
			}
			if got := signInStatus(t, owner, base, email, password); got != http.StatusCreated {
				t.Errorf("%s: the owner's sign-in during the flood: status %d, want 201 (throttled by the stranger's address, not the load balancer's)", front, got)
			}
		}
	})

	t.Run("no header from the load balancer", func(t *testing.T) {
		mq := dialFrom(t, lbAddr, p.MQTTAddr)
		if connectAccepted(mq, creds[0]) {
			t.Errorf("an MQTT connection from the load balancer without a header was served")
		}
		h := dialFrom(t, lbAddr, strings.TrimPrefix(p.HTTP, "http://"))
		h.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(h, "GET /healthz HTTP/1.1\r\nHost: hearth\r\n\r\n")
		if got, _ := io.ReadAll(h); !bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")) {
			t.Errorf("an HTTP request from the load balancer without a header: %q, want 400 and the connection closed", got)
		}
	})
	s := p.stderr.String()
	if strings.Contains(s, strangerAddr) || strings.Contains(s, ownerAddr) {
		t.Errorf("the log holds a client address:\n%s", s)
	}
	if strings.Count(s, "without a valid PROXY protocol header") != 1 {
		t.Errorf("the log warns %d times of a bad header, want once (the test's own connection without one; not HAProxy's health checks):\n%s",
			strings.Count(s, "without a valid PROXY protocol header"), s)
	}
}

// waitOneClosed waits until the server ends one of conns, none of which
// has sent anything, and returns its index; it fails the test if none is
// ended within 30 s or more than one is.
func waitOneClosed(t *testing.T, conns []net.Conn) int {
	t.Helper()
	closed := -1
	for deadline := time.Now().Add(30 * time.Second); closed < 0 && time.Now().Before(deadline); {
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
				closed = i
				break
			}
		}
	}
	if closed < 0 {
		t.Fatalf("none of one client's %d pending connections was closed, want the one over --mqtt-max-pending-per-addr", len(conns))
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); i != closed && !isTimeout(err) {
			t.Fatalf("two of one client's pending connections were closed (%v), want one", err)
		}
	}
	return closed
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// signInStatus posts a sign-in through client and returns the status.
func signInStatus(t *testing.T, client *http.Client, base, email, password string) int {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	resp, err := client.Post(base+"/v1/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// connectAccepted sends an MQTT 3.1.1 CONNECT with the device's
// credential on c and reports whether a CONNACK accepting it came back.
func connectAccepted(c net.Conn, cr cred) bool {
	var v []byte
	str := func(s string) { v = append(append(v, byte(len(s)>>8), byte(len(s))), s...) }
	str("MQTT")
	v = append(v, 4, 0xC2, 0, 60) // 3.1.1; user name, password, clean session; keepalive 60 s
	str(cr.ID)
	str(cr.ID)
	str(cr.Secret)
	pk := []byte{0x10}
	for n := len(v); ; n >>= 7 {
		if n < 0x80 {
			pk = append(pk, byte(n))
			break
		}
		pk = append(pk, byte(n&0x7f|0x80))
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(append(pk, v...)); err != nil {
		return false
	}
	ack := make([]byte, 4)
	_, err := io.ReadFull(c, ack)
	return err == nil && bytes.Equal(ack, []byte{0x20, 2, 0, 0})
}
