package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// ReadingsAbout lists the readings attributed to personID with ID > after,
// in ascending ID order, at most limit (DefaultLimit when 0). It walks the
// readings_person index (person_id, id), so each page costs the same
// whatever the store's size. EINVALID for a negative limit.
func (db *DB) ReadingsAbout(ctx context.Context, personID string, after int64, limit int) ([]hearth.Reading, error) {
	if limit < 0 {
		return nil, hearth.FieldError("limit", "must not be negative")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	rows, err := db.data.r.QueryContext(ctx, "SELECT "+readingCols+
		" FROM readings WHERE person_id = ? AND id > ? ORDER BY id LIMIT ?", personID, after, limit)
	if err != nil {
		return nil, wrap("select readings about a person", err, nil)
	}
	defer rows.Close()
	out := make([]hearth.Reading, 0, min(limit, 1024))
	for rows.Next() {
		r, err := scanReading(rows)
		if err != nil {
			return nil, fmt.Errorf("scan reading: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap("select readings about a person", rows.Err(), nil)
}

// CreateExportLink stores l; ECONFLICT if its token hash is taken, ENOTFOUND
// if the person does not exist.
func (db *DB) CreateExportLink(ctx context.Context, l *hearth.ExportLink) error {
	_, err := exec(ctx, db.data, `INSERT INTO export_links
		(token_hash, person_id, household_id, requested_by, expires, created) VALUES (?, ?, ?, ?, ?, ?)`,
		l.TokenHash, l.PersonID, l.HouseholdID, l.RequestedBy, ts(l.Expires), ts(l.Created))
	return wrap("insert export link", err, map[string]string{
		hearth.ECONFLICT: "that export link exists already", hearth.ENOTFOUND: "no such person"})
}

// ExportLink returns the link with that token hash, or ENOTFOUND.
func (db *DB) ExportLink(ctx context.Context, tokenHash []byte) (*hearth.ExportLink, error) {
	var l hearth.ExportLink
	var expires, created int64
	err := db.data.r.QueryRowContext(ctx, `SELECT token_hash, person_id, household_id, requested_by, expires, created
		FROM export_links WHERE token_hash = ?`, tokenHash).
		Scan(&l.TokenHash, &l.PersonID, &l.HouseholdID, &l.RequestedBy, &expires, &created)
	if err != nil {
		return nil, notFound("select export link", err, "no such export link")
	}
	l.Expires, l.Created = fromTS(expires), fromTS(created)
	return &l, nil
}

// Imported returns when the export was imported, or ENOTFOUND.
func (db *DB) Imported(ctx context.Context, exportID string) (time.Time, error) {
	var at int64
	err := db.data.r.QueryRowContext(ctx, "SELECT imported FROM imports WHERE export_id = ?", exportID).Scan(&at)
	if err != nil {
		return time.Time{}, notFound("select import", err, "that export was not imported")
	}
	return fromTS(at), nil
}

// ImportPerson applies imp in one transaction on the writer connection:
// the import record first (ECONFLICT if the export was imported already),
// then the households, person, memberships and settings that do not exist
// yet, the ledger entries chained onto the head, and the readings. Any
// error rolls everything back.
func (db *DB) ImportPerson(ctx context.Context, imp *hearth.PersonImport) error {
	c := db.dedup
	c.mu.Lock()
	defer c.mu.Unlock()
	var kt *keyTx
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO imports (export_id, person_id, imported) VALUES (?, ?, ?)",
			imp.ExportID, imp.Person.ID, ts(imp.Imported))
		if err != nil {
			return wrap("record import", err, map[string]string{hearth.ECONFLICT: "that export was imported already"})
		}
		if err := importPeople(ctx, tx, imp); err != nil {
			return err
		}
		if err := db.importEntries(ctx, tx, imp); err != nil {
			return err
		}
		if imp.Readings == nil {
			return nil
		}
		if kt, err = c.begin(ctx, tx); err != nil {
			return err
		}
		return imp.Readings(ctx, func(rs []hearth.Reading) error {
			if err := kt.insert(ctx, rs, make([]hearth.Insertion, len(rs)), make([]int64, len(rs))); err != nil {
				return err
			}
			return kt.mergeIfLarge(ctx)
		})
	})
	if err != nil {
		return fmt.Errorf("import person: %w", err)
	}
	if kt != nil {
		kt.commit()
	}
	return nil
}

// importPeople inserts the households, person, memberships and settings of
// imp that are not stored yet.
func importPeople(ctx context.Context, tx *sql.Tx, imp *hearth.PersonImport) error {
	for _, h := range imp.Households {
		if _, err := tx.ExecContext(ctx, "INSERT INTO households (id, name, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			h.ID, h.Name, ts(h.Created)); err != nil {
			return wrap("import household", err, nil)
		}
	}
	p := imp.Person
	if _, err := tx.ExecContext(ctx, `INSERT INTO persons (id, household_id, display_name, account_id, created)
		VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING`, p.ID, optString(p.HouseholdID), p.DisplayName, ts(p.Created)); err != nil {
		return wrap("import person", err, nil)
	}
	for _, m := range imp.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (household_id, person_id, role, guardian_id, added)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, m.HouseholdID, m.PersonID, string(m.Role),
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

// importEntries chains imp.Entries onto the ledger head and inserts them.
func (db *DB) importEntries(ctx context.Context, tx *sql.Tx, imp *hearth.PersonImport) error {
	if len(imp.Entries) == 0 {
		return nil
	}
	l := db.ledger()
	seq, hash, err := l.head(ctx, tx)
	if err != nil {
		return err
	}
	imp.Link(seq, hash, imp.Entries)
	for i := range imp.Entries {
		if err := l.insert(ctx, tx, &imp.Entries[i]); err != nil {
			return err
		}
	}
	return nil
}
