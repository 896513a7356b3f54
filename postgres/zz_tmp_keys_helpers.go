package postgres

// TEMPORARY copy of keys' helpers (postgres/key.go) until they reach main.

import (
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

func collect[T any](rows pgx.Rows, err error, what string, scan func(pgx.Row) (*T, error)) ([]T, error) {
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

func jsonList(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

const defaultLimit = 100
