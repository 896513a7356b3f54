package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/hearth-iot/hearth"
)

// MaxBodySize is the largest API request body accepted, in bytes. Device
// readings have their own limit, hearth.MaxReadingSize.
const MaxBodySize = 64 << 10

// Validator is a request body that can check itself. Valid returns the
// problems found, field name → reason; an empty map means valid.
type Validator interface {
	Valid(ctx context.Context) map[string]string
}

// encode writes v as JSON with the given status.
func encode[T any](w http.ResponseWriter, status int, v T) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failed write means the client is gone
}

// decode reads one JSON object of type T from the request body (at most
// MaxBodySize bytes, no unknown fields) and validates it. The request must
// say Content-Type: application/json: a browser sends a cross-site form
// (text/plain, form-urlencoded or multipart) without asking first, so a
// body of any other type is refused unread, with EMEDIATYPE (415), and a
// form on another site cannot sign a visitor in or act for them. Its errors
// are *hearth.Error (EMEDIATYPE, ETOOLARGE, or EINVALID naming the field
// and the expected type) or *validationError.
func decode[T Validator](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if err := requireJSON(r); err != nil {
		return v, err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if tooLarge(err) {
			return v, jsonError(err)
		}
		return v, hearth.Errorf(hearth.EINVALID, "the body must hold exactly one JSON object, with nothing after it")
	}
	if problems := v.Valid(r.Context()); len(problems) > 0 {
		return v, &validationError{problems: problems}
	}
	return v, nil
}

// requireJSON returns EMEDIATYPE unless r's Content-Type is
// application/json, with or without parameters such as charset.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return nil
	}
	return hearth.Errorf(hearth.EMEDIATYPE, "send the body as JSON with the header Content-Type: application/json")
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// jsonError turns a decoding error into a precise *hearth.Error.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case tooLarge(err):
		return &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("the body is larger than the limit of %d bytes", MaxBodySize), Err: err}
	case errors.Is(err, io.EOF):
		return hearth.Errorf(hearth.EINVALID, "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return hearth.Errorf(hearth.EINVALID, "malformed JSON: the body ends before the object does")
	case errors.As(err, &syntax):
		return hearth.Errorf(hearth.EINVALID, "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ) && typ.Field != "":
		return hearth.FieldError(typ.Field, "must be %s, not %s", jsonType(typ.Type), typ.Value)
	case errors.As(err, &typ):
		return hearth.Errorf(hearth.EINVALID, "the body must be a JSON object, not %s", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return hearth.FieldError(name, "unknown field: check its spelling")
	}
	return &hearth.Error{Code: hearth.EINVALID, Message: "malformed JSON", Err: err}
}

// jsonType names the JSON type that decodes into t.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// validationError carries the problems a Validator found.
type validationError struct{ problems map[string]string }

func (e *validationError) Error() string { return "invalid request body" }

// fieldProblem is one entry of a problem document's errors member.
type fieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *validationError) list() []fieldProblem {
	out := make([]fieldProblem, 0, len(e.problems))
	for f, r := range e.problems {
		out = append(out, fieldProblem{Field: f, Reason: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
