package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearth-iot/hearth"
)

const transferCols = "code_hash, device_id, from_household, started_by, erase, created, expires, used, to_household"

// CreateTransfer stores a transfer, deleting the device's unused ones, in
// one transaction. ENOTFOUND if the device is not bound to
// t.FromHousehold; ECONFLICT if the code hash is in use.
func (db *DB) CreateTransfer(ctx context.Context, t *hearth.Transfer) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM devices WHERE id = ? AND household_id = ?", t.DeviceID, t.FromHousehold).Scan(&n)
		if err != nil {
			return wrap("select device", err, nil)
		}
		if n == 0 {
			return hearth.Errorf(hearth.ENOTFOUND, "no such device in the household")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM transfers WHERE device_id = ? AND used IS NULL", t.DeviceID); err != nil {
			return wrap("replace transfer", err, nil)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO transfers ("+transferCols+") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
			t.CodeHash, t.DeviceID, t.FromHousehold, t.StartedBy, t.Erase, ts(t.Created), ts(t.Expires))
		return wrap("insert transfer", err, map[string]string{hearth.ECONFLICT: "that transfer code exists already"})
	})
}

// TransferByCode returns the transfer with that code hash, or ENOTFOUND.
func (db *DB) TransferByCode(ctx context.Context, codeHash []byte) (*hearth.Transfer, error) {
	t, err := scanTransfer(db.data.r.QueryRowContext(ctx, "SELECT "+transferCols+" FROM transfers WHERE code_hash = ?", codeHash))
	if err != nil {
		return nil, notFound("select transfer", err, "no such transfer code")
	}
	return t, nil
}

func scanTransfer(row rowScanner) (*hearth.Transfer, error) {
	var t hearth.Transfer
	var created, expires int64
	var used sql.NullInt64
	var to sql.NullString
	err := row.Scan(&t.CodeHash, &t.DeviceID, &t.FromHousehold, &t.StartedBy, &t.Erase, &created, &expires, &used, &to)
	if err != nil {
		return nil, err
	}
	t.Created, t.Expires, t.Used, t.ToHousehold = fromTS(created), fromTS(expires), fromOptTS(used), to.String
	return &t, nil
}

// AcceptTransfer uses up a transfer and binds its device to toHousehold,
// in one transaction (see hearth.DeviceLifecycleStore). ENOTFOUND for an
// unknown code or household; ECONFLICT if the code was used or the device
// left FromHousehold since; EGONE if it expired (now is not before its
// expiry).
func (db *DB) AcceptTransfer(ctx context.Context, codeHash []byte, toHousehold string, credentialHash []byte, now time.Time) (*hearth.Transfer, error) {
	var t *hearth.Transfer
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var err error
		t, err = scanTransfer(tx.QueryRowContext(ctx, "SELECT "+transferCols+" FROM transfers WHERE code_hash = ?", codeHash))
		if err != nil {
			return notFound("select transfer", err, "no such transfer code")
		}
		var used sql.NullInt64
		if !t.Used.IsZero() {
			used = sql.NullInt64{Valid: true}
		}
		if err := usable(used, ts(t.Expires), now, "transfer code"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE devices SET household_id = ?, claimed = ?, credential_hash = ?, mode = ?
			WHERE id = ? AND household_id = ?`, toHousehold, ts(now), credentialHash, string(hearth.ModeCloud), t.DeviceID, t.FromHousehold)
		if err != nil {
			return wrap("transfer device", err, map[string]string{hearth.ENOTFOUND: "no such household"})
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap("transfer device", err, nil)
		} else if n == 0 {
			return hearth.Errorf(hearth.ECONFLICT, "the device is no longer in the household that started the transfer")
		}
		t.Used, t.ToHousehold = fromTS(ts(now)), toHousehold
		_, err = tx.ExecContext(ctx, "UPDATE transfers SET used = ?, to_household = ? WHERE code_hash = ?", ts(now), toHousehold, codeHash)
		return wrap("use transfer", err, nil)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTransfers deletes a device's unused transfers and returns how
// many it deleted.
func (db *DB) DeleteTransfers(ctx context.Context, deviceID string) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM transfers WHERE device_id = ? AND used IS NULL", deviceID)
	return affected("delete transfers", res, err)
}

// DeleteTransfersExpiredBefore deletes the transfers, used or not, that
// expired before before, and returns how many it deleted.
func (db *DB) DeleteTransfersExpiredBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM transfers WHERE expires < ?", ts(before))
	return affected("delete expired transfers", res, err)
}

// SetDeviceMode sets the mode of a device bound to householdID; ENOTFOUND
// if it is not.
func (db *DB) SetDeviceMode(ctx context.Context, deviceID, householdID string, mode hearth.DeviceMode) error {
	res, err := exec(ctx, db.data, "UPDATE devices SET mode = ? WHERE id = ? AND household_id = ?", string(mode), deviceID, householdID)
	if err != nil {
		return wrap("set device mode", err, nil)
	}
	return expectOne(res, "set device mode", "no such device in the household")
}

const deviceLogCols = "id, device_id, household_id, person_id, action, outcome, command_id, time"

// AppendDeviceLog stores a device log entry and sets its ID.
func (db *DB) AppendDeviceLog(ctx context.Context, e *hearth.DeviceLogEntry) error {
	res, err := exec(ctx, db.data, "INSERT INTO device_log (device_id, household_id, person_id, action, outcome, command_id, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
		e.DeviceID, optString(e.HouseholdID), optString(e.PersonID), e.Action, e.Outcome, optString(e.CommandID), ts(e.Time))
	if err != nil {
		return wrap("insert device log entry", err, nil)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return wrap("insert device log entry", err, nil)
	}
	e.ID = id
	return nil
}

// DeviceLog lists a device's log entries, oldest first.
func (db *DB) DeviceLog(ctx context.Context, deviceID string) ([]hearth.DeviceLogEntry, error) {
	return queryAll(ctx, db.data, scanDeviceLog, "device log", "SELECT "+deviceLogCols+" FROM device_log WHERE device_id = ? ORDER BY id", deviceID)
}

// DeviceLogBy lists the device log entries personID acted in, newest
// first, at most limit of them.
func (db *DB) DeviceLogBy(ctx context.Context, personID string, limit int) ([]hearth.DeviceLogEntry, error) {
	return queryAll(ctx, db.data, scanDeviceLog, "device log", "SELECT "+deviceLogCols+" FROM device_log WHERE person_id = ? ORDER BY id DESC LIMIT ?", personID, limit)
}

// DeleteDeviceLogBefore deletes the device log entries older than before
// and returns how many it deleted.
func (db *DB) DeleteDeviceLogBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM device_log WHERE time < ?", ts(before))
	return affected("delete device log entries", res, err)
}

func scanDeviceLog(row rowScanner) (*hearth.DeviceLogEntry, error) {
	var e hearth.DeviceLogEntry
	var hh, person, cmd sql.NullString
	var t int64
	if err := row.Scan(&e.ID, &e.DeviceID, &hh, &person, &e.Action, &e.Outcome, &cmd, &t); err != nil {
		return nil, err
	}
	e.HouseholdID, e.PersonID, e.CommandID, e.Time = hh.String, person.String, cmd.String, fromTS(t)
	return &e, nil
}
