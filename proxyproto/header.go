// Package proxyproto reads the PROXY protocol header (versions 1 and 2, as
// HAProxy's proxy-protocol.txt defines them) that a TCP load balancer sends
// before a client's own bytes, so that a server behind it learns the
// client's address. It uses only the standard library.
//
// Read consumes exactly the header's bytes and never more, so what follows
// it (a TLS ClientHello, an MQTT CONNECT) stays in the socket for whoever
// reads next, and a caller may go on waiting for the raw socket to become
// readable. Headers are bounded: a version 1 line by its 107 bytes, a
// version 2 header by MaxV2Length bytes after its 16-byte prefix.
//
// Its errors never quote what was read, so they hold no client address.
//
// A header is believed only from the load balancers a server trusts:
// Listener reads it from those sources alone and serves every other
// connection as it is, without reading a header from it.
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
)

// Limits of the header.
const (
	// MaxV1Length is the longest version 1 line, CRLF included, as the
	// specification bounds it.
	MaxV1Length = 107
	// MaxV2Length is the most bytes a version 2 header may carry after its
	// 16-byte prefix (addresses and TLVs). The format allows 65,535; the
	// addresses take at most 216 (a UNIX socket pair) and load balancers'
	// TLVs (a VPC endpoint ID, a link ID, TLS details) a few hundred, so a
	// longer header is refused rather than read.
	MaxV2Length = 2048
)

