package updates

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/policy"
)

// MaxStageDevices is the most devices a staged rollout may list.
const MaxStageDevices = 1000

// Stage says which devices of a model a rollout reaches: Devices, if
// given, lists them; otherwise Percent of them (1 to 100; 0 means 100),
// chosen by a hash of the device ID and the version, so that raising the
// percentage of the same release keeps the devices it reached already.
type Stage struct {
	Percent int
	Devices []string
}

// Outcome is what happened to one device in a rollout or manual update.
type Outcome struct {
	DeviceID string             `json:"device_id"`
	Status   hearth.OfferStatus `json:"status,omitempty"` // sent or pending; "" if skipped
	Note     string             `json:"note,omitempty"`   // why it is pending or skipped
}

// Rollout is the result of rolling a release out.
type Rollout struct {
	Model    string    `json:"model"`
	Version  string    `json:"version"`
	Notified int       `json:"notified"` // people told beforehand of a substantial release
	Devices  []Outcome `json:"devices"`
}

// Rollout offers a model's release to the devices Stage selects: for a
// substantial release it first notifies every member of their households
// with the release notes (FIRMWARE-NOTICE), then records an offer per
// device and sends it a firmware-update command. A device that is not
// connected keeps a pending offer (Deliver sends it later); a device
// with this version or a higher one installed is skipped. Errors:
// ENOTFOUND for an unknown release; EGONE if its metadata expired;
// EINVALID for a bad stage or a listed device that is not of the model.
func (s *Service) Rollout(ctx context.Context, model, version string, st Stage) (*Rollout, error) {
	rel, err := s.liveRelease(ctx, model, version)
	if err != nil {
		return nil, err
	}
	devs, err := s.staged(ctx, model, version, st)
	if err != nil {
		return nil, err
	}
	out := &Rollout{Model: model, Version: version, Devices: []Outcome{}}
	var targets []hearth.Device
	for _, d := range devs {
		if c, err := firmware.CompareVersions(d.Firmware, version); err == nil && c >= 0 {
			out.Devices = append(out.Devices, Outcome{DeviceID: d.ID, Note: "has " + d.Firmware + " installed"})
			continue
		}
		targets = append(targets, d)
	}
	if out.Notified, err = s.noticeSubstantial(ctx, rel, targets); err != nil {
		return nil, err
	}
	for i := range targets {
		o, err := s.offer(ctx, rel, &targets[i])
		if err != nil {
			return nil, err
		}
		out.Devices = append(out.Devices, o)
	}
	return out, nil
}

// liveRelease returns a release whose metadata has not expired.
func (s *Service) liveRelease(ctx context.Context, model, version string) (*hearth.FirmwareRelease, error) {
	rel, err := s.store.FirmwareRelease(ctx, model, version)
	if err != nil {
		return nil, err
	}
	if !s.clock().Before(rel.Expires) {
		return nil, hearth.Errorf(hearth.EGONE, "the metadata of %s %s expired at %s: sign and publish a new release", model, version, rel.Expires.Format(time.RFC3339))
	}
	return rel, nil
}

// staged returns the devices of model that st selects.
func (s *Service) staged(ctx context.Context, model, version string, st Stage) ([]hearth.Device, error) {
	switch {
	case len(st.Devices) > 0 && st.Percent != 0:
		return nil, hearth.FieldError("percent", "give a percentage or a list of devices, not both")
	case st.Percent < 0 || st.Percent > 100:
		return nil, hearth.FieldError("percent", "%d is not between 1 and 100", st.Percent)
	case len(st.Devices) > MaxStageDevices:
		return nil, hearth.FieldError("devices", "%d devices, over the limit of %d", len(st.Devices), MaxStageDevices)
	}
	if len(st.Devices) > 0 {
		return s.listed(ctx, model, st.Devices)
	}
	all, err := s.store.DevicesOfModel(ctx, model)
	if err != nil {
		return nil, fmt.Errorf("list devices of %s: %w", model, err)
	}
	if st.Percent == 0 || st.Percent == 100 {
		return all, nil
	}
	var out []hearth.Device
	for _, d := range all {
		if bucket(model, version, d.ID) < st.Percent {
			out = append(out, d)
		}
	}
	return out, nil
}

