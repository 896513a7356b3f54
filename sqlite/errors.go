package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hearth-iot/hearth/internal/storeerr"

	"github.com/hearth-iot/hearth"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// classify returns the hearth error code for a driver error: ECONFLICT for
// a unique or primary key violation, ENOTFOUND for a foreign key violation
// (the row refers to something missing), EINVALID for other constraints,
// EUNAVAILABLE for a database that stayed locked, "" for anything else.
func classify(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	code := se.Code()
	switch {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return hearth.ECONFLICT
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return hearth.ENOTFOUND
	case code&0xff == sqlite3.SQLITE_CONSTRAINT:
		if strings.Contains(se.Error(), "UNIQUE") {
			return hearth.ECONFLICT
		}
		return hearth.EINVALID
	case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
		return hearth.EUNAVAILABLE
	}
	return ""
}

// wrap turns a driver error from operation op into a *hearth.Error when it
// has a domain meaning (classify), with msgs giving the person-safe message
// per code; other errors are wrapped with op as context. wrap(nil) is nil.
func wrap(op string, err error, msgs map[string]string) error {
	return storeerr.Wrap(op, err, classify(err), msgs)
}

// notFound returns ENOTFOUND with msg when err is sql.ErrNoRows, and
// otherwise err wrapped with op.
func notFound(op string, err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return storeerr.NotFound(op, err, msg)
	}
	return wrap(op, err, nil)
}

// ts converts a time to the stored form: nanoseconds since the Unix epoch.
func ts(t time.Time) int64 { return t.UnixNano() }

// optTS converts a time that may be zero: the zero time is stored as NULL.
func optTS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// fromTS converts a stored time back, in UTC.
func fromTS(n int64) time.Time { return time.Unix(0, n).UTC() }

// fromOptTS converts a nullable stored time; NULL becomes the zero time.
func fromOptTS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromTS(n.Int64)
}

// optString stores "" as NULL.
func optString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}
