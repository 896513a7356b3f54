package hearth

import (
	"context"
	"time"
)

// FirmwareRelease is a signed firmware release an operator published for
// a device model (SEC-UPDATES). Metadata is the signed metadata exactly as
// published (package firmware); the other fields are read from it.
type FirmwareRelease struct {
	Model       string
	Version     string
	Metadata    []byte
	SHA256      string
	Length      int64
	Expires     time.Time
	Substantial bool
	Notes       string
	KeyID       string // the trusted key whose signature was checked at publishing
	Published   time.Time
}

// OfferStatus is where a firmware offer to one device stands.
type OfferStatus string

// The offer statuses.
const (
	OfferPending   OfferStatus = "pending"   // recorded; the command was not delivered (the device was not connected)
	OfferSent      OfferStatus = "sent"      // the update command was handed to the device's connection
	OfferInstalled OfferStatus = "installed" // the device reported it installed the version
	OfferRefused   OfferStatus = "refused"   // the device reported it refused the release, with a reason
)

// FirmwareOffer is a release offered to one device, by a rollout or by its
// owner's manual update. There is at most one offer per device and version.
type FirmwareOffer struct {
	DeviceID  string
	Model     string
	Version   string
	CommandID string // the ID of the latest firmware-update command sent for it
	Status    OfferStatus
	Reason    string // the device's reason, for OfferRefused
	Detail    string // the device's detail, for OfferRefused
	Created   time.Time
	Updated   time.Time
}

// FirmwareReport is one firmware event a device sent, as recorded: what
// it said, and whether it was accepted (it answered an offer) or refused
// (Problem says why, for example a version it was never offered). Reports
// hold no personal data.
type FirmwareReport struct {
	ID       string
	DeviceID string
	Status   string // "installed" or "refused", as the device sent it
	Version  string
	Reason   string
	Detail   string
	Accepted bool
	Problem  string // why the report was refused; "" if accepted
	At       time.Time
}

// FirmwareRefusal records a firmware request the server refused because
// the caller may not update the device (not a member of its household, or
// not an owner), or the device does not exist: who asked, about which
// device ID, and why. Nothing else changed. The server deletes these
// records after 90 days (policy.SecurityRecordRetention, SEC-MONITOR).
type FirmwareRefusal struct {
	ID       string
	DeviceID string // as the caller named it; the device may not exist
	PersonID string // the caller
	Problem  string
	At       time.Time
}

// FirmwareStore keeps firmware releases, their images, offers to devices
// and the devices' reports. Implementations are safe for concurrent use.
type FirmwareStore interface {
	// AddFirmwareRelease stores r and its image in one transaction.
	// ECONFLICT if the model has that version already.
	AddFirmwareRelease(ctx context.Context, r *FirmwareRelease, image []byte) error
	// FirmwareRelease returns a model's release of that version, or
	// ENOTFOUND.
	FirmwareRelease(ctx context.Context, model, version string) (*FirmwareRelease, error)
	// FirmwareReleases lists a model's releases, latest published first
	// ("" lists every model's).
	FirmwareReleases(ctx context.Context, model string) ([]FirmwareRelease, error)
	// FirmwareImage returns the image of a model's release, or ENOTFOUND.
	FirmwareImage(ctx context.Context, model, version string) ([]byte, error)
	// DevicesOfModel lists the devices of a model, claimed or not, in ID
	// order.
	DevicesOfModel(ctx context.Context, model string) ([]Device, error)
	// PutFirmwareOffer stores o, replacing the offer of the same device and
	// version (Created is kept). ENOTFOUND if the device or the release
	// does not exist.
	PutFirmwareOffer(ctx context.Context, o *FirmwareOffer) error
	// FirmwareOffer returns a device's offer of a version, or ENOTFOUND.
	FirmwareOffer(ctx context.Context, deviceID, version string) (*FirmwareOffer, error)
	// FirmwareOffers lists a device's offers, latest created first (of
	// offers created at the same time, by version as text, descending).
	FirmwareOffers(ctx context.Context, deviceID string) ([]FirmwareOffer, error)
	// PendingFirmwareOffers lists up to limit offers (0 means 100) with
	// status pending, in (device ID, version) order, after the offer
	// (afterDevice, afterVersion) ("", "" starts at the first).
	PendingFirmwareOffers(ctx context.Context, afterDevice, afterVersion string, limit int) ([]FirmwareOffer, error)
	// RecordFirmwareReport stores rep. If rep.Accepted, in the same
	// transaction it sets the status of the device's offer of rep.Version
	// to rep.Status (installed or refused, with rep's reason and detail)
	// and, for installed, the device's Firmware to rep.Version; ENOTFOUND
	// if there is no such offer (and nothing is stored). A refused report
	// changes nothing else.
	RecordFirmwareReport(ctx context.Context, rep *FirmwareReport) error
	// FirmwareReports lists a device's reports, latest first, at most
	// limit (0 means 100).
	FirmwareReports(ctx context.Context, deviceID string, limit int) ([]FirmwareReport, error)
	// RecordFirmwareRefusal stores r. ENOTFOUND if the person does not
	// exist. A person's refusals are deleted with the person.
	RecordFirmwareRefusal(ctx context.Context, r *FirmwareRefusal) error
	// FirmwareRefusals lists refused firmware requests, latest first, at
	// most limit (0 means 100).
	FirmwareRefusals(ctx context.Context, limit int) ([]FirmwareRefusal, error)
	// FirmwareRefusalsBy lists the refused firmware requests personID
	// made, latest first, at most limit (0 means 100): the person's own
	// records, for their export.
	FirmwareRefusalsBy(ctx context.Context, personID string, limit int) ([]FirmwareRefusal, error)
	// DeleteFirmwareRefusalsBefore deletes the refused firmware requests
	// recorded before t and returns how many it deleted.
	DeleteFirmwareRefusalsBefore(ctx context.Context, t time.Time) (int, error)
}

// The notification kinds of firmware and support periods.
const (
	// NotifyFirmwareSubstantial: a release that changes what a device does
	// is about to be installed on a household's device; the body says
	// what changes (FIRMWARE-NOTICE).
	NotifyFirmwareSubstantial NotificationKind = "firmware-substantial"
	// NotifyDeviceUnsupported: a household's device is past its model's
	// security-update end and should be taken off the network
	// (SEC-UPDATES, LIFETIME-CLEAR).
	NotifyDeviceUnsupported NotificationKind = "device-unsupported"
)
