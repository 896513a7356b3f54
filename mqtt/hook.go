package mqtt

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/metrics"
)

// Topic scheme.
const (
	topicPrefix    = "hearth/v1/devices/"
	readingsSuffix = "/readings"
	commandsSuffix = "/commands"
)

// ReadingsTopic returns the topic a device publishes its readings to.
func ReadingsTopic(deviceID string) string { return topicPrefix + deviceID + readingsSuffix }

// CommandsTopic returns the topic a device subscribes to for commands.
func CommandsTopic(deviceID string) string { return topicPrefix + deviceID + commandsSuffix }

// hook is the broker's one hook: it authenticates devices, confines them to
// their own topics and sends every publish through the ingest service.
type hook struct {
	mochi.HookBase
	ingest  *ingest.Service
	metrics *metrics.Metrics
	log     *slog.Logger
	devices sync.Map // *mochi.Client -> *hearth.Device, for connected, authenticated clients
}

// ID implements mochi.Hook.
func (h *hook) ID() string { return "hearth" }

// Provides implements mochi.Hook.
func (h *hook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mochi.OnConnect, mochi.OnConnectAuthenticate, mochi.OnACLCheck,
		mochi.OnPublish, mochi.OnDisconnect,
	}, []byte{b})
}

// OnConnect caps the keepalive, so half-open connections are reaped.
func (h *hook) OnConnect(cl *mochi.Client, pk packets.Packet) error {
	if ka := cl.State.Keepalive; ka == 0 || ka > MaxKeepalive {
		cl.State.Keepalive = MaxKeepalive
		cl.State.ServerKeepalive = true
	}
	return nil
}

// OnConnectAuthenticate admits a client whose client ID equals its username,
// a device ID, and whose password is that device's secret. A refusal makes
// the broker send CONNACK "bad username or password" (MQTT 5: 0x86; 3.1.1:
// 0x05 not authorized), the same for every reason (SEC-BRUTE).
func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user := string(pk.Connect.Username)
	if user == "" || cl.ID != user {
		h.metrics.AuthFailures.WithLabelValues("device", "client_id_mismatch").Inc()
		return false
	}
	dev, err := h.ingest.AuthenticateDevice(context.Background(), user, string(pk.Connect.Password))
	if err != nil {
		if c := hearth.ErrorCode(err); c != hearth.EUNAUTHORIZED && c != hearth.ETOOMANY {
			h.log.Error("mqtt device authentication failed", "err", err)
		}
		return false
	}
	atomic.StoreUint32(&cl.Properties.Will.Flag, 0) // wills would bypass the gate
	if _, loaded := h.devices.Swap(cl, dev); !loaded {
		h.metrics.ConnectedDevices.Inc()
	}
	return true
}

// OnDisconnect forgets the client and counts it out.
func (h *hook) OnDisconnect(cl *mochi.Client, err error, expire bool) {
	if _, ok := h.devices.LoadAndDelete(cl); ok {
		h.metrics.ConnectedDevices.Dec()
	}
}

// OnACLCheck lets an authenticated device publish only to its own readings
// topic and subscribe only to its own commands topic (SEC-AUTHZ).
func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	v, ok := h.devices.Load(cl)
	if !ok {
		return false
	}
	id := v.(*hearth.Device).ID
	if write {
		return topic == ReadingsTopic(id)
	}
	return topic == CommandsTopic(id)
}

// OnPublish ingests a reading and blocks until it is durably committed, so
// the PUBACK the broker sends after it returns acknowledges stored data
// only. A stored or duplicate reading is acknowledged and not forwarded to
// anyone; a refused one, or one the server failed to store, is refused (see
// refuse).
func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	v, ok := h.devices.Load(cl)
	if !ok { // unreachable: the ACL check runs first
		return pk, packets.ErrRejectPacket
	}
	_, err := h.ingest.Ingest(context.Background(), v.(*hearth.Device), ingest.TransportMQTT, pk.Payload)
	if err != nil {
		return pk, h.refuse(cl, pk, err)
	}
	return pk, packets.CodeSuccessIgnore // acknowledge, never forward
}

// refuse returns the hook error that refuses a publish: for an MQTT 5 QoS 1
// publish, the PUBACK reason code for err; otherwise ErrRejectPacket, which
// sends no PUBACK (any other error would be acknowledged and forwarded).
func (h *hook) refuse(cl *mochi.Client, pk packets.Packet, err error) error {
	code := hearth.ErrorCode(err)
	if code == hearth.EINTERNAL || code == hearth.EUNAVAILABLE {
		h.log.Warn("mqtt reading not stored", "code", code, "err", err)
	}
	if cl.Properties.ProtocolVersion < 5 || pk.FixedHeader.Qos == 0 {
		return packets.ErrRejectPacket
	}
	return reasonCode(err)
}

// reasonCode maps an ingest error to an MQTT 5 PUBACK reason code.
func reasonCode(err error) packets.Code {
	switch hearth.ErrorCode(err) {
	case hearth.EREFUSED:
		return packets.ErrNotAuthorized
	case hearth.EINVALID:
		return packets.ErrPayloadFormatInvalid
	case hearth.ETOOLARGE:
		return packets.ErrPacketTooLarge
	}
	return packets.ErrUnspecifiedError // the server failed: not stored
}
