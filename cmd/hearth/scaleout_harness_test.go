package main

import (
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth/internal/pgtest"
)

// pgStore is a Hearth store on the PostgreSQL test server, shared by the
// nodes a test starts: the data and key database URLs, and the
// key-encryption key file every node is given (the first command on the
// empty key database creates it).
type pgStore struct{ data, keys, kek string }

// newPGStore creates two fresh databases on the test server (pgtest).
func newPGStore(t *testing.T) *pgStore {
	t.Helper()
	data, keys := pgtest.Store(t)
	return &pgStore{data: data, keys: keys, kek: filepath.Join(t.TempDir(), "hearth.kek")}
}

// flags are the flags that name the store, for `hearth serve` and the
// commands that open it.
func (s *pgStore) flags() []string {
	return []string{"--store", s.data, "--keys-store", s.keys, "--kek", s.kek}
}

// node starts a `hearth serve` node on the store with extra flags.
func (s *pgStore) node(t *testing.T, extra ...string) *proc {
	t.Helper()
	return startServe(t, append(s.flags(), extra...)...)
}

// query runs a query on the data database and returns the first column of
// every row as text, for the tests' direct checks of what is stored.
func (s *pgStore) query(t *testing.T, sql string, args ...any) []string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.data)
	if err != nil {
		t.Fatalf("connect to the data database: %v", err)
	}
	defer conn.Close(t.Context())
	rows, _ := conn.Query(t.Context(), sql, args...)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// exec runs a statement on the data database, for a test that sets up
// what the store would hold after time has passed.
func (s *pgStore) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), s.data)
	if err != nil {
		t.Fatalf("connect to the data database: %v", err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
