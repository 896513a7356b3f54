package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/sqlite"
)

// registerStore defines --store and --keys-store on fs, for every command
// that opens the store.
func (c *serveConfig) registerStore(fs *flag.FlagSet) {
	fs.StringVar(&c.Store, "store", c.Store, "PostgreSQL URL of the data database, postgres://user@host:5432/hearth, shared by every node; needs --kek (default: SQLite in --data)")
	fs.StringVar(&c.KeysStore, "keys-store", c.KeysStore, "PostgreSQL URL of the key database, apart from the data database (default: --store's database name with _keys appended)")
}

// postgresStore reports whether the configuration names a PostgreSQL store.
func (c *serveConfig) postgresStore() bool { return c.Store != "" }

// checkStore checks --data, --store, --keys-store and --kek: SQLite needs
// a data directory; PostgreSQL needs postgres:// URLs of two different
// databases and a key file given, since there is no data directory to
// name a default after.
func (c *serveConfig) checkStore() error {
	if !c.postgresStore() {
		if c.KeysStore != "" {
			return usagef("--keys-store: give it with --store (SQLite keeps the keys in --data)")
		}
		if c.Data == "" {
			return usagef("--data: give a data directory")
		}
		return nil
	}
	if err := checkPostgresURL("--store", c.Store); err != nil {
		return err
	}
	keys, err := c.keysURL()
	if err != nil {
		return usagef("--keys-store: %v", err)
	}
	if err := checkPostgresURL("--keys-store", keys); err != nil {
		return err
	}
	if keys == c.Store {
		return usagef("--keys-store: give another database than --store's, so a backup of the data never holds a key")
	}
	if c.KEK == "" {
		return usagef("--kek: give the key-encryption key file with --store (there is no data directory to keep a default beside); keep it off the database servers")
	}
	return nil
}

// checkPostgresURL checks that u is a postgres:// or postgresql:// URL
// naming a database.
func checkPostgresURL(flagName, u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
		return usagef("%s: give a PostgreSQL URL such as postgres://hearth@db.example:5432/hearth", flagName)
	}
	if p.Path == "" || p.Path == "/" {
		return usagef("%s: the URL names no database: give postgres://host/DATABASE", flagName)
	}
	return nil
}

// keysURL returns --keys-store, or the key database named after --store's.
func (c *serveConfig) keysURL() (string, error) {
	if c.KeysStore != "" {
		return c.KeysStore, nil
	}
	return postgres.KeysURL(c.Store)
}

// storeName names the store in messages: the data directory, or the
// PostgreSQL data database's host and name (no password).
func (c *serveConfig) storeName() string {
	if !c.postgresStore() {
		return c.Data
	}
	u, err := url.Parse(c.Store)
	if err != nil {
		return "the PostgreSQL store"
	}
	return "postgres://" + u.Host + u.Path
}

// keysName names where the wrapped data keys are kept, in messages.
func (c *serveConfig) keysName() string {
	if c.postgresStore() {
		return "the key database"
	}
	return sqlite.KeysFile
}

// openStore opens the store the configuration names: the PostgreSQL
// databases (pg is then that store too), or SQLite in the data directory,
// created with mode 0700 if missing. The key file is resolved by
// keyFile.
func (c *serveConfig) openStore(ctx context.Context) (db hearth.Store, pg *postgres.DB, err error) {
	if c.postgresStore() {
		keys, err := c.keysURL()
		if err != nil {
			return nil, nil, err
		}
		pg, err := postgres.Open(ctx, c.Store, keys)
		if err != nil {
			return nil, nil, fmt.Errorf("open store %s: %w", c.storeName(), err)
		}
		return pg, pg, nil
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	lite, err := sqlite.Open(c.Data)
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	return lite, nil, nil
}

// keyFile returns the key-encryption key file: --kek with PostgreSQL
// (checkStore requires it), else kekFile's choice for the data directory.
func (c *serveConfig) keyFile() (string, error) {
	if c.postgresStore() {
		if c.KEK == "" {
			return "", usagef("--kek: give the key-encryption key file with --store")
		}
		return c.KEK, nil
	}
	return kekFile(c.Data, c.KEK)
}

// existingStore checks, for a command that works on an existing store,
// that the data directory exists (a PostgreSQL store is checked by
// opening it).
func (c *serveConfig) existingStore() error {
	if c.postgresStore() {
		return c.checkStore()
	}
	if _, err := os.Stat(c.Data); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}
