package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const releaseCols = "model, version, metadata, sha256, length, expires, substantial, notes, key_id, published"

// AddFirmwareRelease stores a release and its image in one transaction;
// ECONFLICT if the model has that version already.
func (db *DB) AddFirmwareRelease(ctx context.Context, r *hearth.FirmwareRelease, image []byte) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO firmware_releases ("+releaseCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			r.Model, r.Version, r.Metadata, r.SHA256, r.Length, ts(r.Expires), r.Substantial, r.Notes, r.KeyID, ts(r.Published))
		if err != nil {
			return wrap("insert firmware release", err, map[string]string{hearth.ECONFLICT: "the model has a release of that version already"})
		}
		_, err = tx.Exec(ctx, "INSERT INTO firmware_images (model, version, image) VALUES ($1, $2, $3)", r.Model, r.Version, image)
		return wrap("insert firmware image", err, nil)
	})
}

// scanRelease reads a row of releaseCols.
func scanRelease(row pgx.Row) (*hearth.FirmwareRelease, error) {
	var r hearth.FirmwareRelease
	var expires, published int64
	if err := row.Scan(&r.Model, &r.Version, &r.Metadata, &r.SHA256, &r.Length, &expires, &r.Substantial, &r.Notes, &r.KeyID, &published); err != nil {
		return nil, err
	}
	r.Expires, r.Published = fromTS(expires), fromTS(published)
	return &r, nil
}

// FirmwareRelease returns a model's release of that version, or ENOTFOUND.
func (db *DB) FirmwareRelease(ctx context.Context, model, version string) (*hearth.FirmwareRelease, error) {
	row := db.data.QueryRow(ctx, "SELECT "+releaseCols+" FROM firmware_releases WHERE model = $1 AND version = $2", model, version)
	r, err := scanRelease(row)
	if err != nil {
		return nil, notFound("select firmware release", err, "no such firmware release")
	}
	return r, nil
}

// FirmwareReleases lists a model's releases ("" for every model's), latest
// published first.
func (db *DB) FirmwareReleases(ctx context.Context, model string) ([]hearth.FirmwareRelease, error) {
	return queryAll(ctx, db.data, scanRelease, "firmware releases",
		"SELECT "+releaseCols+" FROM firmware_releases WHERE $1::text = '' OR model = $1 ORDER BY published DESC, model, version", model)
}

// FirmwareImage returns the image of a model's release, or ENOTFOUND.
func (db *DB) FirmwareImage(ctx context.Context, model, version string) ([]byte, error) {
	var image []byte
	err := db.data.QueryRow(ctx, "SELECT image FROM firmware_images WHERE model = $1 AND version = $2", model, version).Scan(&image)
	if err != nil {
		return nil, notFound("select firmware image", err, "no such firmware release")
	}
	return image, nil
}

// DevicesOfModel lists a model's devices in ID order.
func (db *DB) DevicesOfModel(ctx context.Context, model string) ([]hearth.Device, error) {
	return queryAll(ctx, db.data, scanDevice, "devices", "SELECT "+deviceCols+" FROM devices WHERE model = $1 ORDER BY id", model)
}

const offerCols = "device_id, model, version, command_id, status, reason, detail, created, updated"

// PutFirmwareOffer stores o, replacing the device's offer of the same
// version but keeping its Created (one statement: nodes putting the same
// offer at once leave one row, the last writer's); ENOTFOUND if the
// device or the release does not exist.
func (db *DB) PutFirmwareOffer(ctx context.Context, o *hearth.FirmwareOffer) error {
	_, err := db.data.Exec(ctx, "INSERT INTO firmware_offers ("+offerCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"+
		" ON CONFLICT (device_id, version) DO UPDATE SET model = excluded.model, command_id = excluded.command_id,"+
		" status = excluded.status, reason = excluded.reason, detail = excluded.detail, updated = excluded.updated",
		o.DeviceID, o.Model, o.Version, o.CommandID, string(o.Status), o.Reason, o.Detail, ts(o.Created), ts(o.Updated))
	return wrap("put firmware offer", err, map[string]string{hearth.ENOTFOUND: "no such device or firmware release"})
}

// scanOffer reads a row of offerCols.
func scanOffer(row pgx.Row) (*hearth.FirmwareOffer, error) {
	var o hearth.FirmwareOffer
	var status string
	var created, updated int64
	if err := row.Scan(&o.DeviceID, &o.Model, &o.Version, &o.CommandID, &status, &o.Reason, &o.Detail, &created, &updated); err != nil {
		return nil, err
	}
	o.Status, o.Created, o.Updated = hearth.OfferStatus(status), fromTS(created), fromTS(updated)
	return &o, nil
}

// FirmwareOffer returns a device's offer of a version, or ENOTFOUND.
func (db *DB) FirmwareOffer(ctx context.Context, deviceID, version string) (*hearth.FirmwareOffer, error) {
	row := db.data.QueryRow(ctx, "SELECT "+offerCols+" FROM firmware_offers WHERE device_id = $1 AND version = $2", deviceID, version)
	o, err := scanOffer(row)
	if err != nil {
		return nil, notFound("select firmware offer", err, "that version was never offered to the device")
	}
	return o, nil
}

// FirmwareOffers lists a device's offers, latest created first.
func (db *DB) FirmwareOffers(ctx context.Context, deviceID string) ([]hearth.FirmwareOffer, error) {
	return queryAll(ctx, db.data, scanOffer, "firmware offers",
		"SELECT "+offerCols+" FROM firmware_offers WHERE device_id = $1 ORDER BY created DESC, version DESC", deviceID)
}

