package lifecycle

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Mode is the outcome of a mode change.
type Mode struct {
	DeviceID string            `json:"device_id"`
	Mode     hearth.DeviceMode `json:"mode"`
	// Command is the set-mode command sent when the device was switched to
	// local-only mode; nil when it was switched back to the cloud (the
	// device is off the backend then: it is switched back on its own local
	// API too).
	Command *Command `json:"command,omitempty"`
}

// SetMode switches a device's link to the backend (LOCAL-ONLY). To
// local-only: the device is sent the set-mode command (if connected), its
// mode is stored, and its session is ended; from then on the backend
// refuses its connection and its readings (MQTT CONNACK not authorized,
// HTTP 403) until an owner switches it back to cloud. The device keeps its
// core function on its local API. Setting the mode it has already changes
// nothing and sends nothing. Only owners may.
//
// Errors: EINVALID (Field mode) for a mode other than cloud or
// local-only; ENOTFOUND and EFORBIDDEN as FactoryReset's (recorded as
// mode-changed, outcome not-owner).
func (s *Service) SetMode(ctx context.Context, caller, deviceID string, mode hearth.DeviceMode) (*Mode, error) {
	if mode != hearth.ModeCloud && mode != hearth.ModeLocalOnly {
		return nil, hearth.FieldError("mode", "choose %q or %q", hearth.ModeCloud, hearth.ModeLocalOnly)
	}
	dev, err := s.ownedDevice(ctx, caller, deviceID, hearth.ActionModeChanged)
	if err != nil {
		return nil, err
	}
	res := &Mode{DeviceID: dev.ID, Mode: mode}
	if dev.Mode == mode {
		return res, nil
	}
	outcome, cmdID := "done", ""
	if mode == hearth.ModeLocalOnly {
		c := s.command(ctx, dev.ID, "set-mode", map[string]string{"mode": string(mode)})
		res.Command, outcome, cmdID = &c, c.outcome(), c.ID
	}
	if err := s.cfg.Store.SetDeviceMode(ctx, dev.ID, dev.HouseholdID, mode); err != nil {
		return nil, fmt.Errorf("set mode: %w", err)
	}
	s.cfg.CredentialChanged(dev.ID)
	if err := s.log(ctx, dev.ID, dev.HouseholdID, caller, hearth.ActionModeChanged, outcome, cmdID); err != nil {
		return nil, err
	}
	return res, nil
}
