package http

import (
	"context"
	"net/http"
	"strconv"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
)

// Firmware updates and support periods (issue 14: SEC-UPDATES,
// FIRMWARE-NOTICE, LIFETIME-CLEAR, REPAIR-INFO). Every route answers 404
// when Config.Updates is nil.

// withSupport adds the device's model support period to v, if the server
// has the updates service.
func (s *server) withSupport(v deviceJSON, model string) deviceJSON {
	if s.Updates != nil {
		if sup, ok := s.Updates.SupportOf(model); ok {
			v.Support = sup
		}
	}
	return v
}

// handleFirmwareImage serves a release's image to a device that was
// offered it, authenticated with "Authorization: Bearer <device secret>".
func (s *server) handleFirmwareImage() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		secret := bearer(r)
		if secret == "" {
			return hearth.Errorf(hearth.EUNAUTHORIZED, "send the device secret in an Authorization: Bearer header")
		}
		dev, err := s.Ingest.AuthenticateDevice(r.Context(), r.PathValue("id"), secret)
		if err != nil {
			return err
		}
		img, err := s.Updates.Image(r.Context(), dev, r.PathValue("version"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		w.WriteHeader(http.StatusOK)
		w.Write(img) // a failed write means the device is gone; it fetches again
		return nil
	})
}

// manualUpdateRequest is the body of POST /v1/devices/{id}/firmware/update.
type manualUpdateRequest struct {
	Version string `json:"version"` // "" for the latest release
}

// Valid implements Validator.
func (r manualUpdateRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.Version != "" && !firmware.ValidVersion(r.Version) {
		p["version"] = "must be MAJOR.MINOR.PATCH, or left out for the latest release"
	}
	return p
}

// handleManualUpdate lets a device's owner update it by hand: 202 with the
// outcome (sent, or pending while the device is not connected).
func (s *server) handleManualUpdate() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[manualUpdateRequest](w, r)
		if err != nil {
			return err
		}
		o, err := s.Updates.ManualUpdate(r.Context(), caller(r), r.PathValue("id"), req.Version)
		if err != nil {
			return err
		}
		encode(w, http.StatusAccepted, o)
		return nil
	})
}

// needUpdates answers 404 when the server has no updates service, and
// writes h's error.
func (s *server) needUpdates(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Updates == nil {
			http.NotFound(w, r)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}