// PendingFirmwareOffers lists up to limit pending offers (0 means 100),
// in (device ID, version) order, after the offer (afterDevice,
// afterVersion).
func (db *DB) PendingFirmwareOffers(ctx context.Context, afterDevice, afterVersion string, limit int) ([]hearth.FirmwareOffer, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db.data, scanOffer, "firmware offers",
		"SELECT "+offerCols+" FROM firmware_offers WHERE status = $1 AND (device_id, version) > ($2, $3) ORDER BY device_id, version LIMIT $4",
		string(hearth.OfferPending), afterDevice, afterVersion, limit)
}

const reportCols = "id, device_id, status, version, reason, detail, accepted, problem, at"

// RecordFirmwareReport stores rep and, if it is accepted, applies it to
// the device's offer (and, for installed, to the device's firmware) in the
// same transaction; ENOTFOUND, storing nothing, if there is no such offer.
func (db *DB) RecordFirmwareReport(ctx context.Context, rep *hearth.FirmwareReport) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if rep.Accepted {
			if err := applyFirmwareReport(ctx, tx, rep); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO firmware_reports ("+reportCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			rep.ID, rep.DeviceID, rep.Status, rep.Version, rep.Reason, rep.Detail, rep.Accepted, rep.Problem, ts(rep.At))
		return wrap("insert firmware report", err, map[string]string{hearth.ENOTFOUND: "no such device", hearth.ECONFLICT: "a report with that ID exists already"})
	})
}

// applyFirmwareReport sets the offer's status from an accepted report,
// and the device's firmware if it reports the version installed;
// ENOTFOUND if the version was never offered to the device.
func applyFirmwareReport(ctx context.Context, tx pgx.Tx, rep *hearth.FirmwareReport) error {
	tag, err := tx.Exec(ctx, "UPDATE firmware_offers SET status = $1, reason = $2, detail = $3, updated = $4 WHERE device_id = $5 AND version = $6",
		rep.Status, rep.Reason, rep.Detail, ts(rep.At), rep.DeviceID, rep.Version)
	if err := expectOne("update firmware offer", tag, err, "that version was never offered to the device"); err != nil {
		return err
	}
	if rep.Status != string(hearth.OfferInstalled) {
		return nil
	}
	_, err = tx.Exec(ctx, "UPDATE devices SET firmware = $1 WHERE id = $2", rep.Version, rep.DeviceID)
	return wrap("set device firmware", err, nil)
}

// scanReport reads a row of reportCols.
func scanReport(row pgx.Row) (*hearth.FirmwareReport, error) {
	var r hearth.FirmwareReport
	var at int64
	if err := row.Scan(&r.ID, &r.DeviceID, &r.Status, &r.Version, &r.Reason, &r.Detail, &r.Accepted, &r.Problem, &at); err != nil {
		return nil, err
	}
	r.At = fromTS(at)
	return &r, nil
}

// FirmwareReports lists a device's reports, latest first, at most limit
// (0 means 100).
func (db *DB) FirmwareReports(ctx context.Context, deviceID string, limit int) ([]hearth.FirmwareReport, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db.data, scanReport, "firmware reports",
		"SELECT "+reportCols+" FROM firmware_reports WHERE device_id = $1 ORDER BY at DESC, id DESC LIMIT $2", deviceID, limit)
}

// RecordFirmwareRefusal stores a refused firmware request; ENOTFOUND if
// the person does not exist.
func (db *DB) RecordFirmwareRefusal(ctx context.Context, r *hearth.FirmwareRefusal) error {
	_, err := db.data.Exec(ctx, "INSERT INTO firmware_refusals (id, device_id, person_id, problem, at) VALUES ($1, $2, $3, $4, $5)",
		r.ID, r.DeviceID, r.PersonID, r.Problem, ts(r.At))
	return wrap("insert firmware refusal", err, map[string]string{hearth.ENOTFOUND: "no such person"})
}

// scanFirmwareRefusal reads a row of a firmware refusal.
func scanFirmwareRefusal(row pgx.Row) (*hearth.FirmwareRefusal, error) {
	var r hearth.FirmwareRefusal
	var at int64
	if err := row.Scan(&r.ID, &r.DeviceID, &r.PersonID, &r.Problem, &at); err != nil {
		return nil, err
	}
	r.At = fromTS(at)
	return &r, nil
}

// FirmwareRefusals lists refused firmware requests, latest first, at most
// limit (0 means 100).
func (db *DB) FirmwareRefusals(ctx context.Context, limit int) ([]hearth.FirmwareRefusal, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db.data, scanFirmwareRefusal, "firmware refusals",
		"SELECT id, device_id, person_id, problem, at FROM firmware_refusals ORDER BY at DESC, id DESC LIMIT $1", limit)
}

// FirmwareRefusalsBy lists the refused firmware requests personID made,
// latest first, at most limit (0 means 100).
func (db *DB) FirmwareRefusalsBy(ctx context.Context, personID string, limit int) ([]hearth.FirmwareRefusal, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db.data, scanFirmwareRefusal, "firmware refusals",
		"SELECT id, device_id, person_id, problem, at FROM firmware_refusals WHERE person_id = $1 ORDER BY at DESC, id DESC LIMIT $2", personID, limit)
}

// DeleteFirmwareRefusalsBefore deletes the refused firmware requests
// recorded before t and returns how many it deleted.
func (db *DB) DeleteFirmwareRefusalsBefore(ctx context.Context, t time.Time) (int, error) {
	tag, err := db.data.Exec(ctx, "DELETE FROM firmware_refusals WHERE at < $1", ts(t))
	return affected("delete firmware refusals", tag, err)
}
