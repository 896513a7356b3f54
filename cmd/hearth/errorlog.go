package main

import (
	stdlog "log"
	"log/slog"
	"regexp"
	"strings"
)

// addrPattern matches an IP address, with an optional port: IPv4, or IPv6
// in brackets (net/http writes "[::1]:5000").
var addrPattern = regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\[[0-9A-Za-z:.%]+\](:\d+)?`)

// httpErrorLog returns the HTTP server's error log: net/http's messages,
// such as "http: TLS handshake error from 192.0.2.1:5000: EOF", logged at
// warn level with every IP address replaced by "<address>", so the log
// holds no client address (SEC-MONITOR).
func httpErrorLog(log *slog.Logger) *stdlog.Logger {
	return stdlog.New(redactingWriter{log}, "", 0)
}

// redactingWriter logs each message written to it without IP addresses.
type redactingWriter struct{ log *slog.Logger }

func (w redactingWriter) Write(p []byte) (int, error) {
	msg := strings.TrimRight(string(p), "\n")
	w.log.Warn(addrPattern.ReplaceAllString(msg, "<address>"))
	return len(p), nil
}
