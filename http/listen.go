package http

import (
	"bytes"
	"log"
	"log/slog"
	"net"
	"regexp"
	"time"

	"golang.org/x/net/netutil"
)

// Defaults for the HTTP server's limits (SEC-BRUTE).
const (
	// DefaultMaxConns is the most HTTP connections open at once; more wait
	// in the kernel's accept queue until one closes.
	DefaultMaxConns = 1024
	// DefaultReadTimeout is the time a connection has from accept to the
	// end of a request's body; headers get at most DefaultHeaderTimeout.
	DefaultReadTimeout = time.Minute
	// DefaultHeaderTimeout is the time a request's headers may take.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout closes a kept-alive connection idle that long.
	DefaultIdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds a request's header block.
	MaxHeaderBytes = 64 << 10
	// ImportReadTimeout is the time an owner's archive upload may take
	// (see MaxImportSize); it replaces the read timeout on that route
	// only, after the caller is signed in.
	ImportReadTimeout = time.Hour
)

// LimitListener returns a listener that accepts at most maxConns
// connections open at once: while that many are open, further clients wait
// in the accept queue, and a slow client holds its slot only until the
// server's read timeouts close it.
func LimitListener(ln net.Listener, maxConns int) net.Listener {
	return netutil.LimitListener(ln, maxConns)
}

// addrPattern matches an IPv4 or bracketed IPv6 address, with or without
// a port, as net/http writes client addresses in its error log.
var addrPattern = regexp.MustCompile(`\[[0-9A-Fa-f:.%a-z]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\b[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}\b`)

// ErrorLog returns a *log.Logger for http.Server.ErrorLog that writes to l
// at level warn with every network address replaced by "[address]":
// net/http logs, for example, "TLS handshake error from 203.0.113.5:51234",
// and client addresses are personal data the logs must not hold.
func ErrorLog(l *slog.Logger) *log.Logger {
	return log.New(redactor{l}, "", 0)
}

type redactor struct{ l *slog.Logger }

func (r redactor) Write(p []byte) (int, error) {
	msg := addrPattern.ReplaceAll(bytes.TrimSpace(p), []byte("[address]"))
	r.l.Warn(string(msg))
	return len(p), nil
}
