// Package storeerr turns a storage adapter's driver errors into Hearth's
// errors with the messages people read, one way for both adapters (each
// adapter only says which code a driver error has).
package storeerr

import (
	"fmt"

	"github.com/hearth-iot/hearth"
)

// messages are the person-safe messages per code, where the caller gives
// none of its own.
var messages = map[string]string{
	hearth.ECONFLICT:    "that exists already",
	hearth.ENOTFOUND:    "a record it refers to was not found",
	hearth.EINVALID:     "a required value is missing or invalid",
	hearth.EUNAVAILABLE: "the store is busy; try again",
}

// Wrap turns err, from operation op, into a *hearth.Error with code when
// code is not "" (the adapter's classification of err), with the message
// msgs gives for code or else the default one; with code "" it wraps err
// with op as context. Wrap(op, nil, …) is nil.
func Wrap(op string, err error, code string, msgs map[string]string) error {
	if err == nil {
		return nil
	}
	if code == "" {
		return fmt.Errorf("%s: %w", op, err)
	}
	msg, ok := msgs[code]
	if !ok {
		msg = messages[code]
	}
	return &hearth.Error{Code: code, Message: msg, Err: fmt.Errorf("%s: %w", op, err)}
}

// NotFound returns ENOTFOUND with msg, wrapping err with op: for a query
// that found no row.
func NotFound(op string, err error, msg string) error {
	return &hearth.Error{Code: hearth.ENOTFOUND, Message: msg, Err: fmt.Errorf("%s: %w", op, err)}
}
