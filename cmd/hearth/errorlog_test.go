package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestHTTPErrorLogRedactsAddresses: SEC-MONITOR: net/http's error messages
// reach the log without the client's address.
func TestHTTPErrorLogRedactsAddresses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http: TLS handshake error from 192.0.2.7:53211: EOF", "http: TLS handshake error from <address>: EOF"},
		{"http: TLS handshake error from [2001:db8::1]:443: remote error", "http: TLS handshake error from <address>: remote error"},
		{"http: TLS handshake error from [fe80::1%eth0]:443: EOF", "http: TLS handshake error from <address>: EOF"},
		{"http: panic serving 10.0.0.1:1234: boom", "http: panic serving <address>: boom"},
		{"http: Accept error: too many open files; retrying in 5ms", "http: Accept error: too many open files; retrying in 5ms"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		httpErrorLog(slog.New(slog.NewTextHandler(&b, nil))).Print(tt.in)
		if got := b.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, `msg="`+tt.want+`"`) {
			t.Errorf("logged %q, want a warning %q", got, tt.want)
		}
	}
}
