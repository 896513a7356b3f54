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

// signInVia sends a sign-in as a TLS-terminating proxy at 127.0.0.1 would
// forward it for client, and returns the response.
func signInVia(t *testing.T, base, client, email, password string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/sessions", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", client)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// SEC-BRUTE: `hearth serve --trusted-proxies` behind a proxy: a stranger's
// flood of wrong passwords, forwarded for the stranger's address, is
// throttled while the owner, forwarded for theirs, still signs in; and a
// request the proxy took over TLS gets a Secure cookie and HSTS.
func TestServeTrustedProxy(t *testing.T) {
	p := startHearth(t, t.TempDir(), "--trusted-proxies", "127.0.0.1")
	email, pw := "proxied@example.org", "correct horse battery staple proxied@example.org"
	signUp(t, p.HTTP, email)
	throttled := 0
	for range 12 {
		if signInVia(t, p.HTTP, "203.0.113.66", email, "a wrong guess").StatusCode == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Errorf("the stranger's flood through the proxy was never throttled")
	}
	resp := signInVia(t, p.HTTP, "192.0.2.10", email, pw)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the owner through the proxy during the flood: status %d, want 201", resp.StatusCode)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS on a request the trusted proxy took over TLS")
	}
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("session cookie %q, want Secure", c)
	}
}

// slowBody yields its parts with a pause before each, as a slow uplink does.
type slowBody struct {
	parts [][]byte
	pause time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.parts) == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.pause)
	n := copy(p, b.parts[0])
	b.parts = b.parts[1:]
	return n, nil
}

// SEC-BRUTE: the read timeout does not cut off an archive import by a
// signed-in person: an upload that takes longer than --http-read-timeout
// is read to its end and answered (here 400: the bytes are no ZIP archive),
// while a sign-in body as slow is cut off.
func TestServeSlowImportAllowed(t *testing.T) {
	p := startHearth(t, t.TempDir(), "--http-read-timeout", "1s")
	a := signUp(t, p.HTTP, "importer@example.org")
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Import home"}, http.StatusCreated)["id"].(string)
	parts := [][]byte{[]byte("PK"), []byte("not"), []byte("a zip"), []byte(" at all")}
	req, _ := http.NewRequest("POST", p.HTTP+"/v1/households/"+hh+"/imports", &slowBody{parts: parts, pause: 500 * time.Millisecond})
	for _, b := range parts {
		req.ContentLength += int64(len(b))
	}
	req.Header.Set("Content-Type", "application/zip")
	req.Header.Set("Authorization", "Bearer "+a.token)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("a slow import: %v, want an answer", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "not a ZIP archive") {
		t.Errorf("a slow import of bytes that are no archive: %d %s, want 400 saying it is no ZIP archive (read to its end, not cut off)", resp.StatusCode, b)
	}
	parts = [][]byte{[]byte(`{"email":`), []byte(`"x@example.org",`), []byte(`"password":`), []byte(`"long enough"}`)}
	req, _ = http.NewRequest("POST", p.HTTP+"/v1/sessions", &slowBody{parts: parts, pause: 500 * time.Millisecond})
	for _, b := range parts {
		req.ContentLength += int64(len(b))
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a sign-in body slower than the read timeout: status %d, want the connection cut or 400", resp.StatusCode)
		}
	}
}

// SEC-BRUTE: a header block over 64 KiB is refused with 431 before any
// handler runs, and the server goes on serving.
func TestServeHeaderBound(t *testing.T) {
	p := startHearth(t, t.TempDir())
	req, _ := http.NewRequest("GET", p.HTTP+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a request with 100 KiB of headers: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: status %d, want 431", resp.StatusCode)
	}
	if got := get(t, p.HTTP+"/healthz"); !strings.Contains(got, "ok") {
		t.Errorf("healthz after the big headers: %q", got)
	}
}
