package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mochi-mqtt/server/v2/packets"
)

// decodeWithMochi parses one whole packet with mochi's codec, an MQTT
// implementation this package does not share code with for PUBLISH.
func decodeWithMochi(t *testing.T, b []byte) packets.Packet {
	t.Helper()
	r := bytes.NewReader(b)
	first, err := r.ReadByte()
	if err != nil {
		t.Fatal(err)
	}
	var pk packets.Packet
	pk.ProtocolVersion = 4
	if err := pk.FixedHeader.Decode(first); err != nil {
		t.Fatalf("fixed header: %v", err)
	}
	n, _, err := packets.DecodeLength(r)
	if err != nil {
		t.Fatalf("remaining length: %v", err)
	}
	if n != r.Len() {
		t.Fatalf("remaining length %d, but %d bytes follow", n, r.Len())
	}
	pk.FixedHeader.Remaining = n
	body := b[len(b)-n:]
	switch pk.FixedHeader.Type {
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Connect:
		err = pk.ConnectDecode(body)
	default:
		t.Fatalf("packet type %d", pk.FixedHeader.Type)
	}
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return pk
}

func TestAppendPublishDecodesWithMochi(t *testing.T) {
	tests := []struct {
		name    string
		topic   string
		id      uint16
		payload []byte
	}{
		{"small", "hearth/v1/devices/d1/readings", 1, []byte(`{"id":"a"}`)},
		{"two-byte length", "t", 65535, bytes.Repeat([]byte("x"), 200)},
		{"largest payload", "hearth/v1/devices/" + strings.Repeat("d", 40) + "/readings", 300, bytes.Repeat([]byte("y"), maxPayload)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk := decodeWithMochi(t, appendPublish([]byte("junk before"), tt.topic, tt.id, tt.payload)[len("junk before"):])
			if pk.FixedHeader.Qos != 1 || pk.FixedHeader.Retain || pk.FixedHeader.Dup {
				t.Errorf("QoS, retain, dup = %d, %v, %v, want 1, false, false", pk.FixedHeader.Qos, pk.FixedHeader.Retain, pk.FixedHeader.Dup)
			}
			if pk.TopicName != tt.topic || pk.PacketID != tt.id || !bytes.Equal(pk.Payload, tt.payload) {
				t.Errorf("topic, ID, payload = %q, %d, %d bytes, want %q, %d, %d bytes",
					pk.TopicName, pk.PacketID, len(pk.Payload), tt.topic, tt.id, len(tt.payload))
			}
		})
	}
}

func TestEncodeConnectDecodesWithMochi(t *testing.T) {
	tests := []struct {
		name string
		cr   cred
	}{
		{"anonymous", cred{ID: "dev-000001"}},
		{"device credentials", cred{ID: "dev_abc", Secret: "s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeConnect(tt.cr, 1200)
			if err != nil {
				t.Fatal(err)
			}
			pk := decodeWithMochi(t, b)
			got := []any{pk.ProtocolVersion, pk.Connect.Clean, pk.Connect.Keepalive, pk.Connect.ClientIdentifier,
				string(pk.Connect.Username), string(pk.Connect.Password)}
			user := tt.cr.ID
			if tt.cr.Secret == "" {
				user = ""
			}
			want := []any{byte(4), true, uint16(1200), tt.cr.ID, user, tt.cr.Secret}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("CONNECT (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNextPacket(t *testing.T) {
	puback := []byte{0x40, 0x02, 0x01, 0x02}
	tests := []struct {
		name     string
		buf      []byte
		wantType byte
		wantBody []byte
		wantN    int
		wantErr  string
	}{
		{"puback", puback, typePuback, []byte{1, 2}, 4, ""},
		{"first of two", append(append([]byte{}, puback...), 0xd0, 0x00), typePuback, []byte{1, 2}, 4, ""},
		{"pingresp", []byte{0xd0, 0x00}, typePingresp, []byte{}, 2, ""},
		{"header only", []byte{0x40}, 0, nil, 0, errShortPacket.Error()},
		{"body cut", puback[:3], 0, nil, 0, errShortPacket.Error()},
		{"length cut", []byte{0x30, 0x80}, 0, nil, 0, errShortPacket.Error()},
		{"five-byte length", []byte{0x30, 0x80, 0x80, 0x80, 0x80, 0x01}, 0, nil, 0, "malformed remaining length"},
		{"too large", []byte{0x30, 0x80, 0x01}, 0, nil, 0, "packet type 3 of 128 bytes: not one the client expects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, body, n, err := nextPacket(tt.buf)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.wantErr == errShortPacket.Error() && !errors.Is(err, errShortPacket) {
					t.Errorf("err = %v, want errShortPacket", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.wantType || !bytes.Equal(body, tt.wantBody) || n != tt.wantN {
				t.Errorf("nextPacket = %d, %v, %d, want %d, %v, %d", typ, body, n, tt.wantType, tt.wantBody, tt.wantN)
			}
		})
	}
}
