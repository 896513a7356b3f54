package hearth

import "context"

// MaxDeviceEventSize is the largest device event accepted, in bytes, over
// MQTT or HTTP. Larger events are refused with ETOOLARGE.
const MaxDeviceEventSize = 4 << 10

// Device event types (docs/device-protocol.md, "Events").
const (
	// EventFactoryReset: the device reset itself (its button or its local
	// API) and wiped the data it held.
	EventFactoryReset = "factory-reset"
	// EventFirmware: the device installed a firmware release or refused
	// one (Status, Version, Reason, Detail).
	EventFirmware = "firmware"
	// EventCommandRefused: the device did not carry out a command (Command,
	// Reason), such as one of a type it does not know.
	EventCommandRefused = "command-refused"
)

// DeviceEvent is one event a device reports about itself: device data for
// security and lifecycle, never personal data, and not a reading (it does
// not pass the policy gate readings pass). Fields other than Type are set
// only by the types that use them.
type DeviceEvent struct {
	Type    string `json:"type"`
	Status  string `json:"status,omitempty"`  // firmware: "installed" or "refused"
	Version string `json:"version,omitempty"` // firmware: the release's version
	Reason  string `json:"reason,omitempty"`  // firmware refused, command-refused: why, as a code
	Detail  string `json:"detail,omitempty"`  // firmware refused: more about why, for the operator
	Command string `json:"command,omitempty"` // command-refused: the command's ID
}

// DeviceEventHandler handles the events of one type, already validated.
// deviceID is the authenticated device that sent ev. An error with a code
// is the answer the device gets (EINVALID, EREFUSED); any other error is a
// server failure.
type DeviceEventHandler interface {
	HandleDeviceEvent(ctx context.Context, deviceID string, ev DeviceEvent) error
}

// DeviceEventHandlerFunc adapts a function to DeviceEventHandler.
type DeviceEventHandlerFunc func(ctx context.Context, deviceID string, ev DeviceEvent) error

// HandleDeviceEvent calls f.
func (f DeviceEventHandlerFunc) HandleDeviceEvent(ctx context.Context, deviceID string, ev DeviceEvent) error {
	return f(ctx, deviceID, ev)
}

// DeviceCommander sends a command (a JSON object, docs/device-protocol.md
// "Commands") to a device. Command returns ENOTFOUND when the device is not
// connected (or not subscribed to its commands): the command was not sent.
// A nil error means it was handed to the device's connection, not that the
// device carried it out. The MQTT gateway (*mqtt.Broker) implements it.
type DeviceCommander interface {
	Command(ctx context.Context, deviceID string, cmd []byte) error
}
