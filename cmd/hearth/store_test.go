package main

import (
	"context"
	"strings"
	"testing"
)

// --store, --keys-store and --kek are checked together: PostgreSQL needs
// URLs of two different databases and a key file given; SQLite needs a data
// directory and takes no --keys-store.
func TestServeStoreFlags(t *testing.T) {
	const pg = "postgres://hearth@db.example:5432/hearth"
	tests := []struct {
		args []string
		want string // "" for valid
	}{
		{[]string{"--store", pg, "--kek", "/etc/hearth/hearth.kek"}, ""},
		{[]string{"--store", "postgresql://db.example/hearth", "--keys-store", "postgres://keys.example/hk", "--kek", "k"}, ""},
		{[]string{"--store", pg}, "--kek: give the key-encryption key file with --store"},
		{[]string{"--store", "mysql://db.example/hearth", "--kek", "k"}, "--store: give a PostgreSQL URL"},
		{[]string{"--store", "postgres://db.example/", "--kek", "k"}, "--store: the URL names no database"},
		{[]string{"--store", pg, "--keys-store", pg, "--kek", "k"}, "--keys-store: give another database than --store's"},
		{[]string{"--store", pg, "--keys-store", "file:keys", "--kek", "k"}, "--keys-store: give a PostgreSQL URL"},
		{[]string{"--keys-store", pg}, "--keys-store: give it with --store"},
		{[]string{"--data", ""}, "--data: give a data directory"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := serveFlagsError(tt.args, func(string) string { return "" })
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// HEARTH_STORE sets --store, as every flag has its environment variable.
func TestServeStoreFromEnvironment(t *testing.T) {
	env := map[string]string{"HEARTH_STORE": "postgres://db.example/hearth"}
	err := serveFlagsError(nil, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "--kek: give the key-encryption key file with --store") {
		t.Fatalf("error %v, want the PostgreSQL store's --kek requirement", err)
	}
}

// backup and restore copy SQLite's files: given --store, they refuse with
// what to use instead, and touch nothing.
func TestBackupRefusesPostgres(t *testing.T) {
	for _, args := range [][]string{
		{"backup", "--store", "postgres://db.example/hearth", "--out", "x.db"},
		{"restore", "--store", "postgres://db.example/hearth", "x.db"},
	} {
		var out, errb strings.Builder
		err := run(context.Background(), append([]string{"hearth"}, args...), func(string) string { return "" }, strings.NewReader(""), &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "works on SQLite's data directory only") || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("%v: error %v, want a refusal naming pg_dump", args, err)
		}
	}
}
