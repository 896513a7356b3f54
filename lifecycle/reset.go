package lifecycle

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// Reset is the outcome of a factory reset asked from the owner's account.
type Reset struct {
	DeviceID string  `json:"device_id"`
	Command  Command `json:"command"`
	Readings string  `json:"readings"` // KeepReadings or EraseReadings
	Erased   int64   `json:"erased"`   // readings erased, for EraseReadings
	Kept     string  `json:"kept"`     // what the backend keeps, in plain language
}

// What the backend keeps after a factory reset, as the owner is told.
const (
	keptRecord   = "The backend keeps the device's record (its ID, model and firmware version, unclaimed, with a credential nothing matches) and its lifecycle log (IDs, actions and times)."
	keptReadings = " The readings it sent stay with the household, for its members to export; an owner can erase them later."
	keptErased   = " The household's own readings from it and yours were erased; readings about other members stay theirs."
)

// Kept says in plain language what the backend keeps after a factory
// reset with the choice readings (KeepReadings or EraseReadings), as
// Reset.Kept does: for an owner to read before they confirm.
func Kept(readings string) string {
	if readings == EraseReadings {
		return keptRecord + keptErased
	}
	return keptRecord + keptReadings
}

// FactoryReset resets a device from its owner's account (FACTORY-RESET):
// it sends the device the factory-reset command (docs/device-protocol.md),
// then unbinds the device from the household, revokes its credential,
// withdraws any open transfer and ends its session. A device that is not
// connected does not get the command (Command.Delivered is false, and it
// is not kept for later: the credential is revoked, so the device can no
// longer connect; it must be reset on the device itself to wipe what it
// holds). The readings it sent stay with the household (KeepReadings), or
// are erased (EraseReadings, with the caller's password): the household's
// own and the caller's own; readings about other members stay theirs.
//
// Errors: ENOTFOUND "no such device in a household you own" for a device
// that is unknown, unclaimed or in a household the caller is not a member
// of; EFORBIDDEN for a member who is not an owner (both recorded in the
// device log as reset-refused, outcome not-owner, when the device exists;
// nothing else changes); EINVALID (Fields readings, password), EFORBIDDEN
// (Field password) and ETOOMANY as StartTransfer's.
func (s *Service) FactoryReset(ctx context.Context, caller, deviceID, readings, password string) (*Reset, error) {
	dev, err := s.ownedDevice(ctx, caller, deviceID, hearth.ActionResetRefused)
	if err != nil {
		return nil, err
	}
	if err := s.checkReadings(ctx, caller, readings, password); err != nil {
		return nil, err
	}
	res := &Reset{DeviceID: dev.ID, Readings: readings, Kept: Kept(readings)}
	res.Command = s.command(ctx, dev.ID, "factory-reset", nil)
	if err := s.unbind(ctx, dev); err != nil {
		return nil, err
	}
	if readings == EraseReadings {
		if res.Erased, err = s.cfg.Eraser.EraseDeviceReadings(ctx, dev.HouseholdID, caller, dev.ID); err != nil {
			return nil, fmt.Errorf("factory reset: erase readings: %w", err)
		}
	}
	if err := s.log(ctx, dev.ID, dev.HouseholdID, caller, hearth.ActionFactoryReset, res.Command.outcome(), res.Command.ID); err != nil {
		return nil, err
	}
	return res, nil
}

// unbind takes dev out of its household with a credential no secret
// matches, withdraws its open transfers and ends its session.
func (s *Service) unbind(ctx context.Context, dev *hearth.Device) error {
	_, hash := auth.NewDeviceSecret() // the secret is dropped: nothing matches the hash
	if err := s.cfg.Store.UnbindDevice(ctx, dev.ID, dev.HouseholdID, hash); err != nil {
		return fmt.Errorf("unbind device: %w", err)
	}
	if _, err := s.cfg.Store.DeleteTransfers(ctx, dev.ID); err != nil {
		return fmt.Errorf("unbind device: %w", err)
	}
	s.cfg.CredentialChanged(dev.ID)
	return nil
}

// HandleDeviceEvent handles the events a device reports about its own
// life (package events calls it; register it for hearth.EventFactoryReset
// and hearth.EventCommandRefused):
//   - factory-reset: the device reset itself and wiped its data, so the
//     backend unbinds it from its household, revokes its credential,
//     withdraws any open transfer and ends its session after answering
//     (FACTORY-RESET). Its readings stay with the household, for its
//     members to export or erase; the household's owners get a
//     hearth.NotifyDeviceLifecycle notification saying so. A device bound
//     to no household has nothing to undo: the reset is only recorded.
//   - command-refused: recorded, with the command's ID.
//
// Both are recorded in the device log (no person: the device reported
// it). Any other type is EINVALID.
func (s *Service) HandleDeviceEvent(ctx context.Context, deviceID string, ev hearth.DeviceEvent) error {
	dev, err := s.cfg.Store.Device(ctx, deviceID)
	if err != nil {
		return fmt.Errorf("device event: %w", err)
	}
	switch ev.Type {
	case hearth.EventFactoryReset:
		if dev.HouseholdID != "" {
			if err := s.unbind(ctx, dev); err != nil {
				return err
			}
			if err := s.notifyReset(ctx, dev.HouseholdID, dev); err != nil {
				return err
			}
		}
		return s.log(ctx, dev.ID, dev.HouseholdID, "", hearth.ActionFactoryReset, "done", "")
	case hearth.EventCommandRefused:
		return s.log(ctx, dev.ID, dev.HouseholdID, "", hearth.ActionCommandRefused, "done", ev.Command)
	}
	return hearth.FieldError("type", "this handler takes factory-reset and command-refused events, not %q", ev.Type)
}

// EraseReadings is the owner's later choice to erase, rather than keep,
// the readings a device that left household hhID (reset on the device
// itself, transferred, or removed) sent to it: the household's own and the
// caller's own, as journalled erasures; readings about other members stay
// theirs. It needs the caller's password. It returns how many readings it
// erased, and records it in the device log (action readings-erased).
//
// Errors: ENOTFOUND for a caller who is not a member of hhID; EFORBIDDEN
// for one who is not an owner; EINVALID (Field password) without a
// password, EFORBIDDEN (Field password) for a wrong one, ETOOMANY after
// too many; ECONFLICT while the device is still in hhID (reset it or
// remove it first, choosing "erase" there).
func (s *Service) EraseReadings(ctx context.Context, caller, hhID, deviceID, password string) (int64, error) {
	if err := s.requireOwner(ctx, caller, hhID); err != nil {
		return 0, err
	}
	dev, err := s.cfg.Store.Device(ctx, deviceID)
	switch {
	case err == nil && dev.HouseholdID == hhID:
		return 0, hearth.Errorf(hearth.ECONFLICT, "the device is still in the household: reset or transfer it, choosing to erase its readings there")
	case err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return 0, fmt.Errorf("erase device readings: %w", err)
	}
	if err := s.checkReadings(ctx, caller, EraseReadings, password); err != nil {
		return 0, err
	}
	n, err := s.cfg.Eraser.EraseDeviceReadings(ctx, hhID, caller, deviceID)
	if err != nil {
		return n, fmt.Errorf("erase device readings: %w", err)
	}
	return n, s.log(ctx, deviceID, hhID, caller, hearth.ActionReadingsErased, "done", "")
}
