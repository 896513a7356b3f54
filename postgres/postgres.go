// Package postgres is Hearth's storage adapter for PostgreSQL, for
// deployments that outgrow one machine: it implements hearth.Store on two
// PostgreSQL databases through pgx, and several Hearth nodes may share them.
//
// The data database holds accounts, households, devices and sealed
// readings; the key database holds the wrapped data keys, the erasure
// journal and the recipients' erasure notices. They are kept apart, as in
// the SQLite adapter, so that a backup of the data database never holds a
// key and restoring an old one cannot bring an erased subject's key back;
// in production the key database also has a role of its own
// (docs/deploy.md).
//
// The schema is created and upgraded by embedded, numbered migrations, each
// in its own transaction, under an advisory lock so that nodes starting
// together migrate once. A database with a newer schema than this build
// knows is refused. A commit returns only once PostgreSQL has made it
// durable, as long as the server's synchronous_commit is on (its default),
// with one exception: DeleteReadings turns it off for its own
// transactions (see there, and Checkpoint).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-iot/hearth"
)

var _ hearth.Store = (*DB)(nil)

// DefaultPoolConns is the size of each database's connection pool when the
// URL gives no pool_max_conns: room for a node's ingest writers, its API
// requests and its background jobs (pgx's own default is the number of
// CPUs, at least 4).
const DefaultPoolConns = 16

// DB is a Hearth store on PostgreSQL. It is safe for concurrent use; its
// zero value is not usable: call Open.
type DB struct {
	data *pgxpool.Pool
	keys *pgxpool.Pool

	closeOnce sync.Once
}

// KeysURL returns the URL of the key database that goes with the data
// database at dataURL when none is given: the same server and role, the
// database name with "_keys" appended ("hearth" → "hearth_keys").
func KeysURL(dataURL string) (string, error) {
	u, err := url.Parse(dataURL)
	if err != nil {
		return "", hearth.Errorf(hearth.EINVALID, "the PostgreSQL URL is not a URL: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", hearth.Errorf(hearth.EINVALID, "the PostgreSQL URL names no database (postgres://host/DATABASE)")
	}
	u.Path = "/" + name + "_keys"
	return u.String(), nil
}

// Open connects to the data database at dataURL and the key database at
// keysURL (postgres:// URLs, as pgx reads them; pool_max_conns and the
// other pool settings may be given in them), and migrates both to the
// current schema. The two must be different databases. It fails if a
// database has a newer schema than this build knows.
func Open(ctx context.Context, dataURL, keysURL string) (*DB, error) {
	if dataURL == keysURL {
		return nil, hearth.Errorf(hearth.EINVALID, "the key database must be apart from the data database")
	}
	data, err := openPool(ctx, dataURL, "migrations/hearth", migrateLockData)
	if err != nil {
		return nil, fmt.Errorf("open data database: %w", err)
	}
	keys, err := openPool(ctx, keysURL, "migrations/keys", migrateLockKeys)
	if err != nil {
		data.Close()
		return nil, fmt.Errorf("open key database: %w", err)
	}
	return &DB{data: data, keys: keys}, nil
}

// openPool connects a pool to url and applies the migrations in migDir.
func openPool(ctx context.Context, rawURL, migDir string, lock int64) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the PostgreSQL URL is not valid: %v", err)
	}
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = DefaultPoolConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := migrate(ctx, pool, migDir, lock); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// Close closes both pools. It is idempotent.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.data.Close()
		db.keys.Close()
	})
	return nil
}

// Data returns the data database's pool, for what lives beside the store
// on the same database (the cluster bus and leases of several nodes).
func (db *DB) Data() *pgxpool.Pool { return db.data }

// Ping checks that both databases answer.
func (db *DB) Ping(ctx context.Context) error {
	return errors.Join(db.data.Ping(ctx), db.keys.Ping(ctx))
}
