package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// Started is a transfer just started: its one-time code, shown only here.
type Started struct {
	DeviceID string    `json:"device_id"`
	Code     string    `json:"code"`
	Expires  time.Time `json:"expires"`
	Readings string    `json:"readings"` // KeepReadings or EraseReadings, applied when it is accepted
}

// StartTransfer starts the transfer of a device out of its household
// (OWN-TRANSFER): an owner gets a one-time code, valid for TransferTTL,
// for the new owner; a new code replaces any earlier one of the device.
// Nothing else changes until the code is accepted. readings is what then
// happens to the readings the device sent to this household: KeepReadings,
// or EraseReadings (with the caller's password).
//
// Errors: ENOTFOUND for a device not in a household the caller is a
// member of; EFORBIDDEN for a member who is not an owner; EINVALID (Fields
// readings, password) for a bad choice; EFORBIDDEN (Field password) for a
// wrong password, ETOOMANY after too many.
func (s *Service) StartTransfer(ctx context.Context, caller, deviceID, readings, password string) (*Started, error) {
	dev, err := s.ownedDevice(ctx, caller, deviceID, hearth.ActionTransferStarted)
	if err != nil {
		return nil, err
	}
	if err := s.checkReadings(ctx, caller, readings, password); err != nil {
		return nil, err
	}
	code, hash := auth.NewClaimCode()
	now := s.now()
	t := &hearth.Transfer{CodeHash: hash, DeviceID: dev.ID, FromHousehold: dev.HouseholdID, StartedBy: caller,
		Erase: readings == EraseReadings, Created: now, Expires: now.Add(TransferTTL)}
	if err := s.cfg.Store.CreateTransfer(ctx, t); err != nil {
		return nil, fmt.Errorf("start transfer: %w", err)
	}
	if err := s.log(ctx, dev.ID, dev.HouseholdID, caller, hearth.ActionTransferStarted, "done", ""); err != nil {
		return nil, err
	}
	return &Started{DeviceID: dev.ID, Code: code, Expires: t.Expires, Readings: readings}, nil
}

// CancelTransfer withdraws a device's transfer that has not been accepted:
// its code stops working. Owners of the device's household may. Errors as
// StartTransfer's; ENOTFOUND (Field code) when no transfer is open.
func (s *Service) CancelTransfer(ctx context.Context, caller, deviceID string) error {
	dev, err := s.ownedDevice(ctx, caller, deviceID, hearth.ActionTransferCanceled)
	if err != nil {
		return err
	}
	n, err := s.cfg.Store.DeleteTransfers(ctx, dev.ID)
	if err != nil {
		return fmt.Errorf("cancel transfer: %w", err)
	}
	if n == 0 {
		return &hearth.Error{Code: hearth.ENOTFOUND, Field: "code", Message: "this device has no transfer waiting to be accepted"}
	}
	return s.log(ctx, dev.ID, dev.HouseholdID, caller, hearth.ActionTransferCanceled, "done", "")
}

// Accepted is a transfer just accepted.
type Accepted struct {
	Device hearth.Device
	// Secret is the device's new credential, shown only here: the new
	// owner gives it to the device. The old one no longer works.
	Secret string
	// Erased counts the previous household's readings erased, when it
	// chose EraseReadings.
	Erased int64
	// EraseFailed: the erasure it chose did not complete. The device has
	// moved all the same; the previous household's owners are told to
	// erase what is left, and the device log records erase-failed.
	EraseFailed bool
}

// AcceptTransfer completes a transfer into household hhID, whose owner
// caller gives the one-time code (OWN-TRANSFER, OWN-CLEAN). In one store
// transaction the device moves to hhID, in cloud mode, with a new
// credential (returned once), and the code is used up; then the device's
// open session is ended (Config.CredentialChanged). The readings it sent
// before stay with the previous household, or are erased there if it
// chose so; hhID never sees them, and the previous household sees nothing
// the device sends after: a reading of the old session that reaches the
// store after the move is refused (hearth.Unbound). The previous
// household's owners get a hearth.NotifyDeviceLifecycle notification.
//
// Errors, each recorded in the device log as a refused transfer (action
// transfer-refused) with no other change: ECONFLICT (Field code) "this
// transfer code has been used" (outcome code-used); EGONE (Field code)
// when it expired (code-expired); ECONFLICT (Field code) when caller is
// an owner of the device's household already, or hhID is that household
// (current-owner); ECONFLICT (Field code) when the device left the
// household since (device-moved). Not recorded: EINVALID (Field code) for an unknown or
// empty code; ENOTFOUND for a caller who is not a member of hhID;
// EFORBIDDEN for one who is not its owner. Every refusal of a code counts
// against the caller: after AcceptFailures, ETOOMANY (Field code) wrapping
// an *auth.RetryAfterError, before the code is looked at (SEC-BRUTE).
func (s *Service) AcceptTransfer(ctx context.Context, caller, hhID, code string) (*Accepted, error) {
	if err := s.requireOwner(ctx, caller, hhID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, hearth.FieldError("code", "enter the transfer code the device's owner gave you")
	}
	if ok, after := s.acceptFailures.Allowed(caller); !ok {
		return nil, &hearth.Error{Code: hearth.ETOOMANY, Field: "code", Message: "too many refused transfer codes: wait before trying again", Err: &auth.RetryAfterError{After: after}}
	}
	hash := auth.HashClaimCode(code)
	t, err := s.cfg.Store.TransferByCode(ctx, hash)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		s.acceptFailures.Fail(caller)
		return nil, &hearth.Error{Code: hearth.EINVALID, Field: "code", Message: "no transfer has this code: check it and try again", Err: err}
	} else if err != nil {
		return nil, fmt.Errorf("accept transfer: %w", err)
	}
	if err := s.acceptable(ctx, t, caller, hhID); err != nil {
		return nil, err
	}
	secret, credHash := auth.NewDeviceSecret()
	used, err := s.cfg.Store.AcceptTransfer(ctx, hash, hhID, credHash, s.now())
	if err != nil {
		return nil, s.storeRefusal(ctx, t, caller, hhID, err)
	}
	t = used
	s.cfg.CredentialChanged(t.DeviceID)
	// The device has moved: from here on the new owner must get the
	// secret, so a failed erasure is reported, not returned.
	res := &Accepted{Secret: secret}
	outcome := "done"
	if t.Erase {
		if res.Erased, err = s.cfg.Eraser.EraseDeviceReadings(ctx, t.FromHousehold, t.StartedBy, t.DeviceID); err != nil {
			res.EraseFailed, outcome = true, "erase-failed"
		}
	}
	if err := s.log(ctx, t.DeviceID, hhID, caller, hearth.ActionTransferAccepted, outcome, ""); err != nil {
		return nil, err
	}
	if err := s.notifyTransferred(ctx, t, res); err != nil {
		return nil, err
	}
	dev, err := s.cfg.Store.Device(ctx, t.DeviceID)
	if err != nil {
		return nil, fmt.Errorf("accept transfer: %w", err)
	}
	res.Device = *dev
	return res, nil
}

