package updates

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
)

// MaxDetail is the longest detail a device's firmware report may carry,
// in bytes.
const MaxDetail = 512

// Event is a device's firmware event: {"type":"firmware","status":
// "installed"|"refused","version":"1.2.0","reason":"...","detail":"..."}
// (docs/device-protocol.md).
type Event struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// check returns the problem with e, or "".
func (e *Event) check() string {
	switch {
	case e.Status != string(hearth.OfferInstalled) && e.Status != string(hearth.OfferRefused):
		return fmt.Sprintf("status %q is not installed or refused", clip(e.Status))
	case !firmware.ValidVersion(e.Version):
		return fmt.Sprintf("version %q is not MAJOR.MINOR.PATCH", clip(e.Version))
	case e.Status == string(hearth.OfferRefused) && !knownReason(e.Reason):
		return fmt.Sprintf("reason %q is not one of unsigned, wrong-key, modified, older-version, expired", clip(e.Reason))
	case e.Status == string(hearth.OfferInstalled) && e.Reason != "":
		return "an installed report carries no reason"
	case len(e.Detail) > MaxDetail || !utf8.ValidString(e.Detail):
		return fmt.Sprintf("detail must be valid UTF-8 of at most %d bytes", MaxDetail)
	}
	return ""
}

// knownReason reports whether r is a reason a firmware event may give:
// any of Verify's but malformed, which names no version the device can
// trust (it reports a command-refused event instead).
func knownReason(r string) bool {
	for _, k := range firmware.Reasons {
		if string(k) == r && k != firmware.ReasonMalformed {
			return true
		}
	}
	return false
}

// clip shortens a device's value for an error message and the record.
func clip(s string) string {
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return s
}

// Report records a device's firmware event. A valid report of a version
// the device was offered updates the offer (installed or refused, with the
// device's reason) and, when installed, the device's firmware version. A
// malformed report, or one about a version the device was never offered,
// changes nothing but is recorded as refused with the problem, and
// returns EINVALID saying what was wrong.
func (s *Service) Report(ctx context.Context, deviceID string, e Event) error {
	rep := &hearth.FirmwareReport{
		ID: hearth.NewID("fwr_"), DeviceID: deviceID, Status: clip(e.Status), Version: clip(e.Version),
		Reason: clip(e.Reason), Accepted: true, At: s.clock(),
	}
	if utf8.ValidString(e.Detail) && len(e.Detail) <= MaxDetail {
		rep.Detail = e.Detail
	}
	if problem := e.check(); problem != "" {
		return s.refuseReport(ctx, rep, problem)
	}
	err := s.store.RecordFirmwareReport(ctx, rep)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return s.refuseReport(ctx, rep, fmt.Sprintf("version %s was never offered to this device", e.Version))
	}
	if err != nil {
		return fmt.Errorf("record firmware report: %w", err)
	}
	return nil
}

// refuseReport records rep as refused with problem and returns EINVALID.
func (s *Service) refuseReport(ctx context.Context, rep *hearth.FirmwareReport, problem string) error {
	rep.Accepted, rep.Problem = false, problem
	if err := s.store.RecordFirmwareReport(ctx, rep); err != nil {
		return fmt.Errorf("record refused firmware report: %w", err)
	}
	return hearth.Errorf(hearth.EINVALID, "firmware report refused: %s", problem)
}

// Image returns the image of version for an authenticated device, which
// must have been offered that version: ENOTFOUND otherwise.
func (s *Service) Image(ctx context.Context, dev *hearth.Device, version string) ([]byte, error) {
	if _, err := s.store.FirmwareOffer(ctx, dev.ID, version); err != nil {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return nil, hearth.Errorf(hearth.ENOTFOUND, "version %s was not offered to this device", clip(version))
		}
		return nil, err
	}
	img, err := s.store.FirmwareImage(ctx, dev.Model, version)
	if err != nil {
		return nil, fmt.Errorf("read firmware image: %w", err)
	}
	return img, nil
}

// HandleDeviceEvent implements hearth.DeviceEventHandler for the events of
// type firmware: it records them with Report.
func (s *Service) HandleDeviceEvent(ctx context.Context, deviceID string, ev hearth.DeviceEvent) error {
	return s.Report(ctx, deviceID, Event{Status: ev.Status, Version: ev.Version, Reason: ev.Reason, Detail: ev.Detail})
}

// Status is a device's firmware state as its household sees it.
type Status struct {
	Installed string
	// Available is the highest release of the device's model newer than
	// Installed whose metadata has not expired, which an owner can
	// install by hand; nil when there is none.
	Available *hearth.FirmwareRelease
	Offers    []hearth.FirmwareOffer
	Reports   []hearth.FirmwareReport
}

// StatusOf returns the firmware state of a device the caller is a member
// of the household of: the installed version, the release available to
// install by hand (Available), its offers (latest first)
// and its latest 20 reports, only those updated since the device joined
// the household (a household sees nothing from a previous owner's time,
// OWN-CLEAN). ENOTFOUND for a device the caller does not see.
func (s *Service) StatusOf(ctx context.Context, caller, deviceID string) (*Status, error) {
	dev, err := s.store.Device(ctx, deviceID)
	if err == nil && dev.HouseholdID != "" {
		_, err = s.store.Member(ctx, dev.HouseholdID, caller)
	}
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && dev.HouseholdID == "") {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
	}
	if err != nil {
		return nil, err
	}
	st := &Status{Installed: dev.Firmware}
	if st.Available, err = s.available(ctx, dev); err != nil {
		return nil, err
	}
	offers, err := s.store.FirmwareOffers(ctx, deviceID)
	if err != nil {
		return nil, fmt.Errorf("list firmware offers: %w", err)
	}
	for _, o := range offers {
		if !o.Updated.Before(dev.Claimed) {
			st.Offers = append(st.Offers, o)
		}
	}
	reports, err := s.store.FirmwareReports(ctx, deviceID, 20)
	if err != nil {
		return nil, fmt.Errorf("list firmware reports: %w", err)
	}
	for _, r := range reports {
		if !r.At.Before(dev.Claimed) {
			st.Reports = append(st.Reports, r)
		}
	}
	return st, nil
}

// available returns the highest live release of dev's model newer than
// its firmware, or nil.
func (s *Service) available(ctx context.Context, dev *hearth.Device) (*hearth.FirmwareRelease, error) {
	rs, err := s.store.FirmwareReleases(ctx, dev.Model)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	var best *hearth.FirmwareRelease
	for i := range rs {
		r := &rs[i]
		if !s.clock().Before(r.Expires) {
			continue
		}
		if c, err := firmware.CompareVersions(r.Version, dev.Firmware); err != nil || c <= 0 {
			continue
		}
		if best == nil {
			best = r
		} else if c, err := firmware.CompareVersions(r.Version, best.Version); err == nil && c > 0 {
			best = r
		}
	}
	return best, nil
}
