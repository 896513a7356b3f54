package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/hearth-iot/hearth/internal/migration"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFS holds the schema migrations: migrations/{hearth,keys}/NNNN_name.sql.
// Each file is applied once, in its own transaction, in numeric order.
//
//go:embed migrations
var migrationFS embed.FS

// Advisory lock keys held while migrating (pg_advisory_xact_lock), so that
// nodes starting at once apply each migration once.
const (
	migrateLockData int64 = 0x4865617274680001 // "Hearth" 1
	migrateLockKeys int64 = 0x4865617274680002
)

// loadMigrations reads the migrations of dir in migrationFS.
func loadMigrations(dir string) ([]migration.Migration, error) {
	migs, err := fs.Sub(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return migration.Load(migs)
}

// ErrNewerSchema is wrapped by Open's error when a database has a schema
// newer than this build knows.
var ErrNewerSchema = fmt.Errorf("the database schema is newer than this build of Hearth knows: upgrade Hearth")

// migrate brings the database of pool to the newest schema in dir, each
// migration in a transaction holding the advisory lock lock. It fails with
// ErrNewerSchema if the database records a version newer than any
// migration this build knows.
func migrate(ctx context.Context, pool *pgxpool.Pool, dir string, lock int64) error {
	all, err := loadMigrations(dir)
	if err != nil {
		return err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY,
		applied BIGINT NOT NULL
	)`
	for {
		done, err := migrateOne(ctx, pool, all, lock, create)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any, in one transaction under
// the advisory lock; done reports that the schema is current.
func migrateOne(ctx context.Context, pool *pgxpool.Pool, all []migration.Migration, lock int64, create string) (done bool, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lock); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
		if _, err := tx.Exec(ctx, create); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(all) {
			return fmt.Errorf("schema version %d, this build knows up to %d: %w", current, len(all), ErrNewerSchema)
		}
		if current == len(all) {
			done = true
			return nil
		}
		m := all[current]
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)", m.Version, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		return nil
	})
	return done, err
}
