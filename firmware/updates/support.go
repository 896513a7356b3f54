package updates

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Support is a device model's support period and repair information as
// each device shows it (LIFETIME-CLEAR, REPAIR-INFO).
type Support struct {
	// ServiceLifetime is the expected service lifetime from purchase, as
	// the manifest gives it ("12y"); "" if it declares none.
	ServiceLifetime string `json:"service_lifetime,omitempty"`
	// SecurityUpdatesUntil is the last day of security updates (YYYY-MM-DD).
	SecurityUpdatesUntil string `json:"security_updates_until"`
	// SecurityUpdatesEnded is true from the day after it.
	SecurityUpdatesEnded bool `json:"security_updates_ended"`
	// UpdateMethod states how security updates reach the device
	// (SEC-UPDATES: install method stated).
	UpdateMethod string `json:"update_method"`
	// Advice tells an owner what to do about the device's support, in
	// plain language.
	Advice        string                  `json:"advice"`
	SupportLevels []manifest.SupportLevel `json:"support_levels"`
	Repair        *manifest.Repair        `json:"repair,omitempty"`
}

// UpdateMethod is how firmware updates reach a device, as each device's
// support period states it.
const UpdateMethod = "Updates are signed by the manufacturer and sent to the device over its connection to the service, " +
	"to all devices of a model at once or in stages. The device checks the signature, the image and the version before " +
	"it installs an update, and refuses an older version. The device's owner can also start an update by hand. " +
	"Updates the manufacturer marks as changing what the device does are announced to everyone in the household first, with what changes."

// SupportOf returns the support period of model at the service's clock,
// or false if the manifest does not declare the model.
func (s *Service) SupportOf(model string) (*Support, bool) {
	m, ok := s.manifest.Model(model)
	if !ok {
		return nil, false
	}
	ended := pastEnd(m, s.clock())
	sup := &Support{
		ServiceLifetime: m.ServiceLifetime, SecurityUpdatesUntil: m.SupportEnd, SecurityUpdatesEnded: ended,
		SupportLevels: m.SupportLevels, Repair: m.Repair,
		Advice:       "It gets security updates until " + m.SupportEnd + ".",
		UpdateMethod: UpdateMethod,
	}
	if sup.SupportLevels == nil {
		sup.SupportLevels = []manifest.SupportLevel{}
	}
	if ended {
		sup.Advice = unsupportedAdvice(m)
	}
	return sup, true
}

// pastEnd reports whether now is after the last day of m's security
// updates (the whole day, UTC). A malformed date counts as not past: the
// manifest's validation refuses one.
func pastEnd(m *manifest.Model, now time.Time) bool {
	end := m.SupportEndDate()
	return !end.IsZero() && !now.Before(end.AddDate(0, 0, 1))
}

func unsupportedAdvice(m *manifest.Model) string {
	return fmt.Sprintf("Security updates for it ended on %s: security flaws found from now on will not be fixed. "+
		"Take it off your network (disconnect it from Wi-Fi or unplug it) and replace it, or keep it only without a network connection.", m.SupportEnd)
}

// SupportPass notifies every member of each household that has a device
// past its model's security-update end, once per device and person, that
// it gets no more security updates and should be taken off the network
// (SEC-UPDATES). It returns how many devices it found past their end; run
// again, it notifies nobody twice. The server runs it daily.
func (s *Service) SupportPass(ctx context.Context) (int, error) {
	now := s.clock()
	found := 0
	for i := range s.manifest.Models {
		m := &s.manifest.Models[i]
		if !pastEnd(m, now) {
			continue
		}
		devs, err := s.store.DevicesOfModel(ctx, m.ID)
		if err != nil {
			return found, fmt.Errorf("list devices of %s: %w", m.ID, err)
		}
		for _, d := range devs {
			if d.HouseholdID == "" {
				continue
			}
			found++
			if err := s.noticeUnsupported(ctx, m, &d); err != nil {
				return found, err
			}
		}
	}
	return found, nil
}

// noticeUnsupported tells the members of d's household that d is past its
// security-update end.
func (s *Service) noticeUnsupported(ctx context.Context, m *manifest.Model, d *hearth.Device) error {
	name := m.Name
	if name == "" {
		name = m.ID
	}
	tmpl := hearth.Notification{
		Kind:  hearth.NotifyDeviceUnsupported,
		Title: fmt.Sprintf("Take your %s off the network: it gets no more security updates", name),
		Body:  fmt.Sprintf("Your %s (device %s) no longer gets security updates. %s", name, d.ID, unsupportedAdvice(m)),
	}
	if m.Repair != nil && m.Repair.URL != "" {
		tmpl.Body += " Repair and replacement: " + m.Repair.URL
	}
	_, err := s.noticeHouseholds(ctx, tmpl, map[string]int{d.HouseholdID: 1}, func(hh string) []string {
		return []string{string(tmpl.Kind), d.ID, hh}
	})
	return err
}
