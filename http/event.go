package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hearth-iot/hearth"
)

// EventReceiver validates and handles an event a device reports about
// itself; *events.Dispatcher satisfies it.
type EventReceiver interface {
	Receive(ctx context.Context, dev *hearth.Device, payload []byte) error
}

// handleDeviceEvent takes one event from a device that authenticates with
// "Authorization: Bearer <device secret>", as the readings route does:
// 204 once handled, a problem otherwise (400 malformed or unknown type,
// 413 over hearth.MaxDeviceEventSize).
func (s *server) handleDeviceEvent() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Events == nil {
			http.NotFound(w, r)
			return
		}
		dev, err := s.authenticateDevice(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, hearth.MaxDeviceEventSize))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				err = &hearth.Error{Code: hearth.ETOOLARGE, Field: "event", Message: fmt.Sprintf("the event is larger than the limit of %d bytes", hearth.MaxDeviceEventSize), Err: err}
			}
			s.writeError(w, r, err)
			return
		}
		if err := s.Events.Receive(r.Context(), dev, payload); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
