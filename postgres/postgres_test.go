package postgres_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/storetest"
)

func TestMain(m *testing.M) {
	if conf := os.Getenv(settingsNodeEnv); conf != "" {
		os.Exit(settingsNode(conf)) // a second node for settings_test.go
	}
	os.Exit(pgtest.Main(m))
}

// open opens a store on two fresh databases of the test server.
func open(t *testing.T) *postgres.DB {
	t.Helper()
	data, keys := pgtest.Store(t)
	db, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hearth.Store { return open(t) })
}

// Nodes starting at once against a new database migrate it once.
func TestOpenConcurrentMigratesOnce(t *testing.T) {
	data, keys := pgtest.Store(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), data, keys)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	for _, u := range []string{data, keys} {
		var n, distinct int
		query(t, u, "SELECT count(*), count(DISTINCT version) FROM schema_migrations", &n, &distinct)
		if n == 0 || n != distinct {
			t.Errorf("%s: %d migrations recorded, %d distinct; want each once", u, n, distinct)
		}
	}
}

// A database migrated by a newer build is refused, and left as it is.
func TestOpenRefusesNewerSchema(t *testing.T) {
	data, keys := pgtest.Store(t)
	db, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	exec(t, data, "INSERT INTO schema_migrations (version, applied) VALUES (9999, 0)")
	_, err = postgres.Open(t.Context(), data, keys)
	if !errors.Is(err, postgres.ErrNewerSchema) {
		t.Fatalf("Open on a newer schema: %v, want ErrNewerSchema", err)
	}
	var n int
	query(t, data, "SELECT count(*) FROM schema_migrations WHERE version = 9999", &n)
	if n != 1 {
		t.Errorf("the newer version's record is gone")
	}
}

func TestOpenRefusesOneDatabaseForBoth(t *testing.T) {
	data := pgtest.Database(t)
	if _, err := postgres.Open(t.Context(), data, data); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("Open(data, data): %v, want EINVALID", err)
	}
}

func TestKeysURL(t *testing.T) {
	for _, tc := range []struct{ in, want, code string }{
		{"postgres://u@db.example:5432/hearth?sslmode=require", "postgres://u@db.example:5432/hearth_keys?sslmode=require", ""},
		{"postgres://db.example/", "", hearth.EINVALID},
		{"://", "", hearth.EINVALID},
	} {
		got, err := postgres.KeysURL(tc.in)
		if hearth.ErrorCode(err) != tc.code || got != tc.want {
			t.Errorf("KeysURL(%q) = %q, %v; want %q, code %q", tc.in, got, err, tc.want, tc.code)
		}
	}
}

// exec runs a statement on the database at url, outside the adapter.
func exec(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// query scans one row of a query on the database at url, outside the adapter.
func query(t *testing.T, url, sql string, dest ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