// listed returns the listed devices, each of which must exist and be of
// model; a device listed twice is taken once.
func (s *Service) listed(ctx context.Context, model string, ids []string) ([]hearth.Device, error) {
	seen := map[string]bool{}
	var out []hearth.Device
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := s.store.Device(ctx, id)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return nil, hearth.FieldError("devices", "no device %q", id)
		}
		if err != nil {
			return nil, err
		}
		if d.Model != model {
			return nil, hearth.FieldError("devices", "device %s is a %s, not a %s", id, d.Model, model)
		}
		out = append(out, *d)
	}
	return out, nil
}

// bucket places a device in 0..99 for a release, stably.
func bucket(model, version, deviceID string) int {
	sum := sha256.Sum256([]byte(model + "\x00" + version + "\x00" + deviceID))
	return int(binary.BigEndian.Uint64(sum[:8]) % 100)
}

// ManualUpdate is an owner updating their device by hand: it offers the
// device version of its model's releases ("" for the highest published)
// and sends the command at once; for a substantial release the household's
// members are notified first. Errors: ENOTFOUND for a device the caller
// does not see or a release that does not exist; EFORBIDDEN for a member
// who is not an owner; ECONFLICT if the device has that version or a
// higher one; EGONE if the release's metadata expired.
func (s *Service) ManualUpdate(ctx context.Context, caller, deviceID, version string) (*Outcome, error) {
	dev, err := s.owned(ctx, caller, deviceID)
	if err != nil {
		return nil, s.refuseRequest(ctx, caller, deviceID, err)
	}
	if version == "" {
		if version, err = s.latest(ctx, dev.Model); err != nil {
			return nil, err
		}
	}
	rel, err := s.liveRelease(ctx, dev.Model, version)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "%s has no release %s", dev.Model, version)
	}
	if err != nil {
		return nil, err
	}
	if c, err := firmware.CompareVersions(dev.Firmware, version); err == nil && c >= 0 {
		return nil, hearth.Errorf(hearth.ECONFLICT, "the device has %s installed, not older than %s", dev.Firmware, version)
	}
	if _, err := s.noticeSubstantial(ctx, rel, []hearth.Device{*dev}); err != nil {
		return nil, err
	}
	o, err := s.offer(ctx, rel, dev)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// refuseRequest records a request refused by owned (ENOTFOUND or
// EFORBIDDEN) as a hearth.FirmwareRefusal and returns err; other errors
// are returned as they are.
func (s *Service) refuseRequest(ctx context.Context, caller, deviceID string, err error) error {
	if code := hearth.ErrorCode(err); code != hearth.ENOTFOUND && code != hearth.EFORBIDDEN {
		return err
	}
	r := &hearth.FirmwareRefusal{ID: hearth.NewID("fwx_"), DeviceID: clip(deviceID), PersonID: caller, Problem: hearth.ErrorMessage(err), At: s.clock()}
	if rerr := s.store.RecordFirmwareRefusal(ctx, r); rerr != nil {
		return fmt.Errorf("record refused firmware request: %w", rerr)
	}
	return err
}

// RefusalRetention is how long a refused firmware request is kept: as
// long as the server keeps its other records of refused attempts
// (policy.SecurityRecordRetention, SEC-MONITOR).
const RefusalRetention = policy.SecurityRecordRetention

// PruneRefusals deletes the refused firmware requests older than
// RefusalRetention and returns how many it deleted. The server runs it
// daily.
func (s *Service) PruneRefusals(ctx context.Context) (int, error) {
	n, err := s.store.DeleteFirmwareRefusalsBefore(ctx, s.clock().Add(-RefusalRetention))
	if err != nil {
		return n, fmt.Errorf("prune refused firmware requests: %w", err)
	}
	return n, nil
}

// Refusals lists the firmware requests refused because the caller may not
// update the device, latest first, at most limit (0 means 100).
func (s *Service) Refusals(ctx context.Context, limit int) ([]hearth.FirmwareRefusal, error) {
	rs, err := s.store.FirmwareRefusals(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("list refused firmware requests: %w", err)
	}
	return rs, nil
}

