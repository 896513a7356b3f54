package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const deviceCols = "id, model, household_id, credential_hash, firmware, mode, created, claimed"

// CreateDevice stores a new device. ECONFLICT if the ID is taken; ENOTFOUND
// if it names a household that does not exist.
func (db *DB) CreateDevice(ctx context.Context, d *hearth.Device) error {
	_, err := db.data.Exec(ctx, "INSERT INTO devices ("+deviceCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		d.ID, d.Model, optString(d.HouseholdID), d.CredentialHash, d.Firmware, string(d.Mode),
		ts(d.Created), optTS(d.Claimed))
	return wrap("insert device", err, map[string]string{
		hearth.ECONFLICT: "a device with that ID exists already",
		hearth.ENOTFOUND: "no such household",
	})
}

// Device returns the device with that ID, or ENOTFOUND.
func (db *DB) Device(ctx context.Context, id string) (*hearth.Device, error) {
	d, err := scanDevice(db.data.QueryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE id = $1", id))
	if err != nil {
		return nil, notFound("select device", err, "no such device")
	}
	return d, nil
}

// scanDevice reads a row of deviceCols.
func scanDevice(row pgx.Row) (*hearth.Device, error) {
	var d hearth.Device
	var hh *string
	var mode string
	var created int64
	var claimed *int64
	if err := row.Scan(&d.ID, &d.Model, &hh, &d.CredentialHash, &d.Firmware, &mode, &created, &claimed); err != nil {
		return nil, err
	}
	d.HouseholdID, d.Mode = str(hh), hearth.DeviceMode(mode)
	d.Created, d.Claimed = fromTS(created), fromOptTS(claimed)
	return &d, nil
}

// DevicesIn lists a household's devices, oldest first (of devices created
// at the same time, the first stored first); an empty list for an
// unknown household.
func (db *DB) DevicesIn(ctx context.Context, householdID string) ([]hearth.Device, error) {
	return queryAll(ctx, db.data, scanDevice, "devices",
		"SELECT "+deviceCols+" FROM devices WHERE household_id = $1 ORDER BY created, seq", householdID)
}

// SetCredential replaces a device's credential hash (revoke and re-issue);
// ENOTFOUND if there is no such device.
func (db *DB) SetCredential(ctx context.Context, deviceID string, hash []byte) error {
	tag, err := db.data.Exec(ctx, "UPDATE devices SET credential_hash = $1 WHERE id = $2", hash, deviceID)
	return expectOne("set credential", tag, err, "no such device")
}

// CreateClaim stores a claim code for a device, replacing any earlier one,
// in one transaction that holds the device's row lock, so that of two
// nodes creating codes for one device at once the later one's code is the
// only one left. ENOTFOUND if the device does not exist; ECONFLICT if the
// code hash is in use.
func (db *DB) CreateClaim(ctx context.Context, c *hearth.Claim) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if err := lockDevice(ctx, tx, c.DeviceID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM claims WHERE device_id = $1", c.DeviceID); err != nil {
			return wrap("replace claim", err, nil)
		}
		_, err := tx.Exec(ctx, "INSERT INTO claims (code_hash, device_id, expires, created) VALUES ($1, $2, $3, $4)",
			c.CodeHash, c.DeviceID, ts(c.Expires), ts(c.Created))
		return wrap("insert claim", err, map[string]string{
			hearth.ECONFLICT: "that claim code exists already",
			hearth.ENOTFOUND: "no such device",
		})
	})
}

// lockDevice takes the row lock of a device (FOR NO KEY UPDATE: rows
// referring to the device may still be added) until the transaction ends;
// ENOTFOUND if there is no such device.
func lockDevice(ctx context.Context, tx pgx.Tx, deviceID string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM devices WHERE id = $1 FOR NO KEY UPDATE", deviceID).Scan(&one)
	return notFound("lock device", err, "no such device")
}

// RedeemClaim uses up a claim code and binds its device to householdID
// (claimed at now), in one transaction. ENOTFOUND for an unknown code or
// household, ECONFLICT if the code was used already or the device is
// claimed, EGONE if the code expired (now is not before its expiry).
//
// Nodes redeeming at once: the device's row lock, then the claim's, are
// taken before the claim is checked (the order CreateClaim takes them
// in, so the two cannot deadlock), so of two redeeming one code, or two
// codes of one device, the second sees the first's result.
func (db *DB) RedeemClaim(ctx context.Context, codeHash []byte, householdID string, now time.Time) (*hearth.Device, error) {
	var d *hearth.Device
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		var deviceID string
		err := tx.QueryRow(ctx, "SELECT device_id FROM claims WHERE code_hash = $1", codeHash).Scan(&deviceID)
		if err != nil {
			return notFound("select claim", err, "no such claim code")
		}
		if err := lockDevice(ctx, tx, deviceID); err != nil {
			return err
		}
		var expires int64
		var used *int64
		err = tx.QueryRow(ctx, "SELECT expires, used FROM claims WHERE code_hash = $1 AND device_id = $2 FOR UPDATE", codeHash, deviceID).
			Scan(&expires, &used)
		if err != nil { // replaced since it was read
			return notFound("lock claim", err, "no such claim code")
		}
		if err := usable(used, expires, now, "claim code"); err != nil {
			return err
		}
		if d, err = claimDevice(ctx, tx, deviceID, householdID, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE claims SET used = $1 WHERE code_hash = $2", ts(now), codeHash)
		return wrap("use claim", err, nil)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// claimDevice binds an unclaimed device to a household and returns it;
// ECONFLICT if the device is claimed already, ENOTFOUND if it or the
// household does not exist.
func claimDevice(ctx context.Context, tx pgx.Tx, deviceID, householdID string, now time.Time) (*hearth.Device, error) {
	d, err := scanDevice(tx.QueryRow(ctx, "UPDATE devices SET household_id = $1, claimed = $2 WHERE id = $3 AND household_id IS NULL RETURNING "+deviceCols,
		householdID, ts(now), deviceID))
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap("claim device", err, map[string]string{hearth.ENOTFOUND: "no such household"})
	}
	var one int
	err = tx.QueryRow(ctx, "SELECT 1 FROM devices WHERE id = $1", deviceID).Scan(&one)
	if err != nil {
		return nil, notFound("select device", err, "no such device")
	}
	return nil, hearth.Errorf(hearth.ECONFLICT, "that device is claimed already")
}
