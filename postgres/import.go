package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// Imported returns when the export was imported, or ENOTFOUND.
func (db *DB) Imported(ctx context.Context, exportID string) (time.Time, error) {
	var at int64
	err := db.data.QueryRow(ctx, "SELECT imported FROM imports WHERE export_id = $1", exportID).Scan(&at)
	if err != nil {
		return time.Time{}, notFound("select import", err, "that export was not imported")
	}
	return fromTS(at), nil
}

// ImportPerson applies imp in one transaction: the import record first
// (ECONFLICT if the export was imported already, by this node or another),
// then the households, person, memberships (their households locked
// first, in ID order, as every change of members is) and settings that do not exist yet, the
// readings, batch by batch as imp.Readings gives them, skipping those
// whose (DeviceID, MsgID) is stored already, and last the ledger entries,
// chained onto the head under the ledger's lock, taken last so that other
// nodes' appends wait only for the end of the import. Any error rolls
// everything back.
func (db *DB) ImportPerson(ctx context.Context, imp *hearth.PersonImport) error {
	err := inTx(ctx, db.data, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO imports (export_id, person_id, imported) VALUES ($1, $2, $3)",
			imp.ExportID, imp.Person.ID, ts(imp.Imported))
		if err != nil {
			return wrap("record import", err, map[string]string{hearth.ECONFLICT: "that export was imported already"})
		}
		if err := importPeople(ctx, tx, imp); err != nil {
			return err
		}
		if err := importReadings(ctx, tx, imp); err != nil {
			return err
		}
		return importEntries(ctx, tx, imp)
	})
	if err != nil {
		return fmt.Errorf("import person: %w", err)
	}
	return nil
}

// importReadings inserts the readings imp.Readings gives, batch by batch.
func importReadings(ctx context.Context, tx pgx.Tx, imp *hearth.PersonImport) error {
	if imp.Readings == nil {
		return nil
	}
	return imp.Readings(ctx, func(rs []hearth.Reading) error {
		if len(rs) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, insertImported, columns(rs)...)
		return wrap("import readings", err, nil)
	})
}

// insertImported inserts imported readings, one array per column, in
// order, skipping those whose (device_id, msg_id) is stored already. An
// import restores what another instance stored: the devices' bindings here
// are not checked.
const insertImported = `INSERT INTO readings
	(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed)
SELECT u.device_id, u.household_id, u.person_id, u.category, u.msg_id, u.time, u.received, u.inferred, u.disputed, u.sealed
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::bool[], $9::bool[], $10::bytea[])
	WITH ORDINALITY AS u(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed, n)
ORDER BY u.n
ON CONFLICT (device_id, msg_id) DO NOTHING`

// importPeople inserts the households, person, memberships and settings of
// imp that are not stored yet.
func importPeople(ctx context.Context, tx pgx.Tx, imp *hearth.PersonImport) error {
	for _, h := range imp.Households {
		if _, err := tx.Exec(ctx, "INSERT INTO households (id, name, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			h.ID, h.Name, ts(h.Created)); err != nil {
			return wrap("import household", err, nil)
		}
	}
	p := imp.Person
	if _, err := tx.Exec(ctx, `INSERT INTO persons (id, household_id, display_name, account_id, created)
		VALUES ($1, $2, $3, NULL, $4) ON CONFLICT DO NOTHING`, p.ID, optString(p.HouseholdID), p.DisplayName, ts(p.Created)); err != nil {
		return wrap("import person", err, map[string]string{hearth.ENOTFOUND: "no such household"})
	}
	if err := lockHouseholds(ctx, tx, imp.Members); err != nil {
		return err
	}
	for _, m := range imp.Members {
		if _, err := tx.Exec(ctx, `INSERT INTO members (household_id, person_id, role, guardian_id, added)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, m.HouseholdID, m.PersonID, string(m.Role),
			optString(m.GuardianID), ts(m.Added)); err != nil {
			return wrap("import membership", err, map[string]string{hearth.ENOTFOUND: "no such household"})
		}
	}
	if s := imp.Settings; s != nil {
		if err := upsertSettings(ctx, tx, s); err != nil {
			return err
		}
	}
	return nil
}

// lockHouseholds locks the households of ms (as lockHousehold does) in
// the order of their IDs as the database sorts them, the order DeletePerson
// and RemoveMemberships lock theirs in, so that they cannot deadlock with
// an import.
func lockHouseholds(ctx context.Context, tx pgx.Tx, ms []hearth.Member) error {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.HouseholdID)
	}
	_, err := tx.Exec(ctx, `SELECT 1 FROM households WHERE id IN (SELECT unnest($1::text[]))
		ORDER BY id FOR NO KEY UPDATE`, ids)
	return wrap("lock households", err, nil)
}

// importEntries chains imp.Entries onto the ledger head and inserts them,
// holding the ledger's lock (as AppendEntries does) so that no other
// node's append moves the head meanwhile.
func importEntries(ctx context.Context, tx pgx.Tx, imp *hearth.PersonImport) error {
	if len(imp.Entries) == 0 {
		return nil
	}
	seq, hash, err := consentLedger.lockHead(ctx, tx)
	if err != nil {
		return err
	}
	imp.Link(seq, hash, imp.Entries)
	b := &pgx.Batch{}
	for i := range imp.Entries {
		consentLedger.queue(b, &imp.Entries[i])
	}
	return wrap("import ledger entries", tx.SendBatch(ctx, b).Close(), nil)
}
