package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-iot/hearth"
)

// querier is what runs a query: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryAll runs query on q and scans every row with scan; what names the
// rows in errors ("devices"). No rows is an empty (nil) slice.
func queryAll[T any](ctx context.Context, q querier, scan func(pgx.Row) (*T, error), what, query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("select "+what, err, nil)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, *v)
	}
	return out, wrap("select "+what, rows.Err(), nil)
}

// affected returns how many rows a statement changed, or its error
// wrapped with op.
func affected(op string, tag pgconn.CommandTag, err error) (int, error) {
	if err != nil {
		return 0, wrap(op, err, nil)
	}
	return int(tag.RowsAffected()), nil
}

// expectOne returns the statement's error wrapped with op, or ENOTFOUND
// with msg if it changed no row.
func expectOne(op string, tag pgconn.CommandTag, err error, msg string) error {
	if err != nil {
		return wrap(op, err, nil)
	}
	if tag.RowsAffected() == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "%s", msg)
	}
	return nil
}

// usable checks a one-time code (an invite, a claim, a transfer) read with
// its used time (nil if unused) and expiry: ECONFLICT if it was used,
// EGONE if now is not before its expiry; what names it in the message.
func usable(used *int64, expires int64, now time.Time, what string) error {
	if used != nil {
		return hearth.Errorf(hearth.ECONFLICT, "that %s was used already", what)
	}
	if !now.Before(fromTS(expires)) {
		return hearth.Errorf(hearth.EGONE, "that %s has expired", what)
	}
	return nil
}