// latest returns the highest version published for model.
func (s *Service) latest(ctx context.Context, model string) (string, error) {
	rs, err := s.store.FirmwareReleases(ctx, model)
	if err != nil {
		return "", fmt.Errorf("list releases: %w", err)
	}
	best := ""
	for _, r := range rs {
		if c, err := firmware.CompareVersions(r.Version, best); best == "" || (err == nil && c > 0) {
			best = r.Version
		}
	}
	if best == "" {
		return "", hearth.Errorf(hearth.ENOTFOUND, "no firmware is published for %s", model)
	}
	return best, nil
}

// offer records a pending offer of rel to dev and delivers it.
func (s *Service) offer(ctx context.Context, rel *hearth.FirmwareRelease, dev *hearth.Device) (Outcome, error) {
	now := s.clock()
	o := &hearth.FirmwareOffer{DeviceID: dev.ID, Model: rel.Model, Version: rel.Version, CommandID: hearth.NewID("cmd_"),
		Status: hearth.OfferPending, Created: now, Updated: now}
	if err := s.store.PutFirmwareOffer(ctx, o); err != nil {
		return Outcome{}, fmt.Errorf("record offer: %w", err)
	}
	return s.deliver(ctx, rel, o)
}

// deliver sends o's command and records it sent, or leaves it pending if
// the device is not connected.
func (s *Service) deliver(ctx context.Context, rel *hearth.FirmwareRelease, o *hearth.FirmwareOffer) (Outcome, error) {
	out := Outcome{DeviceID: o.DeviceID, Status: hearth.OfferPending}
	if s.cmd == nil {
		out.Note = "recorded; the server sends it when the device is connected"
		return out, nil
	}
	cmd, err := Command(o.CommandID, o.DeviceID, rel)
	if err != nil {
		return Outcome{}, err
	}
	if err := s.cmd.Command(ctx, o.DeviceID, cmd); err != nil {
		if notConnected(err) {
			out.Note = "the device is not connected; the server sends it when it is"
			return out, nil
		}
		return Outcome{}, fmt.Errorf("send firmware command: %w", err)
	}
	o.Status, o.Updated = hearth.OfferSent, s.clock()
	if err := s.store.PutFirmwareOffer(ctx, o); err != nil {
		return Outcome{}, fmt.Errorf("record offer sent: %w", err)
	}
	out.Status = hearth.OfferSent
	return out, nil
}

// Command returns the firmware-update command for a device: its ID, the
// release's signed metadata as published, and the URL of the image
// (docs/device-protocol.md).
func Command(id, deviceID string, rel *hearth.FirmwareRelease) ([]byte, error) {
	cmd := struct {
		ID       string          `json:"id"`
		Type     string          `json:"type"`
		Release  json.RawMessage `json:"release"`
		ImageURL string          `json:"image_url"`
	}{id, "firmware-update", rel.Metadata, ImageURL(deviceID, rel.Version)}
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("encode firmware command: %w", err)
	}
	return b, nil
}

// ImageURL is the path a device fetches a release's image from.
func ImageURL(deviceID, version string) string {
	return "/v1/devices/" + deviceID + "/firmware/" + version + "/image"
}

// Deliver sends the firmware commands of pending offers (recorded while
// their device was not connected, or by a rollout without a broker) to
// the devices connected now, and returns how many it sent. The server
// runs it periodically.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	if s.cmd == nil {
		return 0, nil
	}
	sent, afterDevice, afterVersion := 0, "", ""
	for {
		offers, err := s.store.PendingFirmwareOffers(ctx, afterDevice, afterVersion, 100)
		if err != nil || len(offers) == 0 {
			return sent, err
		}
		for i := range offers {
			o := &offers[i]
			rel, err := s.liveRelease(ctx, o.Model, o.Version)
			if err != nil {
				continue // expired or gone: leave it pending, visible to the operator
			}
			out, err := s.deliver(ctx, rel, o)
			if err != nil {
				return sent, err
			}
			if out.Status == hearth.OfferSent {
				sent++
			}
		}
		last := offers[len(offers)-1]
		afterDevice, afterVersion = last.DeviceID, last.Version
	}
}
