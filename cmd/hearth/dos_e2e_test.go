package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// SEC-BRUTE: /metrics is not served to anyone on the API address: 404
// without a token or with a separate metrics address, 401 without the
// right bearer token when one is set, 200 with it; on --metrics-addr it is
// served there.
func TestMetricsGuarded(t *testing.T) {
	token := strings.Repeat("m", 40)
	open := startHearth(t, t.TempDir())
	withToken := startHearth(t, t.TempDir(), "--metrics-token", token)
	separate := startHearth(t, t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--metrics-token", token)
	for _, tt := range []struct {
		name, url, token string
		want             int
	}{
		{"no token configured", open.HTTP + "/metrics", "", 404},
		{"without the token", withToken.HTTP + "/metrics", "", 401},
		{"with a wrong token", withToken.HTTP + "/metrics", strings.Repeat("x", 40), 401},
		{"with the token", withToken.HTTP + "/metrics", token, 200},
		{"API address when --metrics-addr is set", separate.HTTP + "/metrics", token, 404},
		{"the metrics address", separate.Metrics, "", 200},
	} {
		req, _ := http.NewRequest("GET", tt.url, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
		if tt.want == 200 && !strings.Contains(string(b), "hearth_http_requests_total") {
			t.Errorf("%s: body has no Hearth metrics", tt.name)
		}
	}
}

// SEC-BRUTE: slow clients (slowloris: headers dribbled in; a body that
// never ends) fill every connection slot (--http-max-conns) and are closed
// by the server at the read timeout, after which a good client is served;
// nothing is logged with a client address.
func TestSlowClients(t *testing.T) {
	const slots = 4
	p := startHearth(t, t.TempDir(), "--http-max-conns", fmt.Sprint(slots), "--http-read-timeout", "2s")
	addr := strings.TrimPrefix(p.HTTP, "http://")
	var slow []net.Conn
	for i := range slots {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		if i%2 == 0 { // headers that never end
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		} else { // a body that never ends
			fmt.Fprintf(c, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"email\":")
		}
		slow = append(slow, c)
	}
	for i, c := range slow {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := io.ReadAll(bufio.NewReader(c)) // returns once the server closes the connection
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("slow connection %d still open after 30s: the server has no read timeout", i)
		}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(p.HTTP + "/healthz")
	if err != nil {
		t.Fatalf("a good client after the slow ones: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a good client after the slow ones: status %d, want 200", resp.StatusCode)
	}
	for _, c := range slow {
		if strings.Contains(p.stderr.String(), c.LocalAddr().String()) {
			t.Errorf("the log holds the client address %s:\n%s", c.LocalAddr(), p.stderr)
		}
	}
}
