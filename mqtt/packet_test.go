package mqtt

import (
	"net/netip"
	"testing"
)

// FuzzReadPacket feeds arbitrary bytes to the packet reader: the framing
// of the fixed header and the decoding of each packet, as a connection
// reads them after CONNECT (MQTT 3.1.1 and 5), or as its first packet.
// Nothing panics, a frame is what the bytes say, and a decoded packet has
// the type of its first byte. Seeds are in testdata/fuzz/FuzzReadPacket.
func FuzzReadPacket(f *testing.F) {
	f.Add([]byte{0x30, 0x05, 0x00, 0x01, 'a', 'x', 'y'}, byte(4))
	f.Add([]byte{0xc0, 0x00}, byte(5))
	f.Fuzz(func(t *testing.T, data []byte, version byte) {
		for off := 0; off < len(data); {
			b := data[off:]
			remaining, hdrLen, ok, err := frame(b)
			if err != nil || !ok {
				if err == nil && len(b) > 4 {
					t.Fatalf("frame(% x): no error and no frame from 5 bytes or more", b[:5])
				}
				return
			}
			if hdrLen < 2 || hdrLen > 5 || remaining < 0 || remaining > 268435455 {
				t.Fatalf("frame(% x) = remaining %d, header %d bytes", b[:min(len(b), 5)], remaining, hdrLen)
			}
			if hdrLen+remaining > len(b) {
				return // incomplete: the connection would read on
			}
			pk, err := decode(b[0], b[hdrLen:hdrLen+remaining], version)
			if err == nil && pk.FixedHeader.Type != b[0]>>4 {
				t.Fatalf("decoded a %d from a packet of type %d", pk.FixedHeader.Type, b[0]>>4)
			}
			off += hdrLen + remaining
		}
	})
}

// A fixed header's remaining length is one to four bytes.
func TestFrame(t *testing.T) {
	tests := []struct {
		in                []byte
		remaining, hdrLen int
		ok, err           bool
	}{
		{[]byte{0x30}, 0, 0, false, false},
		{[]byte{0x30, 0x00}, 0, 2, true, false},
		{[]byte{0x30, 0x7f}, 127, 2, true, false},
		{[]byte{0x30, 0x80}, 0, 0, false, false},
		{[]byte{0x30, 0x80, 0x01}, 128, 3, true, false},
		{[]byte{0x30, 0xff, 0xff, 0xff, 0x7f}, 268435455, 5, true, false},
		{[]byte{0x30, 0xff, 0xff, 0xff, 0xff}, 0, 0, false, true},
		{[]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, 0, 0, false, true},
	}
	for _, tt := range tests {
		remaining, hdrLen, ok, err := frame(tt.in)
		if remaining != tt.remaining || hdrLen != tt.hdrLen || ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("frame(% x) = %d, %d, %v, %v; want %d, %d, %v, error %v", tt.in, remaining, hdrLen, ok, err, tt.remaining, tt.hdrLen, tt.ok, tt.err)
		}
	}
}

// Connections before CONNECT are counted per IPv4 address, and per /64
// network for IPv6.
func TestPendingKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"::1", "::"},
	} {
		if got := pendingKey(netip.MustParseAddr(tt.in)); got.String() != tt.want {
			t.Errorf("pendingKey(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
