package postgres

import (
	"errors"
	"time"

	"github.com/hearth-iot/hearth/internal/storeerr"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-iot/hearth"
)

// classify returns the hearth error code for a PostgreSQL error: ECONFLICT
// for a unique violation, ENOTFOUND for a foreign key violation (the row
// refers to something missing), EINVALID for other integrity constraints,
// EUNAVAILABLE for a serialization failure, deadlock, lock timeout or a
// server going away, "" for anything else.
func classify(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Code {
	case "23505": // unique_violation
		return hearth.ECONFLICT
	case "23503": // foreign_key_violation
		return hearth.ENOTFOUND
	case "23502", "23514", "23001", "22P02", "22001": // not null, check, restrict, bad text, too long
		return hearth.EINVALID
	case "40001", "40P01", "55P03", "57P01", "57P02", "57P03": // serialization, deadlock, lock, shutdown
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

// notFound returns ENOTFOUND with msg when err is pgx.ErrNoRows, and
// otherwise err wrapped with op.
func notFound(op string, err error, msg string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return storeerr.NotFound(op, err, msg)
	}
	return wrap(op, err, nil)
}

// ts converts a time to the stored form: nanoseconds since the Unix epoch.
func ts(t time.Time) int64 { return t.UnixNano() }

// optTS converts a time that may be zero: the zero time is stored as NULL.
func optTS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

// fromTS converts a stored time back, in UTC.
func fromTS(n int64) time.Time { return time.Unix(0, n).UTC() }

// fromOptTS converts a nullable stored time; NULL becomes the zero time.
func fromOptTS(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return fromTS(*n)
}

// optString stores "" as NULL.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// str reads a nullable text column; NULL becomes "".
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
