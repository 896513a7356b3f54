package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestParseFlagsAndFile: restore takes one backup file, before or after its
// flags; none or two is a usage error.
func TestParseFlagsAndFile(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantFile  string
		wantForce bool
		wantErr   string
	}{
		{"file last", []string{"--force", "b.db"}, "b.db", true, ""},
		{"file first", []string{"b.db", "--force"}, "b.db", true, ""},
		{"file between", []string{"--data", "d", "b.db", "--force"}, "b.db", true, ""},
		{"no file", []string{"--force"}, "", true, "restore: give the backup file to restore"},
		{"two files", []string{"a.db", "b.db"}, "", false, `restore: unexpected argument "b.db": give one backup file`},
		{"bad flag", []string{"--colour", "b.db"}, "", false, "flag provided but not defined: -colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var force bool
			fs := flag.NewFlagSet("restore", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.BoolVar(&force, "force", false, "")
			fs.String("data", "", "")
			file, err := parseFlagsAndFile(fs, tt.args, func(string) string { return "" })
			if tt.wantErr != "" {
				var u *usageError
				if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || file != tt.wantFile || force != tt.wantForce {
				t.Errorf("= %q, force %v, %v; want %q, force %v", file, force, err, tt.wantFile, tt.wantForce)
			}
		})
	}
}
