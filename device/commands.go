package device

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The command types a device honours (docs/device-protocol.md, "Commands").
const (
	CommandFactoryReset   = "factory-reset"
	CommandSetMode        = "set-mode"
	CommandFirmwareUpdate = "firmware-update"
)

// Command is a command the backend sends on a device's commands topic.
type Command struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Mode     string          `json:"mode,omitempty"`      // set-mode: local-only
	Release  json.RawMessage `json:"release,omitempty"`   // firmware-update: signed release metadata
	ImageURL string          `json:"image_url,omitempty"` // firmware-update: the image's path on the backend's HTTP API
}

// maxCommandID bounds the command ID a device echoes back in an event.
const maxCommandID = 64

// unknownCommandID is the command a command-refused event names when the
// command had no usable ID.
const unknownCommandID = "-"

// validCommandID reports whether id is 1 to maxCommandID characters of
// A-Z a-z 0-9 . _ : + -, as an event's command field must be.
func validCommandID(id string) bool {
	if id == "" || len(id) > maxCommandID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._:+-", c) >= 0) {
			return false
		}
	}
	return true
}

// ParseCommand parses a command payload. It returns an error naming what
// is wrong for a payload that is not one JSON object, lacks an id or type,
// or lacks the fields its type needs. A type it does not know is not an
// error here: the device refuses it with a command-refused event. Fields
// it does not know are ignored, so newer backends can add some.
func ParseCommand(b []byte) (Command, error) {
	var c Command
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("malformed command: %w", err)
	}
	if dec.More() {
		return c, errors.New("malformed command: more than one JSON value")
	}
	switch {
	case !validCommandID(c.ID):
		return c, fmt.Errorf("command id: give 1 to %d characters of A-Z a-z 0-9 . _ : + -", maxCommandID)
	case c.Type == "":
		return c, errors.New("command type: missing")
	case c.Type == CommandSetMode && c.Mode != "local-only":
		return c, fmt.Errorf("set-mode mode %q: only local-only can be set by command; the cloud link is switched back on the device's local API", c.Mode)
	case c.Type == CommandFirmwareUpdate && (len(c.Release) == 0 || c.Release[0] != '{'):
		return c, errors.New("firmware-update release: give the signed release metadata, a JSON object")
	case c.Type == CommandFirmwareUpdate && (len(c.ImageURL) == 0 || c.ImageURL[0] != '/'):
		return c, errors.New("firmware-update image_url: give a path on the backend's HTTP API, starting with /")
	}
	return c, nil
}

// handleCommand honours one command from the commands topic. A malformed
// command or one of an unknown type is refused with a command-refused
// event (naming the command "-" if it had no usable ID), and changes
// nothing.
func (r *Reference) handleCommand(payload []byte) {
	c, err := ParseCommand(payload)
	if err == nil && !knownCommand(c.Type) {
		err = fmt.Errorf("unknown command type %q", c.Type)
	}
	if err != nil {
		id := c.ID
		if !validCommandID(id) {
			id = unknownCommandID
		}
		r.event(Event{Type: "command-refused", Command: id, Reason: eventText(err.Error())})
		return
	}
	switch c.Type {
	case CommandFactoryReset:
		r.FactoryReset() // its announcement failure is logged
	case CommandSetMode:
		r.SetCloud(false)
	case CommandFirmwareUpdate:
		if err := r.startUpdate(c); err != nil {
			r.event(Event{Type: "command-refused", Command: c.ID, Reason: eventText(err.Error())})
		}
	}
}

func knownCommand(t string) bool {
	return t == CommandFactoryReset || t == CommandSetMode || t == CommandFirmwareUpdate
}
