// Package hearth holds Hearth's domain vocabulary: the people, households,
// devices and readings the backend keeps, the store interfaces every storage
// adapter implements, and the one error type every layer returns.
//
// It imports only the standard library. Adapters (sqlite, mqtt, http) live in
// subpackages and are wired together in cmd/hearth.
package hearth

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the http package.
const (
	EINVALID      = "invalid"                // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"              // no such thing, or the caller may not see it
	EFORBIDDEN    = "forbidden"              // the caller is known but may not do this
	EUNAUTHORIZED = "unauthorized"           // the caller is not authenticated
	ECONFLICT     = "conflict"               // the thing exists already or was used up
	EGONE         = "gone"                   // the thing expired
	ETOOMANY      = "too_many"               // rate limited
	ETOOLARGE     = "too_large"              // the input is over a stated size limit
	EINTERNAL     = "internal"               // anything else; never shown in detail
	EUNAVAILABLE  = "unavailable"            // the server is shutting down or overloaded
	EREFUSED      = "refused"                // refused by policy (for example an undeclared category)
	EMEDIATYPE    = "unsupported_media_type" // the body is not of the media type the route takes
)

// Error is Hearth's domain error. Message is safe to show to a person and
// never contains personal data or secrets; Field names the input field at
// fault, if any; Err is the internal cause, kept for logs and errors.Is.
type Error struct {
	Code    string
	Field   string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	var s string
	if e.Field != "" {
		s = e.Field + ": "
	}
	s += e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID *Error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a
// nil error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the person-safe message of the first *Error in err's
// chain, or "internal error" for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
