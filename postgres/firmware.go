package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// AddFirmwareRelease implements hearth.FirmwareStore.
func (db *DB) AddFirmwareRelease(ctx context.Context, r *hearth.FirmwareRelease, image []byte) error {
	panic(notYet)
}

// DeleteFirmwareRefusalsBefore implements hearth.FirmwareStore.
func (db *DB) DeleteFirmwareRefusalsBefore(ctx context.Context, t time.Time) (int, error) {
	panic(notYet)
}

// DevicesOfModel implements hearth.FirmwareStore.
func (db *DB) DevicesOfModel(ctx context.Context, model string) ([]hearth.Device, error) {
	panic(notYet)
}

// FirmwareImage implements hearth.FirmwareStore.
func (db *DB) FirmwareImage(ctx context.Context, model string, version string) ([]byte, error) {
	panic(notYet)
}

// FirmwareOffer implements hearth.FirmwareStore.
func (db *DB) FirmwareOffer(ctx context.Context, deviceID string, version string) (*hearth.FirmwareOffer, error) {
	panic(notYet)
}

// FirmwareOffers implements hearth.FirmwareStore.
func (db *DB) FirmwareOffers(ctx context.Context, deviceID string) ([]hearth.FirmwareOffer, error) {
	panic(notYet)
}

// FirmwareRefusals implements hearth.FirmwareStore.
func (db *DB) FirmwareRefusals(ctx context.Context, limit int) ([]hearth.FirmwareRefusal, error) {
	panic(notYet)
}

// FirmwareRefusalsBy implements hearth.FirmwareStore.
func (db *DB) FirmwareRefusalsBy(ctx context.Context, personID string, limit int) ([]hearth.FirmwareRefusal, error) {
	panic(notYet)
}

// FirmwareRelease implements hearth.FirmwareStore.
func (db *DB) FirmwareRelease(ctx context.Context, model string, version string) (*hearth.FirmwareRelease, error) {
	panic(notYet)
}

// FirmwareReleases implements hearth.FirmwareStore.
func (db *DB) FirmwareReleases(ctx context.Context, model string) ([]hearth.FirmwareRelease, error) {
	panic(notYet)
}

// FirmwareReports implements hearth.FirmwareStore.
func (db *DB) FirmwareReports(ctx context.Context, deviceID string, limit int) ([]hearth.FirmwareReport, error) {
	panic(notYet)
}

// PendingFirmwareOffers implements hearth.FirmwareStore.
func (db *DB) PendingFirmwareOffers(ctx context.Context, afterDevice string, afterVersion string, limit int) ([]hearth.FirmwareOffer, error) {
	panic(notYet)
}

// PutFirmwareOffer implements hearth.FirmwareStore.
func (db *DB) PutFirmwareOffer(ctx context.Context, o *hearth.FirmwareOffer) error {
	panic(notYet)
}

// RecordFirmwareRefusal implements hearth.FirmwareStore.
func (db *DB) RecordFirmwareRefusal(ctx context.Context, r *hearth.FirmwareRefusal) error {
	panic(notYet)
}

// RecordFirmwareReport implements hearth.FirmwareStore.
func (db *DB) RecordFirmwareReport(ctx context.Context, rep *hearth.FirmwareReport) error {
	panic(notYet)
}
