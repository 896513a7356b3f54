package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
)

// MaxIDLength is the longest device message ID, category ID or person ID a
// payload may carry.
const MaxIDLength = 64

// Payload is a validated reading payload, as a device sends it over MQTT or
// HTTP (see docs/device-protocol.md).
type Payload struct {
	ID       string    // the device's message ID: unique per device
	Time     time.Time // when the reading was taken, with the device's offset
	Category string    // a data category ID
	Person   string    // the person the reading is about; "" for the household
	Inferred bool      // an inference, not an observation
	Values   []byte    // the compact JSON of the values object; never empty
}

// wirePayload is the JSON form; pointers tell missing fields from zero ones.
type wirePayload struct {
	ID       *string         `json:"id"`
	Time     *string         `json:"time"`
	Category *string         `json:"category"`
	Person   *string         `json:"person"`
	Inferred *bool           `json:"inferred"`
	Values   json.RawMessage `json:"values"`
}

// ParsePayload parses and validates one reading payload strictly. It is
// pure: it does not look at the clock or at the manifest. It returns
// ETOOLARGE for a payload over hearth.MaxReadingSize, and EINVALID with the
// field at fault ("payload" for the document as a whole) for malformed JSON,
// a wrong type, an unknown or missing field, an ID, category or person that
// is not 1-64 characters of [A-Za-z0-9._:-], a time that is not RFC 3339
// with an offset, values that are not a non-empty JSON object, values
// holding invalid UTF-8, or a key repeated in one object anywhere in the
// payload (encoding/json would keep the last; Hearth keeps neither).
func ParsePayload(data []byte) (Payload, error) {
	if len(data) > hearth.MaxReadingSize {
		return Payload{}, &hearth.Error{Code: hearth.ETOOLARGE, Field: "payload",
			Message: fmt.Sprintf("payload is %d bytes; the limit is %d", len(data), hearth.MaxReadingSize)}
	}
	w, err := decodeWire(data)
	if err != nil {
		return Payload{}, err
	}
	return w.validate()
}

// decodeWire decodes a payload: the plain form by decodeFast, anything
// else by encoding/json, strictly.
func decodeWire(data []byte) (*wirePayload, error) {
	if w, ok := decodeFast(data); ok {
		return w, nil
	}
	if json.Valid(data) {
		if k, dup := duplicateKey(data); dup {
			return nil, hearth.FieldError("payload", "the key %q appears twice in one object; send each key once", truncate(k))
		}
	}
	return decodeJSON(data)
}

// truncate shortens a device-sent key for an error message.
func truncate(s string) string {
	if len(s) > MaxIDLength {
		return s[:MaxIDLength] + "..."
	}
	return s
}

// decodeJSON decodes a payload with encoding/json, rejecting unknown
// fields and trailing data with precise errors.
func decodeJSON(data []byte) (*wirePayload, error) {
	var w wirePayload
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, hearth.FieldError("payload", "payload must be exactly one JSON object")
	}
	return &w, nil
}

// decodeError turns an encoding/json error into a precise field error.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &hearth.Error{Code: hearth.EINVALID, Field: typeErr.Field,
			Message: fmt.Sprintf("must be a JSON %s, not %s", wantType(typeErr.Field), typeErr.Value), Err: err}
	case errors.As(err, &typeErr):
		return &hearth.Error{Code: hearth.EINVALID, Field: "payload",
			Message: fmt.Sprintf("payload must be a JSON object, not %s", typeErr.Value), Err: err}
	case errors.As(err, &syntaxErr):
		return &hearth.Error{Code: hearth.EINVALID, Field: "payload",
			Message: fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset), Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &hearth.Error{Code: hearth.EINVALID, Field: "payload", Message: "payload is empty or truncated JSON", Err: err}
	}
	if f, ok := unknownField(err); ok && f != "" {
		return &hearth.Error{Code: hearth.EINVALID, Field: f, Message: "unknown field", Err: err}
	} else if ok {
		return &hearth.Error{Code: hearth.EINVALID, Field: "payload", Message: `unknown field ""`, Err: err}
	}
	return &hearth.Error{Code: hearth.EINVALID, Field: "payload", Message: "malformed JSON", Err: err}
}

func wantType(field string) string {
	switch field {
	case "inferred":
		return "boolean"
	case "values":
		return "object"
	}
	return "string"
}

// unknownField extracts the name from encoding/json's unknown field error,
// which has no type of its own.
func unknownField(err error) (string, bool) {
	var name string
	if _, scanErr := fmt.Sscanf(err.Error(), "json: unknown field %q", &name); scanErr != nil {
		return "", false
	}
	return name, true
}

func (w *wirePayload) validate() (Payload, error) {
	var p Payload
	var err error
	if p.ID, err = token("id", w.ID, true); err != nil {
		return Payload{}, err
	}
	if p.Time, err = parseTime(w.Time); err != nil {
		return Payload{}, err
	}
	if p.Category, err = token("category", w.Category, true); err != nil {
		return Payload{}, err
	}
	if p.Person, err = token("person", w.Person, false); err != nil {
		return Payload{}, err
	}
	if w.Inferred != nil {
		p.Inferred = *w.Inferred
	}
	if p.Values, err = compactValues(w.Values); err != nil {
		return Payload{}, err
	}
	return p, nil
}

// token validates an identifier field: 1-64 characters of [A-Za-z0-9._:-].
func token(field string, v *string, required bool) (string, error) {
	if v == nil {
		if required {
			return "", hearth.FieldError(field, "is required")
		}
		return "", nil
	}
	s := *v
	if len(s) == 0 || len(s) > MaxIDLength {
		return "", hearth.FieldError(field, "must be 1 to %d characters", MaxIDLength)
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return "", hearth.FieldError(field, "may contain only letters, digits and . _ : -")
		}
	}
	return s, nil
}

func tokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == ':' || c == '-'
}

func parseTime(v *string) (time.Time, error) {
	if v == nil {
		return time.Time{}, hearth.FieldError("time", "is required")
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return time.Time{}, &hearth.Error{Code: hearth.EINVALID, Field: "time",
			Message: "must be an RFC 3339 time with an offset, such as 2026-01-02T15:04:05Z or 2026-01-02T15:04:05+01:00", Err: err}
	}
	return t, nil
}

func compactValues(raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return nil, hearth.FieldError("values", "is required")
	}
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 || raw[0] != '{' {
		return nil, hearth.FieldError("values", "must be a JSON object")
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return nil, &hearth.Error{Code: hearth.EINVALID, Field: "values", Message: "malformed JSON", Err: err}
	}
	if buf.Len() == 2 { // "{}"
		return nil, hearth.FieldError("values", "must not be empty")
	}
	if !utf8.Valid(buf.Bytes()) {
		return nil, hearth.FieldError("values", "holds text that is not valid UTF-8")
	}
	if k, dup := duplicateKey(buf.Bytes()); dup {
		return nil, hearth.FieldError("values", "the key %q appears twice in one object; send each key once", truncate(k))
	}
	return buf.Bytes(), nil
}
