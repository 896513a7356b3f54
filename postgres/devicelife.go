package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

const transferCols = "code_hash, device_id, from_household, started_by, erase, created, expires, used, to_household"

// CreateTransfer stores a transfer, deleting the device's unused ones, in
// one transaction that holds the device's row lock (so two nodes starting
// transfers of one device at once leave only the later one). ENOTFOUND if
// the device is not bound to t.FromHousehold; ECONFLICT if the code hash
// is in use.
func (db *DB) CreateTransfer(ctx context.Context, t *hearth.Transfer) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM devices WHERE id = $1 AND household_id = $2 FOR NO KEY UPDATE",
			t.DeviceID, t.FromHousehold).Scan(&one)
		if err != nil {
			return notFound("lock device", err, "no such device in the household")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM transfers WHERE device_id = $1 AND used IS NULL", t.DeviceID); err != nil {
			return wrap("replace transfer", err, nil)
		}
		_, err = tx.Exec(ctx, "INSERT INTO transfers ("+transferCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)",
			t.CodeHash, t.DeviceID, t.FromHousehold, t.StartedBy, t.Erase, ts(t.Created), ts(t.Expires))
		return wrap("insert transfer", err, map[string]string{hearth.ECONFLICT: "that transfer code exists already"})
	})
}

// TransferByCode returns the transfer with that code hash, or ENOTFOUND.
func (db *DB) TransferByCode(ctx context.Context, codeHash []byte) (*hearth.Transfer, error) {
	t, err := scanTransfer(db.data.QueryRow(ctx, "SELECT "+transferCols+" FROM transfers WHERE code_hash = $1", codeHash))
	if err != nil {
		return nil, notFound("select transfer", err, "no such transfer code")
	}
	return t, nil
}

// scanTransfer reads a row of transferCols.
func scanTransfer(row pgx.Row) (*hearth.Transfer, error) {
	var t hearth.Transfer
	var created, expires int64
	var used *int64
	var to *string
	err := row.Scan(&t.CodeHash, &t.DeviceID, &t.FromHousehold, &t.StartedBy, &t.Erase, &created, &expires, &used, &to)
	if err != nil {
		return nil, err
	}
	t.Created, t.Expires, t.Used, t.ToHousehold = fromTS(created), fromTS(expires), fromOptTS(used), str(to)
	return &t, nil
}

