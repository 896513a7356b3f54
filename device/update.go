package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// MaxImageSize bounds a firmware image the device downloads.
const MaxImageSize = 16 << 20

// updateTimeout bounds one firmware update: download, verification and
// installation.
const updateTimeout = 5 * time.Minute

// The reasons a device refuses firmware (docs/device-protocol.md, event
// "firmware", status "refused").
const (
	RefusedUnsigned     = "unsigned"
	RefusedWrongKey     = "wrong-key"
	RefusedModified     = "modified"
	RefusedOlderVersion = "older-version"
	RefusedExpired      = "expired"
)

// Verifier checks a firmware release before the device installs it.
type Verifier interface {
	// Verify checks the signed release metadata and the image against the
	// installed version at time now, and returns the version to install.
	// It returns the release's version, if the metadata names one, with an
	// error when the release must not be installed; an error that is a
	// *Refusal names the reason.
	Verify(release, image []byte, installed string, now time.Time) (version string, err error)
}

// Refusal is why a Verifier refused a release: Reason is one of the
// Refused* constants, Detail says more.
type Refusal struct {
	Reason string
	Detail string
}

func (e *Refusal) Error() string { return "firmware refused: " + e.Reason + ": " + e.Detail }

// UpdateStatus is the state of the device's firmware update, shown by the
// local API.
type UpdateStatus struct {
	// Status is "" before any update, "in-progress" during one, then
	// "installed" or "refused".
	Status  string `json:"status,omitempty"`
	Version string `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// startUpdate starts a firmware update in the background: the device keeps
// taking readings and serving its local API meanwhile. It returns an error
// if the device cannot start one now.
func (r *Reference) startUpdate(c Command) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.resetting:
		return errResetting
	case r.cfg.Verifier == nil:
		return errors.New("this device has no firmware verifier")
	case r.st.API == "":
		return errors.New("no backend API URL to fetch the image from")
	case r.update.Status == "in-progress":
		return errors.New("a firmware update is in progress")
	}
	r.update = UpdateStatus{Status: "in-progress"}
	go r.runUpdate(c)
	return nil
}

// runUpdate fetches, verifies and installs one release, and reports the
// result in a firmware event (or command-refused if the image could not
// be fetched).
func (r *Reference) runUpdate(c Command) {
	ctx, cancel := context.WithTimeout(context.Background(), updateTimeout)
	defer cancel()
	image, err := r.fetchImage(ctx, c.ImageURL)
	if err != nil {
		r.finishUpdate(UpdateStatus{Status: "refused", Detail: err.Error()})
		r.event(Event{Type: "command-refused", Command: c.ID, Reason: err.Error()})
		return
	}
	r.mu.Lock()
	installed := r.st.Firmware
	r.mu.Unlock()
	version, err := r.cfg.Verifier.Verify(c.Release, image, installed, r.cfg.Now())
	if err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			r.finishUpdate(UpdateStatus{Status: "refused", Version: version, Detail: err.Error()})
			r.event(Event{Type: "command-refused", Command: c.ID, Reason: err.Error()})
			return
		}
		r.finishUpdate(UpdateStatus{Status: "refused", Version: version, Reason: ref.Reason, Detail: ref.Detail})
		r.event(Event{Type: "firmware", Status: "refused", Version: version, Reason: ref.Reason, Detail: ref.Detail})
		return
	}
	if err := r.install(version, image); err != nil {
		r.finishUpdate(UpdateStatus{Status: "refused", Version: version, Detail: err.Error()})
		r.event(Event{Type: "command-refused", Command: c.ID, Reason: err.Error()})
		return
	}
	r.finishUpdate(UpdateStatus{Status: "installed", Version: version})
	r.event(Event{Type: "firmware", Status: "installed", Version: version})
}

func (r *Reference) finishUpdate(u UpdateStatus) {
	r.mu.Lock()
	r.update = u
	r.mu.Unlock()
}

// fetchImage downloads the image at path on the backend's HTTP API with
// the device's credential, at most MaxImageSize bytes.
func (r *Reference) fetchImage(ctx context.Context, path string) ([]byte, error) {
	r.mu.Lock()
	url, secret := strings.TrimSuffix(r.st.API, "/")+path, r.st.Secret
	r.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch firmware image: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := r.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch firmware image: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch firmware image: %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxImageSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("fetch firmware image: %w", err)
	case len(b) > MaxImageSize:
		return nil, fmt.Errorf("fetch firmware image: larger than %d bytes", MaxImageSize)
	}
	return b, nil
}

// install writes the verified image to ImageFile and records its version
// in the state file.
func (r *Reference) install(version string, image []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.resetting {
		return errResetting
	}
	if err := writeFileAtomic(filepath.Join(r.cfg.Dir, ImageFile), image); err != nil {
		return fmt.Errorf("install firmware %s: %w", version, err)
	}
	old := r.st.Firmware
	r.st.Firmware = version
	if err := saveState(r.cfg.Dir, r.st); err != nil {
		r.st.Firmware = old
		return fmt.Errorf("install firmware %s: %w", version, err)
	}
	r.telemetry.firmware = version
	return nil
}
