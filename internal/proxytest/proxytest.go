// Package proxytest builds PROXY protocol headers byte by byte from the
// specification (HAProxy's proxy-protocol.txt), independently of package
// proxyproto's parser, and runs a small TCP relay that sends one before a
// real client's bytes, as a load balancer does, for tests.
package proxytest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// V1 returns a version 1 line for a TCP connection from src to dst
// ("PROXY TCP4 ..." or "PROXY TCP6 ...").
func V1(src, dst netip.AddrPort) []byte {
	proto := "TCP4"
	if src.Addr().Is6() {
		proto = "TCP6"
	}
	return fmt.Appendf(nil, "PROXY %s %s %s %d %d\r\n", proto, src.Addr(), dst.Addr(), src.Port(), dst.Port())
}

// Signature is the 12 bytes that start a version 2 header.
var Signature = []byte{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}

// V2 returns a version 2 PROXY command for a TCP connection from src to
// dst (family 0x11 TCP over IPv4, or 0x21 over IPv6), followed by tlvs
// (whole TLVs, as the caller builds them).
func V2(src, dst netip.AddrPort, tlvs ...[]byte) []byte {
	fam, addrs := byte(0x11), []byte{}
	if src.Addr().Is6() {
		fam = 0x21
		s, d := src.Addr().As16(), dst.Addr().As16()
		addrs = append(append(addrs, s[:]...), d[:]...)
	} else {
		s, d := src.Addr().As4(), dst.Addr().As4()
		addrs = append(append(addrs, s[:]...), d[:]...)
	}
	addrs = binary.BigEndian.AppendUint16(addrs, src.Port())
	addrs = binary.BigEndian.AppendUint16(addrs, dst.Port())
	for _, t := range tlvs {
		addrs = append(addrs, t...)
	}
	return V2Raw(0x21, fam, addrs)
}

// V2TCP is V2 without TLVs, of the type StartRelay takes.
func V2TCP(src, dst netip.AddrPort) []byte { return V2(src, dst) }

// V2Local returns a version 2 LOCAL command without addresses, as a load
// balancer's health check sends.
func V2Local() []byte { return V2Raw(0x20, 0x00, nil) }

// V2Raw returns a version 2 header of any command, family and body.
func V2Raw(cmd, fam byte, body []byte) []byte {
	h := append(append([]byte{}, Signature...), cmd, fam)
	h = binary.BigEndian.AppendUint16(h, uint16(len(body)))
	return append(h, body...)
}

// TLV returns one TLV of type typ and value v.
func TLV(typ byte, v []byte) []byte {
	return append(binary.BigEndian.AppendUint16([]byte{typ}, uint16(len(v))), v...)
}

// Relay is a TCP relay standing in for a load balancer: each connection it
// accepts is forwarded to a target, starting with the header Header
// returns for it.
type Relay struct {
	ln     net.Listener
	target string
	from   string // the local address it dials from
	header func(client, local netip.AddrPort) []byte
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open, to close when the test ends
}

// StartRelay listens on 127.0.0.1:0 and relays to target from the local
// IP address from (a loopback address other than the clients', so that
// the load balancer and its clients can be told apart), sending first the
// header that header returns for the client's address and the address it
// connected to (nil sends none). It is closed when the test ends.
func StartRelay(t testing.TB, target, from string, header func(client, local netip.AddrPort) []byte) *Relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("relay listen: %v", err)
	}
	r := &Relay{ln: ln, target: target, from: from, header: header, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

// Addr returns the address clients connect to.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// close stops the relay and ends the connections it relays.
func (r *Relay) close() {
	r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// track adds c to the open connections.
func (r *Relay) track(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns[c] = struct{}{}
}

// untrack removes c from the open connections and closes it.
func (r *Relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
	c.Close()
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go r.relay(c)
	}
}

// relay forwards one client connection: header first, then both ways
// until either side closes.
func (r *Relay) relay(c net.Conn) {
	defer r.wg.Done()
	r.track(c)
	defer r.untrack(c)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(r.from)}}
	up, err := d.Dial("tcp", r.target)
	if err != nil {
		return
	}
	r.track(up)
	defer r.untrack(up)
	if r.header != nil {
		client := c.RemoteAddr().(*net.TCPAddr).AddrPort()
		local := c.LocalAddr().(*net.TCPAddr).AddrPort()
		if _, err := up.Write(r.header(client, local)); err != nil {
			return
		}
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	<-done
	<-done
}