// AcceptTransfer uses up a transfer and binds its device to toHousehold,
// in one transaction (see hearth.DeviceLifecycleStore). ENOTFOUND for an
// unknown code or household; ECONFLICT if the code was used or the device
// left FromHousehold since; EGONE if it expired (now is not before its
// expiry).
//
// Nodes accepting at once: the device's row lock, then the transfer's,
// are taken before the transfer is checked (the order CreateTransfer
// takes them in), so of two accepting one code the second sees it used.
func (db *DB) AcceptTransfer(ctx context.Context, codeHash []byte, toHousehold string, credentialHash []byte, now time.Time) (*hearth.Transfer, error) {
	var t *hearth.Transfer
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		var deviceID string
		err := tx.QueryRow(ctx, "SELECT device_id FROM transfers WHERE code_hash = $1", codeHash).Scan(&deviceID)
		if err != nil {
			return notFound("select transfer", err, "no such transfer code")
		}
		if err := lockDevice(ctx, tx, deviceID); err != nil {
			return err
		}
		t, err = scanTransfer(tx.QueryRow(ctx, "SELECT "+transferCols+" FROM transfers WHERE code_hash = $1 FOR UPDATE", codeHash))
		if err != nil { // replaced since it was read
			return notFound("lock transfer", err, "no such transfer code")
		}
		if err := usable(optTS(t.Used), ts(t.Expires), now, "transfer code"); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE devices SET household_id = $1, claimed = $2, credential_hash = $3, mode = $4
			WHERE id = $5 AND household_id = $6`, toHousehold, ts(now), credentialHash, string(hearth.ModeCloud), t.DeviceID, t.FromHousehold)
		if err != nil {
			return wrap("transfer device", err, map[string]string{hearth.ENOTFOUND: "no such household"})
		}
		if tag.RowsAffected() == 0 {
			return hearth.Errorf(hearth.ECONFLICT, "the device is no longer in the household that started the transfer")
		}
		t.Used, t.ToHousehold = fromTS(ts(now)), toHousehold
		_, err = tx.Exec(ctx, "UPDATE transfers SET used = $1, to_household = $2 WHERE code_hash = $3", ts(now), toHousehold, codeHash)
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
	tag, err := db.data.Exec(ctx, "DELETE FROM transfers WHERE device_id = $1 AND used IS NULL", deviceID)
	return affected("delete transfers", tag, err)
}

// DeleteTransfersExpiredBefore deletes the transfers, used or not, that
// expired before before, and returns how many it deleted.
func (db *DB) DeleteTransfersExpiredBefore(ctx context.Context, before time.Time) (int, error) {
	tag, err := db.data.Exec(ctx, "DELETE FROM transfers WHERE expires < $1", ts(before))
	return affected("delete expired transfers", tag, err)
}

// SetDeviceMode sets the mode of a device bound to householdID; ENOTFOUND
// if it is not.
func (db *DB) SetDeviceMode(ctx context.Context, deviceID, householdID string, mode hearth.DeviceMode) error {
	tag, err := db.data.Exec(ctx, "UPDATE devices SET mode = $1 WHERE id = $2 AND household_id = $3", string(mode), deviceID, householdID)
	return expectOne("set device mode", tag, err, "no such device in the household")
}

const deviceLogCols = "id, device_id, household_id, person_id, action, outcome, command_id, time"

// AppendDeviceLog stores a device log entry and sets its ID, taken from
// the table's identity sequence: larger than the ID of every entry
// appended before the call, on any node.
func (db *DB) AppendDeviceLog(ctx context.Context, e *hearth.DeviceLogEntry) error {
	err := db.data.QueryRow(ctx, `INSERT INTO device_log (device_id, household_id, person_id, action, outcome, command_id, time)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		e.DeviceID, optString(e.HouseholdID), optString(e.PersonID), e.Action, e.Outcome, optString(e.CommandID), ts(e.Time)).Scan(&e.ID)
	return wrap("insert device log entry", err, nil)
}

// DeviceLog lists a device's log entries, oldest first.
func (db *DB) DeviceLog(ctx context.Context, deviceID string) ([]hearth.DeviceLogEntry, error) {
	return queryAll(ctx, db.data, scanDeviceLog, "device log", "SELECT "+deviceLogCols+" FROM device_log WHERE device_id = $1 ORDER BY id", deviceID)
}

// DeviceLogBy lists the device log entries personID acted in, newest
// first, at most limit of them.
func (db *DB) DeviceLogBy(ctx context.Context, personID string, limit int) ([]hearth.DeviceLogEntry, error) {
	return queryAll(ctx, db.data, scanDeviceLog, "device log", "SELECT "+deviceLogCols+" FROM device_log WHERE person_id = $1 ORDER BY id DESC LIMIT $2", personID, limit)
}

// DeleteDeviceLogBefore deletes the device log entries older than before
// and returns how many it deleted.
func (db *DB) DeleteDeviceLogBefore(ctx context.Context, before time.Time) (int, error) {
	tag, err := db.data.Exec(ctx, "DELETE FROM device_log WHERE time < $1", ts(before))
	return affected("delete device log entries", tag, err)
}

// scanDeviceLog reads a row of deviceLogCols.
func scanDeviceLog(row pgx.Row) (*hearth.DeviceLogEntry, error) {
	var e hearth.DeviceLogEntry
	var hh, person, cmd *string
	var t int64
	if err := row.Scan(&e.ID, &e.DeviceID, &hh, &person, &e.Action, &e.Outcome, &cmd, &t); err != nil {
		return nil, err
	}
	e.HouseholdID, e.PersonID, e.CommandID, e.Time = str(hh), str(person), str(cmd), fromTS(t)
	return &e, nil
}
