package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"
)

// MQTT 3.1.1 control packet types (the high nibble of the first byte) that
// the lean client sends or expects.
const (
	typeConnack  = 2
	typePuback   = 4
	typePingresp = 13
)

// pingreq is a whole PINGREQ packet.
var pingreq = []byte{0xc0, 0x00}

// encodeConnect returns an MQTT 3.1.1 CONNECT packet: clean session, the
// device ID as client ID and, when the secret is not empty, as username with
// the secret as password. It uses mochi's packet codec; CONNECT is sent once
// per connection, so it is not on the hot path.
func encodeConnect(cr cred, keepAlive uint16) ([]byte, error) {
	pk := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: 4,
		Connect: packets.ConnectParams{
			ProtocolName: []byte("MQTT"), Clean: true, Keepalive: keepAlive, ClientIdentifier: cr.ID,
		},
	}
	if cr.Secret != "" {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte(cr.ID)
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(cr.Secret)
	}
	var buf bytes.Buffer
	if err := pk.ConnectEncode(&buf); err != nil {
		return nil, fmt.Errorf("encode CONNECT: %w", err)
	}
	return buf.Bytes(), nil
}

// appendPublish appends a QoS 1 PUBLISH packet (no DUP, no retain) to dst.
func appendPublish(dst []byte, topic string, id uint16, payload []byte) []byte {
	dst = append(dst, 0x32)
	dst = appendLength(dst, 2+len(topic)+2+len(payload))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(topic)))
	dst = append(dst, topic...)
	dst = binary.BigEndian.AppendUint16(dst, id)
	return append(dst, payload...)
}

// appendLength appends n as an MQTT variable byte integer.
func appendLength(dst []byte, n int) []byte {
	for {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			b |= 0x80
		}
		dst = append(dst, b)
		if n == 0 {
			return dst
		}
	}
}

// errShortPacket means buf does not yet hold a whole packet.
var errShortPacket = errors.New("incomplete packet")

// maxInbound bounds the packets the lean client accepts from a broker: it
// expects only CONNACK, PUBACK and PINGRESP, a few bytes each.
const maxInbound = 64

// nextPacket splits the first whole packet off buf: its type, its body
// (after the fixed header) and the bytes it took. It returns errShortPacket
// when more bytes are needed.
func nextPacket(buf []byte) (typ byte, body []byte, n int, err error) {
	if len(buf) < 2 {
		return 0, nil, 0, errShortPacket
	}
	length, shift, i := 0, 0, 1
	for {
		if i >= len(buf) {
			return 0, nil, 0, errShortPacket
		}
		if i > 4 {
			return 0, nil, 0, errors.New("malformed remaining length")
		}
		b := buf[i]
		length |= int(b&0x7f) << shift
		shift += 7
		i++
		if b&0x80 == 0 {
			break
		}
	}
	if length > maxInbound {
		return 0, nil, 0, fmt.Errorf("packet type %d of %d bytes: not one the client expects", buf[0]>>4, length)
	}
	if len(buf) < i+length {
		return 0, nil, 0, errShortPacket
	}
	return buf[0] >> 4, buf[i : i+length], i + length, nil
}
