package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// inTx runs fn in a write transaction on p's writer connection and commits
// it; fn's error, or a failed commit, rolls it back. Because the writer
// DSN uses BEGIN IMMEDIATE, the write lock is taken up front.
func inTx(ctx context.Context, p *pair, fn func(tx *sql.Tx) error) error {
	tx, err := p.w.BeginTx(ctx, nil)
	if err != nil {
		return wrap("begin transaction", err, nil)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrap("commit", err, nil)
	}
	return nil
}

// exec runs one write statement on p's writer connection.
func exec(ctx context.Context, p *pair, query string, args ...any) (sql.Result, error) {
	res, err := p.w.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	return res, nil
}
