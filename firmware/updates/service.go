// Package updates runs signed firmware updates and support periods on the
// server (SEC-UPDATES, FIRMWARE-NOTICE, LIFETIME-CLEAR, REPAIR-INFO):
// operators publish releases (checked with package firmware) and roll them
// out per model, to every device, a percentage or a list of devices;
// owners update a device by hand; releases flagged substantial notify every
// member of the households concerned before a device is sent the update
// command; devices' reports are recorded, and a report of a version the
// device was never offered is refused and recorded; each model's support
// period and repair information is shown per device, and the members of
// households with a device past its security-update end are told to take
// it off the network.
package updates

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Store is what the service keeps and reads.
type Store interface {
	hearth.FirmwareStore
	Device(ctx context.Context, id string) (*hearth.Device, error)
	Member(ctx context.Context, householdID, personID string) (*hearth.Member, error)
	Members(ctx context.Context, householdID string) ([]hearth.Member, error)
	AddNotifications(ctx context.Context, ns []hearth.Notification) error
}

// Commander sends a command to a connected device, as the broker does on
// the device's commands topic; it returns ENOTFOUND if the device is not
// connected.
type Commander interface {
	Command(ctx context.Context, deviceID string, cmd []byte) error
}

// Config holds the service's dependencies. Store and Manifest are
// required. A nil Commander delivers nothing: every offer stays pending
// (commands without a broker, such as hearth firmware rollout, which the
// server's Deliver pass sends later). A nil Now is time.Now.
type Config struct {
	Store     Store
	Manifest  *manifest.Manifest
	Commander Commander
	Now       func() time.Time
}

// Service publishes and rolls out firmware and runs support-period
// notices. It is safe for concurrent use.
type Service struct {
	store    Store
	manifest *manifest.Manifest
	cmd      Commander
	now      func() time.Time
}

// New returns a Service; EINVALID without a store or a manifest.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Manifest == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the updates service needs a store and a manifest")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, manifest: cfg.Manifest, cmd: cfg.Commander, now: cfg.Now}, nil
}

func (s *Service) clock() time.Time { return s.now().UTC() }

const msgNoDevice = "no such device"

// owned returns a device if caller is an owner of its household: ENOTFOUND
// for an unknown or unclaimed device and for a caller who is not a member
// (they may not learn it exists), EFORBIDDEN for a member who is not an
// owner.
func (s *Service) owned(ctx context.Context, caller, deviceID string) (*hearth.Device, error) {
	dev, err := s.store.Device(ctx, deviceID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && dev.HouseholdID == "") {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
	}
	if err != nil {
		return nil, err
	}
	m, err := s.store.Member(ctx, dev.HouseholdID, caller)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
	}
	if err != nil {
		return nil, err
	}
	if m.Role != hearth.RoleOwner {
		return nil, hearth.Errorf(hearth.EFORBIDDEN, "only the household's owners can update its devices")
	}
	return dev, nil
}

// notConnected reports whether err says the device is not connected.
func notConnected(err error) bool {
	var e *hearth.Error
	return errors.As(err, &e) && e.Code == hearth.ENOTFOUND
}
