package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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

// withoutSync runs fn on p's writer connection with synchronous=NORMAL:
// what fn commits is written to the log but not synced until the next
// commit with synchronous=FULL or checkpoint. The writer goes back to
// synchronous=FULL before anyone else can use it; if that fails, the
// connection is discarded (a new one opens with FULL), so no other commit
// is ever acknowledged unsynced.
func withoutSync(ctx context.Context, p *pair, fn func(conn *sql.Conn) error) error {
	conn, err := p.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fmt.Errorf("synchronous=NORMAL: %w", err)
	}
	err = fn(conn)
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); rerr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discards the connection
		return errors.Join(err, fmt.Errorf("synchronous=FULL: %w", rerr))
	}
	return err
}
