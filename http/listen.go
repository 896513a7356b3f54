package http

import (
	"net"
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
	// ImportReadTimeout is the time an archive upload may take (see
	// MaxImportSize); it replaces the read timeout on that route only,
	// once the caller is signed in.
	ImportReadTimeout = time.Hour
)

// LimitListener returns a listener that accepts at most maxConns
// connections open at once: while that many are open, further clients wait
// in the accept queue, and a slow client holds its slot only until the
// server's read timeouts close it.
func LimitListener(ln net.Listener, maxConns int) net.Listener {
	return netutil.LimitListener(ln, maxConns)
}
