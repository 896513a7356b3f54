package proxyproto

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// DefaultTimeout is the default Listener.Timeout.
const DefaultTimeout = 10 * time.Second

// Trusted reports whether ip is in one of the trusted networks; an
// IPv4-mapped IPv6 address counts as its IPv4 address.
func Trusted(trusted []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Listener is a net.Listener whose connections from the Trusted networks
// (the load balancers) must start with a PROXY protocol header, version 1
// or 2; their RemoteAddr is then the client's address the header gives.
// Connections from any other address are returned as they are: no header
// is read from them, so nobody else can choose the address they appear to
// come from. A connection from a trusted network whose header is missing,
// malformed, over its bound or not complete within Timeout of accept fails
// its first Read with the error, and the server closes it.
//
// Accept does not wait for the header: it is read, with exact reads that
// leave the client's bytes in the socket, when the connection is first
// read or asked its RemoteAddr (net/http's server asks first, in the
// connection's own goroutine), so a slow sender holds up no other
// connection. Put a connection limit (and TLS) outside this listener.
type Listener struct {
	net.Listener
	// Trusted are the networks of the load balancers that send a header.
	Trusted []netip.Prefix
	// Timeout is how long a trusted connection has, from accept, to send
	// its whole header. Default DefaultTimeout.
	Timeout time.Duration
}

// Accept waits for the next connection. One from a trusted network comes
// as a *Conn that reads its header first.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || !Trusted(l.Trusted, ta.AddrPort().Addr()) {
		return c, nil
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Conn{Conn: c, deadline: time.Now().Add(timeout)}, nil
}

// Conn is a connection from a trusted load balancer, as Listener returns
// it. Its methods are safe for concurrent use as net.Conn's are.
type Conn struct {
	net.Conn
	deadline time.Time // for the whole header

	once   sync.Once
	remote net.Addr
	err    error
}

// header reads the header once, within the deadline, then clears the read
// deadline (a deadline set before this is replaced).
func (c *Conn) header() error {
	c.once.Do(func() {
		c.remote = c.Conn.RemoteAddr()
		if c.err = c.Conn.SetReadDeadline(c.deadline); c.err != nil {
			return
		}
		var h Header
		if h, c.err = Read(c.Conn); c.err != nil {
			return
		}
		if c.err = c.Conn.SetReadDeadline(time.Time{}); c.err != nil {
			return
		}
		if h.Source.IsValid() {
			c.remote = net.TCPAddrFromAddrPort(netip.AddrPortFrom(h.Source.Addr().Unmap(), h.Source.Port()))
		}
	})
	return c.err
}

// Read reads the header first, then the client's bytes. After a header
// that could not be read it returns that error.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.header(); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// RemoteAddr reads the header first, then returns the client's address it
// gave, or the load balancer's own when it gave none (a health check) or
// could not be read.
func (c *Conn) RemoteAddr() net.Addr {
	c.header()
	return c.remote
}
