package hearth

import (
	"context"
	"time"
)

// Transfer is a device's ownership transfer (OWN-TRANSFER): an owner of
// the device's household starts it, and an owner of another household
// accepts it with a one-time code. Only the hash of the code is stored.
type Transfer struct {
	CodeHash      []byte
	DeviceID      string
	FromHousehold string
	StartedBy     string // the person ID of the owner who started it
	// Erase: the previous household chose to have its readings from the
	// device erased when the transfer is accepted, rather than kept for
	// its members to export or erase.
	Erase       bool
	Created     time.Time
	Expires     time.Time
	Used        time.Time // zero until accepted
	ToHousehold string    // "" until accepted
}

// Device log actions.
const (
	ActionTransferStarted  = "transfer-started"
	ActionTransferAccepted = "transfer-accepted"
	ActionTransferRefused  = "transfer-refused"  // a bad attempt to accept one
	ActionTransferCanceled = "transfer-canceled" // by its household, a reset or a removal
	ActionFactoryReset     = "factory-reset"     // asked from the account, or announced by the device
	ActionResetRefused     = "reset-refused"     // a reset asked for a device the caller does not own
	ActionModeChanged      = "mode-changed"
	ActionCommandRefused   = "command-refused" // the device reported it did not carry out a command
	ActionReadingsErased   = "readings-erased" // an owner erased the readings a device that left the household sent to it
)

// DeviceLogEntry is one entry of a device's lifecycle log: what was done
// to the device or asked of it, by whom, and how it ended. It holds IDs,
// codes and a time only: never a name, an address or free text.
type DeviceLogEntry struct {
	ID          int64
	DeviceID    string
	HouseholdID string // the household it was done in or for; "" if none
	PersonID    string // who acted; "" when the device itself reported it
	Action      string // one of the Action constants
	// Outcome is a code: "done", "sent" or "not-delivered" for a command,
	// or why it was refused (such as "code-used").
	Outcome   string
	CommandID string // the command sent or refused, if any
	Time      time.Time
}

// DeviceLifecycleStore keeps what a device's life after its first claim
// needs: transfers, modes and the device log.
type DeviceLifecycleStore interface {
	// CreateTransfer stores a transfer, deleting any unused transfer of
	// the same device, in one transaction. ENOTFOUND if the device is not
	// bound to t.FromHousehold.
	CreateTransfer(ctx context.Context, t *Transfer) error
	// TransferByCode returns the transfer whose code hashes to codeHash,
	// used or not, or ENOTFOUND.
	TransferByCode(ctx context.Context, codeHash []byte) (*Transfer, error)
	// AcceptTransfer, in one transaction, uses up the transfer whose code
	// hashes to codeHash and binds its device to toHousehold, in cloud
	// mode, claimed at now, with credentialHash as its credential. It
	// returns the transfer as used. ENOTFOUND for an unknown code;
	// ECONFLICT if it was used already or its device is no longer bound to
	// FromHousehold; EGONE if it expired at now. Nothing changes on error.
	AcceptTransfer(ctx context.Context, codeHash []byte, toHousehold string, credentialHash []byte, now time.Time) (*Transfer, error)
	// DeleteTransfers deletes a device's unused transfers and returns how
	// many it deleted.
	DeleteTransfers(ctx context.Context, deviceID string) (int, error)
	// DeleteTransfersExpiredBefore deletes every transfer, used or not,
	// that expired before before, and returns how many it deleted.
	DeleteTransfersExpiredBefore(ctx context.Context, before time.Time) (int, error)
	// SetDeviceMode sets the mode of a device bound to householdID.
	// ENOTFOUND if it is not bound to householdID.
	SetDeviceMode(ctx context.Context, deviceID, householdID string, mode DeviceMode) error
	// AppendDeviceLog stores an entry and sets its ID.
	AppendDeviceLog(ctx context.Context, e *DeviceLogEntry) error
	// DeviceLog lists a device's log entries, oldest first; none for an
	// unknown device.
	DeviceLog(ctx context.Context, deviceID string) ([]DeviceLogEntry, error)
	// DeviceLogBy lists the device log entries that name personID as who
	// acted, newest first, at most limit of them.
	DeviceLogBy(ctx context.Context, personID string, limit int) ([]DeviceLogEntry, error)
	// DeleteDeviceLogBefore deletes every device log entry whose Time is
	// before before, and returns how many it deleted.
	DeleteDeviceLogBefore(ctx context.Context, before time.Time) (int, error)
}

// NotifyDeviceLifecycle: a household's device reset itself, or left the
// household by a transfer; the owners are told what became of the
// readings it sent (FACTORY-RESET, OWN-TRANSFER).
const NotifyDeviceLifecycle NotificationKind = "device-lifecycle"
