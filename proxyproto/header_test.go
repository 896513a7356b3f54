package proxyproto_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/internal/proxytest"
	"github.com/hearth-iot/hearth/proxyproto"
)

var (
	src4 = netip.MustParseAddrPort("192.0.2.7:51234")
	dst4 = netip.MustParseAddrPort("198.51.100.1:1883")
	src6 = netip.MustParseAddrPort("[2001:db8::7]:51234")
	dst6 = netip.MustParseAddrPort("[2001:db8::1]:8883")
)

// after is what a client sends after the header: Read must leave it.
var after = []byte{0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T'}

func TestReadValid(t *testing.T) {
	tests := []struct {
		name     string
		header   []byte
		version  int
		src, dst netip.AddrPort
	}{
		{"v1 tcp4", proxytest.V1(src4, dst4), 1, src4, dst4},
		{"v1 tcp6", proxytest.V1(src6, dst6), 1, src6, dst6},
		{"v1 shortest tcp4", []byte("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"), 1,
			netip.MustParseAddrPort("0.0.0.0:0"), netip.MustParseAddrPort("0.0.0.0:0")},
		{"v1 shortest tcp6", []byte("PROXY TCP6 :: :: 0 0\r\n"), 1,
			netip.MustParseAddrPort("[::]:0"), netip.MustParseAddrPort("[::]:0")},
		{"v1 longest", []byte("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), 1,
			netip.MustParseAddrPort("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), netip.MustParseAddrPort("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\n"), 1, netip.AddrPort{}, netip.AddrPort{}},
		{"v1 unknown with addresses", []byte("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"), 1, netip.AddrPort{}, netip.AddrPort{}},
		{"v2 tcp4", proxytest.V2(src4, dst4), 2, src4, dst4},
		{"v2 tcp6", proxytest.V2(src6, dst6), 2, src6, dst6},
		{"v2 tcp4 with TLVs", proxytest.V2(src4, dst4, proxytest.TLV(0xEA, []byte("\x01vpce-08d2bf15fd")), proxytest.TLV(0x04, nil)), 2, src4, dst4},
		{"v2 local", proxytest.V2Local(), 2, netip.AddrPort{}, netip.AddrPort{}},
		{"v2 local with addresses", proxytest.V2Raw(0x20, 0x11, make([]byte, 12)), 2, netip.AddrPort{}, netip.AddrPort{}},
		{"v2 unspec", proxytest.V2Raw(0x21, 0x00, nil), 2, netip.AddrPort{}, netip.AddrPort{}},
		{"v2 unix stream", proxytest.V2Raw(0x21, 0x31, make([]byte, 216)), 2, netip.AddrPort{}, netip.AddrPort{}},
		{"v2 largest", proxytest.V2(src4, dst4, proxytest.TLV(0x04, make([]byte, proxyproto.MaxV2Length-12-3))), 2, src4, dst4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(append(append([]byte{}, tt.header...), after...))
			h, err := proxyproto.Read(oneByte{r})
			if err != nil {
				t.Fatalf("Read(%q): %v", tt.header, err)
			}
			if h.Version != tt.version || h.Source != tt.src || h.Dest != tt.dst {
				t.Errorf("Read(%q) = %+v, want version %d, %v to %v", tt.header, h, tt.version, tt.src, tt.dst)
			}
			rest, _ := io.ReadAll(r)
			if !bytes.Equal(rest, after) {
				t.Errorf("left %q after the header, want %q: Read must read the header and nothing more", rest, after)
			}
		})
	}
}

// oneByte returns at most one byte per Read, as a slow network might.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestReadInvalid(t *testing.T) {
	long := "PROXY TCP4 " + strings.Repeat("1", 100) + "\r\n"
	tests := []struct {
		name   string
		header []byte
		want   error // nil: any error
	}{
		{"mqtt connect", []byte("\x10\x1a\x00\x04MQTTxxxxxxxxxxxxxxxxxxx"), proxyproto.ErrNoHeader},
		{"tls client hello", []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03abcdefgh"), proxyproto.ErrNoHeader},
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), proxyproto.ErrNoHeader},
		{"lower case", []byte("proxy TCP4 192.0.2.7 198.51.100.1 1 2\r\n"), proxyproto.ErrNoHeader},
		{"v1 too long", []byte(long), proxyproto.ErrTooLong},
		{"v1 no CRLF", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n"), nil},
		{"v1 CR alone", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\r\r\n"), nil},
		{"v1 unknown protocol", []byte("PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n"), nil},
		{"v1 unknown glued", []byte("PROXY UNKNOWNX\r\n"), nil},
		{"v1 family mismatch", []byte("PROXY TCP4 2001:db8::7 2001:db8::1 1 2\r\n"), nil},
		{"v1 family mismatch 6", []byte("PROXY TCP6 192.0.2.7 198.51.100.1 1 2\r\n"), nil},
		{"v1 zone", []byte("PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n"), nil},
		{"v1 two spaces", []byte("PROXY TCP4 192.0.2.7  198.51.100.1 1 2\r\n"), nil},
		{"v1 missing port", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n"), nil},
		{"v1 extra field", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n"), nil},
		{"v1 port too big", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 65536 2\r\n"), nil},
		{"v1 port leading zero", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 01 2\r\n"), nil},
		{"v1 port sign", []byte("PROXY TCP4 192.0.2.7 198.51.100.1 +1 2\r\n"), nil},
		{"v1 octet leading zero", []byte("PROXY TCP4 192.0.2.07 198.51.100.1 1 2\r\n"), nil},
		{"v1 truncated", []byte("PROXY TCP4 192.0.2.7 198.51.10"), io.ErrUnexpectedEOF},
		{"empty", nil, io.EOF},
		{"v2 truncated prefix", proxytest.V2(src4, dst4)[:15], io.ErrUnexpectedEOF},
		{"v2 truncated body", proxytest.V2(src4, dst4)[:20], io.ErrUnexpectedEOF},
		{"v2 too long", proxytest.V2Raw(0x21, 0x11, make([]byte, proxyproto.MaxV2Length+1)), proxyproto.ErrTooLong},
		{"v2 version 1", proxytest.V2Raw(0x11, 0x11, make([]byte, 12)), nil},
		{"v2 command 2", proxytest.V2Raw(0x22, 0x11, make([]byte, 12)), nil},
		{"v2 udp4", proxytest.V2Raw(0x21, 0x12, make([]byte, 12)), nil},
		{"v2 udp6", proxytest.V2Raw(0x21, 0x22, make([]byte, 36)), nil},
		{"v2 family 4", proxytest.V2Raw(0x21, 0x41, make([]byte, 12)), nil},
		{"v2 short addresses", proxytest.V2Raw(0x21, 0x21, make([]byte, 12)), nil},
		{"v2 TLV past the end", proxytest.V2(src4, dst4, []byte{0x04, 0x00, 0x05, 1}), nil},
		{"v2 TLV cut", proxytest.V2(src4, dst4, []byte{0x04, 0x00}), nil},
		{"v2 bad signature", append([]byte("\r\n\r\n\x00\r\nQUIX\n"), 0x21, 0x11, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), proxyproto.ErrNoHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &countReader{r: bytes.NewReader(tt.header)}
			h, err := proxyproto.Read(r)
			if err == nil {
				t.Fatalf("Read(%q) = %+v, want an error", tt.header, h)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Read(%q) = %v, want %v", tt.header, err, tt.want)
			}
			if r.n > 16+proxyproto.MaxV2Length {
				t.Errorf("Read(%q) read %d bytes, more than any header may have", tt.header, r.n)
			}
		})
	}
}

// TestReadOversizedV2ReadsNoBody checks that a version 2 header announcing
// more than MaxV2Length is refused after its 16-byte prefix, without
// reading (or allocating for) the body.
func TestReadOversizedV2ReadsNoBody(t *testing.T) {
	r := &countReader{r: bytes.NewReader(proxytest.V2Raw(0x21, 0x11, make([]byte, 65535)))}
	if _, err := proxyproto.Read(r); !errors.Is(err, proxyproto.ErrTooLong) {
		t.Fatalf("Read = %v, want ErrTooLong", err)
	}
	if r.n != 16 {
		t.Errorf("read %d bytes, want 16", r.n)
	}
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzRead checks that Read never panics, never reads more than a header
// may hold, and when it accepts a header has read exactly that header
// (a CRLF-ended line of at most 107 bytes, or 16 bytes and the announced
// length), whose addresses, written again, read back the same.
func FuzzRead(f *testing.F) {
	for _, s := range [][]byte{
		proxytest.V1(src4, dst4), proxytest.V1(src6, dst6), []byte("PROXY UNKNOWN\r\n"),
		proxytest.V2(src4, dst4), proxytest.V2(src6, dst6, proxytest.TLV(0x04, []byte("x"))),
		proxytest.V2Local(), proxytest.V2Raw(0x21, 0x31, make([]byte, 216)),
		[]byte("PROXY TCP4 1.2.3.4 5.6.7.8 9 10\r\nrest"), []byte("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &countReader{r: bytes.NewReader(in)}
		h, err := proxyproto.Read(oneByte{r})
		if r.n > 16+proxyproto.MaxV2Length {
			t.Fatalf("read %d bytes", r.n)
		}
		if err != nil {
			return
		}
		got := in[:r.n]
		switch h.Version {
		case 1:
			if len(got) > proxyproto.MaxV1Length || !bytes.HasSuffix(got, []byte("\r\n")) || bytes.Count(got, []byte("\n")) != 1 {
				t.Fatalf("accepted v1 %q", got)
			}
		case 2:
			if len(got) < 16 || len(got) != 16+int(got[14])<<8+int(got[15]) {
				t.Fatalf("accepted v2 of %d bytes: %x", len(got), got)
			}
		default:
			t.Fatalf("version %d", h.Version)
		}
		if h.Source.IsValid() != h.Dest.IsValid() || h.Source.IsValid() && h.Source.Addr().Is6() != h.Dest.Addr().Is6() {
			t.Fatalf("source %v and destination %v", h.Source, h.Dest)
		}
		if !h.Source.IsValid() {
			return
		}
		again := proxytest.V1(h.Source, h.Dest)
		if h.Version == 2 {
			again = proxytest.V2(h.Source, h.Dest)
		}
		h2, err := proxyproto.Read(bytes.NewReader(again))
		if err != nil || h2 != h {
			t.Fatalf("%q read %+v; written again %q read %+v, %v", got, h, again, h2, err)
		}
	})
}
