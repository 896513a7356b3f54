package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/ingest"
)

// claimRequest is the body of POST /v1/households/{hh}/devices.
type claimRequest struct {
	Code string `json:"code"`
}

// Valid implements Validator.
func (r claimRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "code", r.Code)
	return p
}

// deviceJSON is a device as members see it: never its credential hash.
type deviceJSON struct {
	ID       string            `json:"id"`
	Model    string            `json:"model"`
	Firmware string            `json:"firmware"`
	Mode     hearth.DeviceMode `json:"mode"`
	Claimed  time.Time         `json:"claimed"`
	// Support is the model's support period and repair information
	// (LIFETIME-CLEAR, REPAIR-INFO); absent without the updates service.
	Support *updates.Support `json:"support,omitempty"`
}

func deviceView(d *hearth.Device) deviceJSON {
	return deviceJSON{ID: d.ID, Model: d.Model, Firmware: d.Firmware, Mode: d.Mode, Claimed: d.Claimed}
}

func (s *server) handleClaimDevice() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[claimRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		d, err := s.Households.ClaimDevice(r.Context(), caller(r), r.PathValue("hh"), req.Code)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, deviceView(d))
	})
}

func (s *server) handleDevices() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds, err := s.Households.Devices(r.Context(), caller(r), r.PathValue("hh"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := make([]deviceJSON, 0, len(ds))
		for i := range ds {
			out = append(out, s.withSupport(deviceView(&ds[i]), ds[i].Model))
		}
		encode(w, http.StatusOK, map[string]any{"devices": out})
	})
}

// handleReissueCredential returns the device's new secret, shown once.
func (s *server) handleReissueCredential() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		secret, err := s.Households.ReissueCredential(r.Context(), caller(r), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, map[string]string{"device_id": id, "secret": secret})
	})
}

func (s *server) handleRevokeCredential() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Households.RevokeCredential(r.Context(), caller(r), r.PathValue("id")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// ingestJSON is the response to a device's reading.
type ingestJSON struct {
	Status    string `json:"status"` // "stored" or "duplicate"
	ReadingID int64  `json:"reading_id,omitempty"`
}

// handleDeviceReading ingests one reading from a device that authenticates
// with "Authorization: Bearer <device secret>": 201 when stored, 200 when
// it is a resend stored already, a problem otherwise.
func (s *server) handleDeviceReading() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dev, err := s.authenticateDevice(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, hearth.MaxReadingSize))
		if err != nil {
			s.writeError(w, r, s.readingBodyError(err))
			return
		}
		res, err := s.Ingest.Ingest(r.Context(), dev, ingest.TransportHTTP, payload)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if res.Duplicate {
			encode(w, http.StatusOK, ingestJSON{Status: "duplicate"})
			return
		}
		encode(w, http.StatusCreated, ingestJSON{Status: "stored", ReadingID: res.ReadingID})
	})
}

// authenticateDevice authenticates the device of the path's {id} by the
// secret in "Authorization: Bearer <device secret>" (see
// ingest.Service.AuthenticateDevice for its errors).
func (s *server) authenticateDevice(r *http.Request) (*hearth.Device, error) {
	secret := bearer(r)
	if secret == "" {
		return nil, hearth.Errorf(hearth.EUNAUTHORIZED, "send the device secret in an Authorization: Bearer header")
	}
	return s.Ingest.AuthenticateDevice(r.Context(), r.PathValue("id"), secret)
}

func (s *server) readingBodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		s.Metrics.ReadingsRefused.WithLabelValues(ingest.TransportHTTP, "too_large").Inc()
		return &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("the reading is larger than the limit of %d bytes", hearth.MaxReadingSize), Err: err}
	}
	return fmt.Errorf("read reading body: %w", err)
}
