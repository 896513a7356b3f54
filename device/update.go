package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hearth-iot/hearth/firmware"
)

// updateTimeout bounds one firmware update: download, verification and
// installation.
const updateTimeout = 5 * time.Minute

// eventReasons are the firmware refusal reasons a firmware event carries
// (docs/device-protocol.md, "Events"); the device reports any other
// refusal, such as metadata that does not parse, as command-refused.
var eventReasons = []firmware.Reason{firmware.ReasonUnsigned, firmware.ReasonWrongKey,
	firmware.ReasonModified, firmware.ReasonOlderVersion, firmware.ReasonExpired}

// UpdateStatus is the state of the device's firmware update, shown by the
// local API.
type UpdateStatus struct {
	// Status is "" before any update, "in-progress" during one, then
	// "installed" or "refused".
	Status  string `json:"status,omitempty"`
	Version string `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"` // a firmware.Reason, when the release itself was refused
	Detail  string `json:"detail,omitempty"`
}

// startUpdate starts a firmware update in the background: the device keeps
// taking readings and serving its local API meanwhile. It returns an error
// if the device cannot start one now.
func (r *Reference) startUpdate(c Command) error {
	if err := r.lockLive(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	switch {
	case len(r.cfg.TrustedKeys) == 0:
		return errors.New("this device trusts no firmware signing key")
	case r.st.API == "":
		return errors.New("no backend API URL to fetch the image from")
	case r.update.Status == "in-progress":
		return errors.New("a firmware update is in progress")
	}
	r.update = UpdateStatus{Status: "in-progress"}
	go r.runUpdate(c)
	return nil
}

// runUpdate verifies the release metadata, fetches the image, verifies it
// and installs it (docs/device-protocol.md, "Commands"), and reports the
// result: a firmware event, or command-refused when the device could not
// get as far as judging the release.
func (r *Reference) runUpdate(c Command) {
	ctx, cancel := context.WithTimeout(context.Background(), updateTimeout)
	defer cancel()
	r.mu.Lock()
	installed, model := r.st.Firmware, r.st.Model
	r.mu.Unlock()
	rel, err := firmware.VerifyMetadata(r.cfg.TrustedKeys, c.Release, installed, r.cfg.Now())
	if err != nil {
		r.refuseRelease(c, err)
		return
	}
	if rel.Model != model {
		r.refuseCommand(c, rel.Version, fmt.Errorf("the release is for model %s; this device is a %s", rel.Model, model))
		return
	}
	image, err := r.fetchImage(ctx, c.ImageURL, rel.Length)
	if err != nil {
		r.refuseCommand(c, rel.Version, err)
		return
	}
	if err := firmware.VerifyImage(rel, image); err != nil {
		r.refuseRelease(c, err)
		return
	}
	if err := r.install(rel.Version, image); err != nil {
		r.refuseCommand(c, rel.Version, err)
		return
	}
	r.finishUpdate(UpdateStatus{Status: "installed", Version: rel.Version})
	r.event(Event{Type: "firmware", Status: "installed", Version: rel.Version})
}

// refuseRelease reports a release the firmware package refused: a firmware
// event with its reason, or command-refused for a reason the event does
// not carry.
func (r *Reference) refuseRelease(c Command, err error) {
	var ref *firmware.Refusal
	version := releaseVersion(c.Release)
	if !errors.As(err, &ref) || !slices.Contains(eventReasons, ref.Reason) || version == "" {
		r.refuseCommand(c, version, err)
		return
	}
	detail := eventText(ref.Detail)
	r.finishUpdate(UpdateStatus{Status: "refused", Version: version, Reason: string(ref.Reason), Detail: detail})
	r.event(Event{Type: "firmware", Status: "refused", Version: version, Reason: string(ref.Reason), Detail: detail})
}

// refuseCommand reports a firmware-update the device could not carry out.
func (r *Reference) refuseCommand(c Command, version string, err error) {
	reason := eventText(err.Error())
	r.finishUpdate(UpdateStatus{Status: "refused", Version: version, Detail: reason})
	r.event(Event{Type: "command-refused", Command: c.ID, Reason: reason})
}

// releaseVersion returns the version release metadata names, or "" if it
// does not parse.
func releaseVersion(release []byte) string {
	m, err := firmware.Parse(release)
	if err != nil {
		return ""
	}
	return m.Signed.Version
}

func (r *Reference) finishUpdate(u UpdateStatus) {
	r.mu.Lock()
	r.update = u
	r.mu.Unlock()
}

// fetchImage downloads the image at path on the backend's HTTP API with
// the device's credential, at most length+1 bytes: a longer image is
// refused by VerifyImage as modified.
func (r *Reference) fetchImage(ctx context.Context, path string, length int64) ([]byte, error) {
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, length+1))
	if err != nil {
		return nil, fmt.Errorf("fetch firmware image: %w", err)
	}
	return b, nil
}

// install writes the verified image to ImageFile and records its version
// in the state file.
func (r *Reference) install(version string, image []byte) error {
	if err := r.lockLive(); err != nil {
		return err
	}
	defer r.mu.Unlock()
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
