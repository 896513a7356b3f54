package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// AcceptTransfer implements hearth.DeviceLifecycleStore.
func (db *DB) AcceptTransfer(ctx context.Context, codeHash []byte, toHousehold string, credentialHash []byte, now time.Time) (*hearth.Transfer, error) {
	panic(notYet)
}

// AppendDeviceLog implements hearth.DeviceLifecycleStore.
func (db *DB) AppendDeviceLog(ctx context.Context, e *hearth.DeviceLogEntry) error {
	panic(notYet)
}

// CreateTransfer implements hearth.DeviceLifecycleStore.
func (db *DB) CreateTransfer(ctx context.Context, t *hearth.Transfer) error {
	panic(notYet)
}

// DeleteDeviceLogBefore implements hearth.DeviceLifecycleStore.
func (db *DB) DeleteDeviceLogBefore(ctx context.Context, before time.Time) (int, error) {
	panic(notYet)
}

// DeleteTransfers implements hearth.DeviceLifecycleStore.
func (db *DB) DeleteTransfers(ctx context.Context, deviceID string) (int, error) {
	panic(notYet)
}

// DeleteTransfersExpiredBefore implements hearth.DeviceLifecycleStore.
func (db *DB) DeleteTransfersExpiredBefore(ctx context.Context, before time.Time) (int, error) {
	panic(notYet)
}

// DeviceLog implements hearth.DeviceLifecycleStore.
func (db *DB) DeviceLog(ctx context.Context, deviceID string) ([]hearth.DeviceLogEntry, error) {
	panic(notYet)
}

// DeviceLogBy implements hearth.DeviceLifecycleStore.
func (db *DB) DeviceLogBy(ctx context.Context, personID string, limit int) ([]hearth.DeviceLogEntry, error) {
	panic(notYet)
}

// SetDeviceMode implements hearth.DeviceLifecycleStore.
func (db *DB) SetDeviceMode(ctx context.Context, deviceID string, householdID string, mode hearth.DeviceMode) error {
	panic(notYet)
}

// TransferByCode implements hearth.DeviceLifecycleStore.
func (db *DB) TransferByCode(ctx context.Context, codeHash []byte) (*hearth.Transfer, error) {
	panic(notYet)
}
