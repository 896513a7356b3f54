package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

const deviceCols = "id, model, household_id, credential_hash, firmware, mode, created, claimed"

// CreateDevice stores a new device. ECONFLICT if the ID is taken; ENOTFOUND
// if it names a household that does not exist.
func (db *DB) CreateDevice(ctx context.Context, d *hearth.Device) error {
	_, err := exec(ctx, db.data, "INSERT INTO devices ("+deviceCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, d.Model, optString(d.HouseholdID), d.CredentialHash, d.Firmware, string(d.Mode),
		ts(d.Created), optTS(d.Claimed))
	return wrap("insert device", err, map[string]string{
		hearth.ECONFLICT: "a device with that ID exists already",
		hearth.ENOTFOUND: "no such household",
	})
}

// Device returns the device with that ID, or ENOTFOUND.
func (db *DB) Device(ctx context.Context, id string) (*hearth.Device, error) {
	row := db.data.r.QueryRowContext(ctx, "SELECT "+deviceCols+" FROM devices WHERE id = ?", id)
	d, err := scanDevice(row)
	if err != nil {
		return nil, notFound("select device", err, "no such device")
	}
	return d, nil
}

func scanDevice(row rowScanner) (*hearth.Device, error) {
	var d hearth.Device
	var hh sql.NullString
	var mode string
	var created int64
	var claimed sql.NullInt64
	if err := row.Scan(&d.ID, &d.Model, &hh, &d.CredentialHash, &d.Firmware, &mode, &created, &claimed); err != nil {
		return nil, err
	}
	d.HouseholdID, d.Mode = hh.String, hearth.DeviceMode(mode)
	d.Created, d.Claimed = fromTS(created), fromOptTS(claimed)
	return &d, nil
}

// DevicesIn lists a household's devices, oldest first; an empty list for an
// unknown household.
func (db *DB) DevicesIn(ctx context.Context, householdID string) ([]hearth.Device, error) {
	return queryAll(ctx, db.data, scanDevice, "devices",
		"SELECT "+deviceCols+" FROM devices WHERE household_id = ? ORDER BY created, rowid", householdID)
}

// SetCredential replaces a device's credential hash (revoke and re-issue);
// ENOTFOUND if there is no such device.
func (db *DB) SetCredential(ctx context.Context, deviceID string, hash []byte) error {
	res, err := exec(ctx, db.data, "UPDATE devices SET credential_hash = ? WHERE id = ?", hash, deviceID)
	if err != nil {
		return wrap("set credential", err, nil)
	}
	return expectOne(res, "set credential", "no such device")
}

// expectOne returns ENOTFOUND with msg unless res affected a row.
func expectOne(res sql.Result, op, msg string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "%s", msg)
	}
	return nil
}

// CreateClaim stores a claim code for a device, replacing any earlier one,
// in one transaction. ENOTFOUND if the device does not exist; ECONFLICT if
// the code hash is in use for another device.
func (db *DB) CreateClaim(ctx context.Context, c *hearth.Claim) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM claims WHERE device_id = ?", c.DeviceID); err != nil {
			return wrap("replace claim", err, nil)
		}
		_, err := tx.ExecContext(ctx,
			"INSERT INTO claims (code_hash, device_id, expires, created) VALUES (?, ?, ?, ?)",
			c.CodeHash, c.DeviceID, ts(c.Expires), ts(c.Created))
		return wrap("insert claim", err, map[string]string{
			hearth.ECONFLICT: "that claim code exists already",
			hearth.ENOTFOUND: "no such device",
		})
	})
}

// RedeemClaim uses up a claim code and binds its device to householdID
// (claimed at now), in one transaction. ENOTFOUND for an unknown code or
// household, ECONFLICT if the code was used already or the device is
// claimed, EGONE if the code expired (now is not before its expiry).
func (db *DB) RedeemClaim(ctx context.Context, codeHash []byte, householdID string, now time.Time) (*hearth.Device, error) {
	var d *hearth.Device
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var deviceID string
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT device_id, expires, used FROM claims WHERE code_hash = ?", codeHash).
			Scan(&deviceID, &expires, &used)
		if err != nil {
			return notFound("select claim", err, "no such claim code")
		}
		if err := usable(used, expires, now, "claim code"); err != nil {
			return err
		}
		d, err = claimDevice(ctx, tx, deviceID, householdID, now)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE claims SET used = ? WHERE code_hash = ?", ts(now), codeHash)
		return wrap("use claim", err, nil)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// claimDevice binds an unclaimed device to a household; ECONFLICT if the
// device is claimed already.
func claimDevice(ctx context.Context, tx *sql.Tx, deviceID, householdID string, now time.Time) (*hearth.Device, error) {
	d, err := scanDevice(tx.QueryRowContext(ctx, "SELECT "+deviceCols+" FROM devices WHERE id = ?", deviceID))
	if err != nil {
		return nil, notFound("select device", err, "no such device")
	}
	if d.HouseholdID != "" {
		return nil, hearth.Errorf(hearth.ECONFLICT, "that device is claimed already")
	}
	_, err = tx.ExecContext(ctx, "UPDATE devices SET household_id = ?, claimed = ? WHERE id = ?",
		householdID, ts(now), deviceID)
	if err != nil {
		return nil, wrap("claim device", err, map[string]string{hearth.ENOTFOUND: "no such household"})
	}
	d.HouseholdID, d.Claimed = householdID, fromTS(ts(now))
	return d, nil
}
