package http_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	hhttp "github.com/hearth-iot/hearth/http"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SEC-BRUTE: net/http's error log names the client ("TLS handshake error
// from 127.0.0.1:port"); through ErrorLog the line reaches the log with
// the address replaced.
func TestErrorLogNoAddresses(t *testing.T) {
	var buf syncBuffer
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = hhttp.ErrorLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	srv.StartTLS()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // plaintext to a TLS port
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	io.ReadAll(c)
	c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), "TLS handshake error") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := buf.String()
	if !strings.Contains(got, "TLS handshake error from [address]") {
		t.Fatalf("log = %q, want the handshake error with the address replaced", got)
	}
	if strings.Contains(got, c.LocalAddr().String()) || strings.Contains(got, "127.0.0.1") {
		t.Errorf("log holds the client address: %q", got)
	}
}
