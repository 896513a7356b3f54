package hearth

import (
	"context"
	"time"
)

// DeviceMode says whether a device talks to the backend.
type DeviceMode string

// The device modes.
const (
	ModeCloud     DeviceMode = "cloud"      // readings flow to the backend
	ModeLocalOnly DeviceMode = "local-only" // the device keeps its core function locally and sends nothing
)

// Device is one provisioned device. Its credential is unique, random, shown
// once at provisioning and stored only as a hash: never a shared default.
type Device struct {
	ID             string
	Model          string // a model ID from the manifest's catalogue
	HouseholdID    string // "" until claimed
	CredentialHash []byte
	Firmware       string
	Mode           DeviceMode
	Created        time.Time
	Claimed        time.Time // zero until claimed
}

// Claim is a one-time, expiring code that binds an unclaimed device to the
// household that redeems it. Only the hash of the code is stored.
type Claim struct {
	CodeHash []byte
	DeviceID string
	Expires  time.Time
	Created  time.Time
}

// DeviceStore keeps devices and their claim codes.
type DeviceStore interface {
	// CreateDevice stores a new device; ECONFLICT if the ID is taken.
	CreateDevice(ctx context.Context, d *Device) error
	// Device returns ENOTFOUND if there is no such device.
	Device(ctx context.Context, id string) (*Device, error)
	// DevicesIn lists a household's devices, oldest first.
	DevicesIn(ctx context.Context, householdID string) ([]Device, error)
	// SetCredential replaces a device's credential hash (revoke and re-issue).
	SetCredential(ctx context.Context, deviceID string, hash []byte) error
	// CreateClaim stores a claim code for a device, replacing any earlier one.
	CreateClaim(ctx context.Context, c *Claim) error
	// RedeemClaim uses up a claim code and binds its device to the household,
	// in one transaction. ENOTFOUND for an unknown code, ECONFLICT if it was
	// used already or the device is claimed, EGONE if it expired.
	RedeemClaim(ctx context.Context, codeHash []byte, householdID string, now time.Time) (*Device, error)
}
