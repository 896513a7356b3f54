package household

import (
	"context"
	"fmt"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// ProvisionDevice creates a device of a model in the manifest's catalogue,
// with a unique random credential, and a claim code valid for ClaimTTL. It
// returns the device, its secret and its claim code; the secret and code
// are shown only here and stored hashed (SEC-NO-DEFAULT-PW). It is a
// manufacturer or operator action, so it takes no caller: never expose it
// to household members. It returns EINVALID (Fields model, firmware).
func (s *Service) ProvisionDevice(ctx context.Context, modelID, firmware string) (dev *hearth.Device, secret, claimCode string, err error) {
	if _, ok := s.manifest.Model(modelID); !ok {
		return nil, "", "", hearth.FieldError("model", "the model is not in the manifest's device catalogue")
	}
	firmware = strings.TrimSpace(firmware)
	if firmware == "" || len(firmware) > MaxFirmware {
		return nil, "", "", hearth.FieldError("firmware", "give the firmware version, at most %d characters", MaxFirmware)
	}
	secret, hash := auth.NewDeviceSecret()
	dev = &hearth.Device{ID: hearth.NewID("dev_"), Model: modelID, CredentialHash: hash, Firmware: firmware,
		Mode: hearth.ModeCloud, Created: s.clock()}
	if err := s.store.CreateDevice(ctx, dev); err != nil {
		return nil, "", "", fmt.Errorf("provision device: %w", err)
	}
	claimCode, err = s.NewClaimCode(ctx, dev.ID)
	if err != nil {
		return nil, "", "", err
	}
	return dev, secret, claimCode, nil
}

// NewClaimCode issues a new claim code for an unclaimed device, replacing
// any earlier one, valid for ClaimTTL. It is an operator action (no caller).
// It returns ENOTFOUND for an unknown device and ECONFLICT for one that is
// claimed already.
func (s *Service) NewClaimCode(ctx context.Context, deviceID string) (string, error) {
	dev, err := s.store.Device(ctx, deviceID)
	if err != nil {
		return "", fmt.Errorf("new claim code: %w", err)
	}
	if dev.HouseholdID != "" {
		return "", hearth.Errorf(hearth.ECONFLICT, "the device is claimed already")
	}
	code, hash := auth.NewClaimCode()
	now := s.clock()
	if err := s.store.CreateClaim(ctx, &hearth.Claim{CodeHash: hash, DeviceID: deviceID, Expires: now.Add(ClaimTTL), Created: now}); err != nil {
		return "", fmt.Errorf("new claim code: %w", err)
	}
	return code, nil
}

// msgBadClaim is the one answer to a claim code that is unknown, used or
// expired, so that guessing learns nothing about which codes exist.
const msgBadClaim = "this claim code is not valid: it is unknown, used already or expired; check it, or ask the seller or manufacturer for a new one"

// ClaimDevice binds the device with that one-time claim code to hhID.
// Owners and adults may claim. An unknown, used or expired code gets one
// answer, EINVALID (Field "code") msgBadClaim; after ClaimFailures of them
// from one account, redemption by that account is refused with ETOOMANY
// wrapping an *auth.RetryAfterError, with progressive locks up to
// ClaimFailureWindow (SEC-BRUTE).
func (s *Service) ClaimDevice(ctx context.Context, caller, hhID, code string) (*hearth.Device, error) {
	if _, err := s.withRole(ctx, caller, hhID, "only owners and adults may add devices", hearth.RoleOwner, hearth.RoleAdult); err != nil {
		return nil, err
	}
	if strings.TrimSpace(code) == "" {
		return nil, hearth.FieldError("code", "enter the claim code printed with the device")
	}
	if ok, after := s.claimFailures.Allowed(caller); !ok {
		return nil, &hearth.Error{Code: hearth.ETOOMANY, Field: "code", Message: "too many wrong claim codes: wait before trying again", Err: &auth.RetryAfterError{After: after}}
	}
	dev, err := s.store.RedeemClaim(ctx, auth.HashClaimCode(code), hhID, s.clock())
	switch hearth.ErrorCode(err) {
	case "":
		return dev, nil
	case hearth.ENOTFOUND, hearth.ECONFLICT, hearth.EGONE:
		s.claimFailures.Fail(caller)
		return nil, &hearth.Error{Code: hearth.EINVALID, Field: "code", Message: msgBadClaim, Err: err}
	}
	return nil, fmt.Errorf("claim device: %w", err)
}

// Devices lists the household's devices, oldest first. Any member may.
func (s *Service) Devices(ctx context.Context, caller, hhID string) ([]hearth.Device, error) {
	if _, err := s.member(ctx, caller, hhID); err != nil {
		return nil, err
	}
	ds, err := s.store.DevicesIn(ctx, hhID)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	return ds, nil
}

// ownedDevice returns a device if the caller owns its household: ENOTFOUND
// "no such device" for an unknown or unclaimed device or a non-member,
// EFORBIDDEN for a member who is not an owner.
func (s *Service) ownedDevice(ctx context.Context, caller, deviceID string) (*hearth.Device, error) {
	dev, err := s.store.Device(ctx, deviceID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && dev.HouseholdID == "") {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
	}
	if err != nil {
		return nil, fmt.Errorf("get device: %w", err)
	}
	if _, err := s.withRole(ctx, caller, dev.HouseholdID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
		}
		return nil, err
	}
	return dev, nil
}

// RevokeCredential stops the device's credential from working: its hash is
// replaced by the hash of a fresh secret that is never shown, so no secret
// matches. Only owners of the device's household may revoke.
func (s *Service) RevokeCredential(ctx context.Context, caller, deviceID string) error {
	if _, err := s.ownedDevice(ctx, caller, deviceID); err != nil {
		return err
	}
	_, hash := auth.NewDeviceSecret()
	if err := s.store.SetCredential(ctx, deviceID, hash); err != nil {
		return fmt.Errorf("revoke credential: %w", err)
	}
	s.changed(deviceID)
	return nil
}

// ReissueCredential gives the device a new credential, revoking the old
// one, and returns the new secret (shown once). Only owners of the device's
// household may reissue.
func (s *Service) ReissueCredential(ctx context.Context, caller, deviceID string) (string, error) {
	if _, err := s.ownedDevice(ctx, caller, deviceID); err != nil {
		return "", err
	}
	secret, hash := auth.NewDeviceSecret()
	if err := s.store.SetCredential(ctx, deviceID, hash); err != nil {
		return "", fmt.Errorf("reissue credential: %w", err)
	}
	s.changed(deviceID)
	return secret, nil
}