// Outcomes of a refused acceptance in the device log, and what the caller
// is told.
var transferRefusals = map[string]hearth.Error{
	"code-used":     {Code: hearth.ECONFLICT, Field: "code", Message: "this transfer code has been used"},
	"code-expired":  {Code: hearth.EGONE, Field: "code", Message: "this transfer code has expired: ask the device's owner to start the transfer again"},
	"current-owner": {Code: hearth.ECONFLICT, Field: "code", Message: "you own this device already: a transfer code is for the new owner, to accept in their own household"},
	"device-moved":  {Code: hearth.ECONFLICT, Field: "code", Message: "the device is no longer in the household that started this transfer"},
}

// acceptable checks a transfer before the store uses it up: not used, not
// expired, and not accepted by whoever owns the device now.
func (s *Service) acceptable(ctx context.Context, t *hearth.Transfer, caller, hhID string) error {
	switch {
	case !t.Used.IsZero():
		return s.refuseTransfer(ctx, t, caller, hhID, "code-used", nil)
	case !s.now().Before(t.Expires):
		return s.refuseTransfer(ctx, t, caller, hhID, "code-expired", nil)
	case hhID == t.FromHousehold:
		return s.refuseTransfer(ctx, t, caller, hhID, "current-owner", nil)
	}
	m, err := s.cfg.Store.Member(ctx, t.FromHousehold, caller)
	switch {
	case err == nil && m.Role == hearth.RoleOwner:
		return s.refuseTransfer(ctx, t, caller, hhID, "current-owner", nil)
	case err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return fmt.Errorf("accept transfer: %w", err)
	}
	return nil
}

// storeRefusal turns the store's refusal of an acceptance that passed
// acceptable (another acceptance or a removal got there first) into a
// refused transfer.
func (s *Service) storeRefusal(ctx context.Context, t *hearth.Transfer, caller, hhID string, err error) error {
	switch hearth.ErrorCode(err) {
	case hearth.EGONE:
		return s.refuseTransfer(ctx, t, caller, hhID, "code-expired", err)
	case hearth.ECONFLICT:
		now, rerr := s.cfg.Store.TransferByCode(ctx, t.CodeHash)
		if rerr == nil && !now.Used.IsZero() {
			return s.refuseTransfer(ctx, t, caller, hhID, "code-used", err)
		}
		return s.refuseTransfer(ctx, t, caller, hhID, "device-moved", err)
	}
	return fmt.Errorf("accept transfer: %w", err)
}

// refuseTransfer records a refused acceptance of t in the device log and
// returns what the caller is told for outcome, wrapping cause.
func (s *Service) refuseTransfer(ctx context.Context, t *hearth.Transfer, caller, hhID, outcome string, cause error) error {
	s.acceptFailures.Fail(caller)
	if err := s.log(ctx, t.DeviceID, hhID, caller, hearth.ActionTransferRefused, outcome, ""); err != nil {
		return err
	}
	shown := transferRefusals[outcome]
	shown.Err = cause
	return &shown
}

// requireOwner checks that caller owns hhID: ENOTFOUND for a non-member,
// EFORBIDDEN for a member who is not an owner.
func (s *Service) requireOwner(ctx context.Context, caller, hhID string) error {
	m, err := s.cfg.Store.Member(ctx, hhID, caller)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return hearth.Errorf(hearth.ENOTFOUND, "no such household")
	case err != nil:
		return fmt.Errorf("get membership: %w", err)
	case m.Role != hearth.RoleOwner:
		return hearth.Errorf(hearth.EFORBIDDEN, msgOwnersOnly)
	}
	return nil
}
