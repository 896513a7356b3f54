package http

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
)

// Firmware updates and support periods (issue 14: SEC-UPDATES,
// FIRMWARE-NOTICE, LIFETIME-CLEAR, REPAIR-INFO). Every route answers 404
// when Config.Updates is nil.

// maxPublishBody bounds an operator's release upload: the largest image in
// base64, its metadata and the JSON around them.
const maxPublishBody = firmware.MaxImageSize/3*4 + 4 + 2*firmware.MaxMetadataSize

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

// publishRequest is the body of POST /v1/operator/firmware/releases.
type publishRequest struct {
	Metadata json.RawMessage `json:"metadata"` // the signed metadata object, as hearth firmware sign wrote it
	Image    string          `json:"image"`    // the image, base64 (standard, padded)
}

// releaseJSON is a published release as operators see it.
type releaseJSON struct {
	Model       string `json:"model"`
	Version     string `json:"version"`
	SHA256      string `json:"sha256"`
	Length      int64  `json:"length"`
	Expires     string `json:"expires"`
	Substantial bool   `json:"substantial"`
	Notes       string `json:"notes"`
	KeyID       string `json:"key_id"`
	Published   string `json:"published"`
}

func releaseView(r *hearth.FirmwareRelease) releaseJSON {
	return releaseJSON{Model: r.Model, Version: r.Version, SHA256: r.SHA256, Length: r.Length,
		Expires: r.Expires.Format(time.RFC3339), Substantial: r.Substantial, Notes: r.Notes, KeyID: r.KeyID,
		Published: r.Published.Format(time.RFC3339)}
}

// handlePublishRelease stores a signed release after checking it as a
// device would, against the server's trusted firmware keys: 201. Like
// decode, it takes only Content-Type: application/json; its body limit is
// the image's, not MaxBodySize.
func (s *server) handlePublishRelease() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		if err := requireJSON(r); err != nil {
			return err
		}
		var req publishRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPublishBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			if tooLarge(err) {
				return &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("the upload is larger than the limit of %d bytes", maxPublishBody), Err: err}
			}
			return jsonError(err)
		}
		if len(req.Metadata) == 0 {
			return hearth.FieldError("metadata", "required: the signed metadata object")
		}
		img, err := base64.StdEncoding.DecodeString(req.Image)
		if err != nil || len(img) == 0 {
			return hearth.FieldError("image", "required: the image in standard base64")
		}
		rel, err := s.publish(r.Context(), req.Metadata, img)
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, releaseView(rel))
		return nil
	})
}

// publish publishes a signed release checked against the server's trusted
// firmware keys, for the API and the operator console alike: EREFUSED
// when the server trusts no key, else the errors of updates.Publish.
func (s *server) publish(ctx context.Context, metadata, image []byte) (*hearth.FirmwareRelease, error) {
	if len(s.FirmwareKeys) == 0 {
		return nil, hearth.Errorf(hearth.EREFUSED, "the server has no trusted firmware keys: start it with --firmware-keys")
	}
	return s.Updates.Publish(ctx, s.FirmwareKeys, metadata, image)
}

// handleReleases lists published releases, ?model= for one model's.
func (s *server) handleReleases() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		rs, err := s.Updates.Releases(r.Context(), r.URL.Query().Get("model"))
		if err != nil {
			return err
		}
		out := make([]releaseJSON, 0, len(rs))
		for i := range rs {
			out = append(out, releaseView(&rs[i]))
		}
		encode(w, http.StatusOK, map[string]any{"releases": out})
		return nil
	})
}

// rolloutRequest is the body of POST /v1/operator/firmware/rollouts.
type rolloutRequest struct {
	Model   string   `json:"model"`
	Version string   `json:"version"`
	Percent int      `json:"percent"` // 1-100; 0 or absent: every device, unless devices is given
	Devices []string `json:"devices"`
}

// Valid implements Validator.
func (r rolloutRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "model", r.Model)
	required(p, "version", r.Version)
	return p
}

// handleRollout rolls a release out to a model's devices: 202 with each
// device's outcome.
func (s *server) handleRollout() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[rolloutRequest](w, r)
		if err != nil {
			return err
		}
		res, err := s.Updates.Rollout(r.Context(), req.Model, req.Version, updates.Stage{Percent: req.Percent, Devices: req.Devices})
		if err != nil {
			return err
		}
		encode(w, http.StatusAccepted, res)
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

// offerJSON and reportJSON are a device's firmware offers and reports as
// its household sees them.
type offerJSON struct {
	Version string `json:"version"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
	Offered string `json:"offered"`
	Updated string `json:"updated"`
}

// availableJSON is the release a device's owner can install by hand.
type availableJSON struct {
	Version     string `json:"version"`
	Substantial bool   `json:"substantial"`
	Notes       string `json:"notes"`
	Published   string `json:"published"`
}

type reportJSON struct {
	Status   string `json:"status"`
	Version  string `json:"version"`
	Reason   string `json:"reason,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Accepted bool   `json:"accepted"`
	Problem  string `json:"problem,omitempty"`
	At       string `json:"at"`
}

// handleFirmwareStatus answers a household member with the device's
// installed version, its offers and its latest reports.
func (s *server) handleFirmwareStatus() http.Handler {
	return s.needUpdates(func(w http.ResponseWriter, r *http.Request) error {
		st, err := s.Updates.StatusOf(r.Context(), caller(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		offers := make([]offerJSON, 0, len(st.Offers))
		for _, o := range st.Offers {
			offers = append(offers, offerJSON{Version: o.Version, Status: string(o.Status), Reason: o.Reason, Detail: o.Detail,
				Offered: o.Created.Format(time.RFC3339), Updated: o.Updated.Format(time.RFC3339)})
		}
		reports := make([]reportJSON, 0, len(st.Reports))
		for _, p := range st.Reports {
			reports = append(reports, reportJSON{Status: p.Status, Version: p.Version, Reason: p.Reason, Detail: p.Detail,
				Accepted: p.Accepted, Problem: p.Problem, At: p.At.Format(time.RFC3339)})
		}
		var available *availableJSON
		if a := st.Available; a != nil {
			available = &availableJSON{Version: a.Version, Substantial: a.Substantial, Notes: a.Notes, Published: a.Published.Format(time.RFC3339)}
		}
		encode(w, http.StatusOK, map[string]any{"installed": st.Installed, "available": available, "offers": offers, "reports": reports})
		return nil
	})
}
