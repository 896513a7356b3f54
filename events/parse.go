package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
)

// Bounds on an event's fields.
const (
	// MaxTokenLength bounds a version and a command ID.
	MaxTokenLength = 64
	// MaxTextLength bounds a reason of command-refused and a detail.
	MaxTextLength = 256
)

// FirmwareRefusals are the reasons a device may give for refusing a
// firmware release (docs/device-protocol.md).
var FirmwareRefusals = []string{"unsigned", "wrong-key", "modified", "older-version", "expired"}

// Parse parses and validates one event strictly. It returns ETOOLARGE
// (Field "event") for an event over hearth.MaxDeviceEventSize, and
// EINVALID with the field at fault ("event" for the document as a whole)
// for anything else wrong: not one JSON object of string values, invalid
// UTF-8, a key twice, an unknown field or one its type does not take, a
// missing type, or a field out of its bounds (see the checks of each type
// in docs/device-protocol.md). A type Parse does not know keeps only the
// field "type"; whether any handler takes it is the Dispatcher's decision.
func Parse(data []byte) (hearth.DeviceEvent, error) {
	var ev hearth.DeviceEvent
	if len(data) > hearth.MaxDeviceEventSize {
		return ev, &hearth.Error{Code: hearth.ETOOLARGE, Field: "event",
			Message: fmt.Sprintf("the event is %d bytes; the limit is %d", len(data), hearth.MaxDeviceEventSize)}
	}
	if !utf8.Valid(data) {
		return ev, hearth.FieldError("event", "the event is not valid UTF-8")
	}
	fields, err := decodeFlat(data)
	if err != nil {
		return ev, err
	}
	ev = hearth.DeviceEvent{Type: fields["type"], Status: fields["status"], Version: fields["version"],
		Reason: fields["reason"], Detail: fields["detail"], Command: fields["command"]}
	if ev.Type == "" {
		return ev, hearth.FieldError("type", "give the event's type, such as %q", hearth.EventFactoryReset)
	}
	if err := allowed(ev.Type, fields); err != nil {
		return ev, err
	}
	return ev, validate(&ev)
}

// fieldsOf lists the fields each known type takes besides "type".
var fieldsOf = map[string][]string{
	hearth.EventFactoryReset:   nil,
	hearth.EventFirmware:       {"status", "version", "reason", "detail"},
	hearth.EventCommandRefused: {"command", "reason"},
}

// known are the fields of any type.
var known = map[string]bool{"type": true, "status": true, "version": true, "reason": true, "detail": true, "command": true}

// allowed refuses a field the event's type does not take.
func allowed(typ string, fields map[string]string) error {
	take, ok := fieldsOf[typ]
	for k := range fields {
		if k == "type" {
			continue
		}
		if !ok || !slices.Contains(take, k) {
			return hearth.FieldError(k, "an event of type %q has no field %q", truncate(typ), k)
		}
	}
	return nil
}

// validate checks the fields of the known types.
func validate(ev *hearth.DeviceEvent) error {
	switch ev.Type {
	case hearth.EventFirmware:
		return validateFirmware(ev)
	case hearth.EventCommandRefused:
		if err := tokenField("command", ev.Command); err != nil {
			return err
		}
		return textField("reason", ev.Reason, true)
	}
	return nil
}

func validateFirmware(ev *hearth.DeviceEvent) error {
	if err := tokenField("version", ev.Version); err != nil {
		return err
	}
	switch ev.Status {
	case "installed":
		if ev.Reason != "" || ev.Detail != "" {
			return hearth.FieldError("reason", "an installed release has no reason or detail")
		}
		return nil
	case "refused":
		if !slices.Contains(FirmwareRefusals, ev.Reason) {
			return hearth.FieldError("reason", "give why the release was refused: one of %q", FirmwareRefusals)
		}
		return textField("detail", ev.Detail, false)
	case "":
		return hearth.FieldError("status", "give the firmware status: \"installed\" or \"refused\"")
	}
	return hearth.FieldError("status", "must be \"installed\" or \"refused\", not %q", truncate(ev.Status))
}

// tokenField checks a required field of 1 to MaxTokenLength characters
// of A-Z a-z 0-9 . _ : + -.
func tokenField(name, v string) error {
	if v == "" || len(v) > MaxTokenLength {
		return hearth.FieldError(name, "give 1 to %d characters", MaxTokenLength)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '+' || c == '-') {
			return hearth.FieldError(name, "may hold only A-Z a-z 0-9 . _ : + -")
		}
	}
	return nil
}

// textField checks a field of at most MaxTextLength bytes without control
// characters, not empty when required.
func textField(name, v string, required bool) error {
	if required && v == "" {
		return hearth.FieldError(name, "give the reason")
	}
	if len(v) > MaxTextLength {
		return hearth.FieldError(name, "must be at most %d bytes", MaxTextLength)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return hearth.FieldError(name, "must not hold control characters")
		}
	}
	return nil
}

// decodeFlat decodes one JSON object whose values are all strings, with
// each key once and only the known keys, and nothing after it.
func decodeFlat(data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, hearth.FieldError("event", "the event must be one JSON object")
	}
	fields := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		k, _ := t.(string) // inside an object, a key is always a string
		if !known[k] {
			return nil, hearth.FieldError("event", "unknown field %q", truncate(k))
		}
		if _, dup := fields[k]; dup {
			return nil, hearth.FieldError("event", "the key %q appears twice; send each key once", k)
		}
		t, err = dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		v, ok := t.(string)
		if !ok {
			return nil, hearth.FieldError(k, "must be a string")
		}
		fields[k] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, hearth.FieldError("event", "the event must be one JSON object, with nothing after it")
	}
	return fields, nil
}

func malformed(err error) error {
	return &hearth.Error{Code: hearth.EINVALID, Field: "event", Message: "malformed JSON: " + err.Error(), Err: err}
}

// truncate shortens a device-sent value for an error message.
func truncate(s string) string {
	if len(s) > MaxTokenLength {
		return s[:MaxTokenLength] + "..."
	}
	return s
}
