package sqlite

import (
	"context"
	"fmt"
)

// queryAll runs query on the reader pool and scans every row with scan;
// what names the rows in errors ("devices"). An empty result is a nil slice.
func queryAll[T any](ctx context.Context, p *pair, scan func(rowScanner) (*T, error), what, query string, args ...any) ([]T, error) {
	rows, err := p.r.QueryContext(ctx, query, args...)
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
