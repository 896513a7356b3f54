package mqtt

import (
	"errors"
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"
)

// errMalformedLength is a fixed header whose remaining length does not end
// within four bytes.
var errMalformedLength = errors.New("malformed packet: remaining length")

// frame reads the fixed header at the start of b: the packet's remaining
// length and the length of the header itself (2 to 5 bytes). ok is false
// when b is too short to tell; err is set when the length is malformed.
func frame(b []byte) (remaining, hdrLen int, ok bool, err error) {
	shift := 0
	for i := 1; i < len(b); i++ {
		if i > 4 {
			return 0, 0, false, errMalformedLength
		}
		remaining |= int(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return remaining, i + 1, true, nil
		}
		shift += 7
	}
	if len(b) > 4 {
		return 0, 0, false, errMalformedLength
	}
	return 0, 0, false, nil
}

// decode decodes one packet from its first byte and its body (the bytes
// after the fixed header), for a client of protocol version (4 or 5; any
// for CONNECT, which carries its own). Strings and byte slices of the
// packet alias body. It returns an error for a malformed packet, or one of
// a type a client never sends; it never panics, whatever the bytes.
func decode(first byte, body []byte, version byte) (pk packets.Packet, err error) {
	defer func() {
		if r := recover(); r != nil { // mochi's decoders index some bytes unchecked
			pk, err = packets.Packet{}, fmt.Errorf("malformed packet: %v", r)
		}
	}()
	if err := pk.FixedHeader.Decode(first); err != nil {
		return pk, err
	}
	pk.FixedHeader.Remaining = len(body)
	pk.ProtocolVersion = version
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Puback:
		err = pk.PubackDecode(body)
	case packets.Pubrec, packets.Pubrel, packets.Pubcomp:
		err = pk.PubrelDecode(body) // the same layout for the three
	case packets.Subscribe:
		err = pk.SubscribeDecode(body)
	case packets.Unsubscribe:
		err = pk.UnsubscribeDecode(body)
	case packets.Pingreq:
		if len(body) != 0 {
			err = packets.ErrMalformedPacket
		}
	case packets.Disconnect:
		err = pk.DisconnectDecode(body)
	case packets.Auth:
		err = pk.AuthDecode(body)
	default:
		err = packets.ErrProtocolViolation // a server-to-client packet, or reserved
	}
	if err != nil {
		return packets.Packet{}, fmt.Errorf("decode %s: %w", packets.PacketNames[pk.FixedHeader.Type], err)
	}
	return pk, nil
}

// Hand-encoded packets: the few fixed shapes the gateway sends most.

// appendPuback appends a PUBACK for packet id with reason code (MQTT 5; a
// success code is left out, as the protocol allows).
func appendPuback(b []byte, version byte, id uint16, code byte) []byte {
	if version == 5 && code != 0 {
		return append(b, packets.Puback<<4, 3, byte(id>>8), byte(id), code)
	}
	return append(b, packets.Puback<<4, 2, byte(id>>8), byte(id))
}

// appendDisconnect appends an MQTT 5 DISCONNECT with reason code (and an
// empty property list, which some decoders expect after a reason code).
func appendDisconnect(b []byte, code byte) []byte {
	return append(b, packets.Disconnect<<4, 2, code, 0)
}

// connackRefused returns a CONNACK refusing a connection with code.
func connackRefused(version byte, code byte) []byte {
	if version == 5 {
		return []byte{packets.Connack << 4, 3, 0, code, 0}
	}
	return []byte{packets.Connack << 4, 2, 0, code}
}
