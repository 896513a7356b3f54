package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// CreateClaim implements hearth.DeviceStore.
func (db *DB) CreateClaim(ctx context.Context, c *hearth.Claim) error {
	panic(notYet)
}

// CreateDevice implements hearth.DeviceStore.
func (db *DB) CreateDevice(ctx context.Context, d *hearth.Device) error {
	panic(notYet)
}

// Device implements hearth.DeviceStore.
func (db *DB) Device(ctx context.Context, id string) (*hearth.Device, error) {
	panic(notYet)
}

// DevicesIn implements hearth.DeviceStore.
func (db *DB) DevicesIn(ctx context.Context, householdID string) ([]hearth.Device, error) {
	panic(notYet)
}

// RedeemClaim implements hearth.DeviceStore.
func (db *DB) RedeemClaim(ctx context.Context, codeHash []byte, householdID string, now time.Time) (*hearth.Device, error) {
	panic(notYet)
}

// SetCredential implements hearth.DeviceStore.
func (db *DB) SetCredential(ctx context.Context, deviceID string, hash []byte) error {
	panic(notYet)
}