// v1Prefix starts a version 1 header; v2Signature starts a version 2 one.
var (
	v1Prefix    = []byte("PROXY ")
	v2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// minV1Length is the shortest version 1 line, "PROXY UNKNOWN\r\n"; it is
// also the most Read reads before it knows the version (a version 2
// header has 16 bytes before its addresses).
const minV1Length = 15

// ErrNoHeader is returned (wrapped) by Read when the bytes are not the
// start of a PROXY protocol header.
var ErrNoHeader = errors.New("not a PROXY protocol header")

// ErrTooLong is returned (wrapped) by Read when a header is longer than
// MaxV1Length (version 1) or MaxV2Length (version 2) allows.
var ErrTooLong = errors.New("PROXY protocol header too long")

// Header is what a PROXY protocol header says about the connection.
type Header struct {
	// Version is 1 or 2.
	Version int
	// Source is the client's address and port, and Dest the address and
	// port it connected to. Both are the zero AddrPort when the header
	// carries no IP addresses: a version 1 UNKNOWN line, a version 2 LOCAL
	// command (the load balancer's own health check), or a version 2
	// header of the UNSPEC or UNIX family. Then the connection's own
	// endpoints are the ones to use.
	Source, Dest netip.AddrPort
}

// Read reads one PROXY protocol header, version 1 or 2, from r, and not a
// byte more. It returns an error wrapping ErrNoHeader when r does not start
// with one, ErrTooLong when the header is over its bound, another error
// for a malformed header, or the read's error (io.EOF, io.ErrUnexpectedEOF,
// a timeout) when r ends or fails first. The caller bounds the time it
// takes, with a read deadline on the connection.
func Read(r io.Reader) (Header, error) {
	var buf [MaxV1Length]byte
	if _, err := io.ReadFull(r, buf[:minV1Length]); err != nil {
		return Header{}, fmt.Errorf("read PROXY protocol header: %w", err)
	}
	switch {
	case bytes.HasPrefix(buf[:], v1Prefix):
		return readV1(r, &buf)
	case bytes.HasPrefix(buf[:], v2Signature):
		return readV2(r, &buf)
	}
	return Header{}, fmt.Errorf("read PROXY protocol header: %w", ErrNoHeader)
}

// more reads len(b) bytes of a header already begun: io.EOF means it was
// cut short, so it becomes io.ErrUnexpectedEOF.
func more(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readV1 reads the rest of a version 1 line whose first minV1Length bytes
// are in buf, and parses it.
func readV1(r io.Reader, buf *[MaxV1Length]byte) (Header, error) {
	n := minV1Length
	// The shortest TCP4 and TCP6 lines ("PROXY TCP4 0.0.0.0 0.0.0.0 0 0"
	// and "PROXY TCP6 :: :: 0 0", with CRLF) can be read at once; past
	// that, one byte at a time, so that nothing after the CRLF is read.
	least := 0
	switch string(buf[6:11]) {
	case "TCP4 ":
		least = 32
	case "TCP6 ":
		least = 22
	}
	if least > n {
		if err := more(r, buf[n:least]); err != nil {
			return Header{}, fmt.Errorf("read PROXY protocol v1 line: %w", err)
		}
		n = least
	}
	for buf[n-1] != '\n' {
		if n == MaxV1Length {
			return Header{}, fmt.Errorf("read PROXY protocol v1 line: %w", ErrTooLong)
		}
		if err := more(r, buf[n:n+1]); err != nil {
			return Header{}, fmt.Errorf("read PROXY protocol v1 line: %w", err)
		}
		n++
	}
	h, err := parseV1(buf[:n])
	if err != nil {
		return Header{}, fmt.Errorf("read PROXY protocol v1 line: %w", err)
	}
	return h, nil
}

// parseV1 parses a whole version 1 line, CRLF included: "PROXY UNKNOWN"
// followed by anything, or "PROXY TCP4|TCP6 src dst sport dport", with
// single spaces, addresses of the protocol's family and decimal ports
// without leading zeros.
func parseV1(line []byte) (Header, error) {
	body, ok := bytes.CutSuffix(line, []byte("\r\n"))
	if !ok || bytes.IndexByte(body, '\n') >= 0 || bytes.IndexByte(body, '\r') >= 0 {
		return Header{}, errors.New("the line does not end with the only CRLF")
	}
	body = body[len(v1Prefix):]
	if string(body) == "UNKNOWN" || bytes.HasPrefix(body, []byte("UNKNOWN ")) {
		return Header{Version: 1}, nil // what follows UNKNOWN is ignored, as the specification says
	}
	f := bytes.Split(body, []byte(" "))
	if len(f) != 5 {
		return Header{}, errors.New("want TCP4 or TCP6 and four fields, separated by single spaces")
	}
	v6 := string(f[0]) == "TCP6"
	if !v6 && string(f[0]) != "TCP4" {
		return Header{}, errors.New("the protocol is not TCP4, TCP6 or UNKNOWN")
	}
	var ap [2]netip.AddrPort
	for i, end := range [2]string{"source", "destination"} {
		a, err := netip.ParseAddr(string(f[1+i]))
		if err != nil || a.Zone() != "" || a.Is6() != v6 {
			return Header{}, fmt.Errorf("the %s address is not a %s address", end, f[0])
		}
		p, ok := parsePort(f[3+i])
		if !ok {
			return Header{}, fmt.Errorf("the %s port is not a number from 0 to 65535", end)
		}
		ap[i] = netip.AddrPortFrom(a, p)
	}
	return Header{Version: 1, Source: ap[0], Dest: ap[1]}, nil
}

// parsePort parses a decimal port from 0 to 65535 without leading zeros;
// false means b is not one.
func parsePort(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 || len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	p, err := strconv.ParseUint(string(b), 10, 16)
	return uint16(p), err == nil
}

// Version 2 commands, and the address family and transport byte.
const (
	v2Local        = 0x20
	v2Proxy        = 0x21
	v2Unspec       = 0x00
	v2TCP4         = 0x11
	v2TCP6         = 0x21
	v2UnixStream   = 0x31
	v2PrefixLength = 16
)

// readV2 reads the rest of a version 2 header whose first minV1Length
// bytes are in buf, and parses it.
func readV2(r io.Reader, buf *[MaxV1Length]byte) (Header, error) {
	if err := more(r, buf[minV1Length:v2PrefixLength]); err != nil {
		return Header{}, fmt.Errorf("read PROXY protocol v2 header: %w", err)
	}
	cmd, fam := buf[12], buf[13]
	length := int(binary.BigEndian.Uint16(buf[14:16]))
	if length > MaxV2Length {
		return Header{}, fmt.Errorf("read PROXY protocol v2 header of %d bytes: %w", length, ErrTooLong)
	}
	if cmd != v2Local && cmd != v2Proxy {
		return Header{}, fmt.Errorf("read PROXY protocol v2 header: version and command 0x%02x are not 0x20 LOCAL or 0x21 PROXY", cmd)
	}
	rest := make([]byte, length)
	if err := more(r, rest); err != nil {
		return Header{}, fmt.Errorf("read PROXY protocol v2 header: %w", err)
	}
	h, err := parseV2(cmd, fam, rest)
	if err != nil {
		return Header{}, fmt.Errorf("read PROXY protocol v2 header: %w", err)
	}
	return h, nil
}

// parseV2 parses a version 2 header's command, family and the bytes after
// its prefix: the addresses of the family, then TLVs, which must fill the
// rest exactly and are otherwise ignored. A LOCAL command's addresses are
// ignored, as the specification says; a PROXY command must be of the
// UNSPEC family or a stream (TCP over IPv4 or IPv6, or a UNIX stream
// socket, whose addresses are ignored).
func parseV2(cmd, fam byte, rest []byte) (Header, error) {
	n, ok := addrSize(fam)
	if cmd == v2Local {
		n, ok = 0, true
	}
	switch {
	case !ok:
		return Header{}, fmt.Errorf("family and transport 0x%02x are not UNSPEC or a stream", fam)
	case len(rest) < n:
		return Header{}, fmt.Errorf("%d bytes are too few for the addresses of family 0x%02x", len(rest), fam)
	}
	if cmd == v2Local {
		return Header{Version: 2}, nil // the LOCAL command's addresses and TLVs are ignored
	}
	if err := checkTLVs(rest[n:]); err != nil {
		return Header{}, err
	}
	h := Header{Version: 2}
	switch fam {
	case v2TCP4:
		h.Source = addrPort(netip.AddrFrom4([4]byte(rest[0:4])), rest[8:10])
		h.Dest = addrPort(netip.AddrFrom4([4]byte(rest[4:8])), rest[10:12])
	case v2TCP6:
		h.Source = addrPort(netip.AddrFrom16([16]byte(rest[0:16])), rest[32:34])
		h.Dest = addrPort(netip.AddrFrom16([16]byte(rest[16:32])), rest[34:36])
	}
	return h, nil
}

// addrSize returns the size of the addresses of a version 2 family and
// transport byte, and false for one a TCP server does not take.
func addrSize(fam byte) (int, bool) {
	switch fam {
	case v2Unspec:
		return 0, true
	case v2TCP4:
		return 12, true
	case v2TCP6:
		return 36, true
	case v2UnixStream:
		return 216, true
	}
	return 0, false
}

// addrPort joins an address and a big-endian port.
func addrPort(a netip.Addr, port []byte) netip.AddrPort {
	return netip.AddrPortFrom(a, binary.BigEndian.Uint16(port))
}

// checkTLVs checks that b is a sequence of whole TLVs: a type byte, a
// big-endian length and that many bytes of value.
func checkTLVs(b []byte) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return fmt.Errorf("%d bytes left are too few for a TLV", len(b))
		}
		n := 3 + int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b) {
			return fmt.Errorf("a TLV of type 0x%02x runs %d bytes past the header", b[0], n-len(b))
		}
		b = b[n:]
	}
	return nil
}
