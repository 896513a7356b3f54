package seal_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/seal"
)

// TestOpenKEK: a new key-encryption key is created only for a key store
// without keys; a missing or another key file is refused with the path and
// the expected KEK ID, and creates nothing (SEC-ENCRYPT: no silent new key
// that cannot unwrap a single stored data key).
func TestOpenKEK(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.kek")
	k, err := seal.LoadOrCreateKEK(existing)
	if err != nil {
		t.Fatalf("LoadOrCreateKEK: %v", err)
	}
	tests := []struct {
		name     string
		path     string
		wrapping []string
		wantErr  error
		wantText []string
	}{
		{"fresh install creates", filepath.Join(dir, "sub", "dir", "new.kek"), nil, nil, nil},
		{"matching key", existing, []string{k.ID()}, nil, nil},
		{"missing while keys exist", filepath.Join(dir, "gone.kek"), []string{"0123456789abcdef"}, seal.ErrKEKMissing,
			[]string{filepath.Join(dir, "gone.kek"), "0123456789abcdef"}},
		{"another key", existing, []string{"0123456789abcdef"}, seal.ErrKEKMismatch,
			[]string{existing, k.ID(), "0123456789abcdef"}},
		{"keys under two KEKs", existing, []string{"0123456789abcdef", k.ID()}, seal.ErrKEKMismatch, []string{existing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seal.OpenKEK(tt.path, tt.wrapping)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("OpenKEK error = %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("OpenKEK error %q does not name %q", err, w)
				}
			}
			if tt.wantErr == nil && got == nil {
				t.Fatal("OpenKEK returned no key and no error")
			}
			if tt.wantErr != nil {
				if _, err := os.Stat(tt.path); tt.path != existing && !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused OpenKEK left %s behind (stat: %v)", tt.path, err)
				}
			}
		})
	}
	fi, err := os.Stat(filepath.Join(dir, "sub"))
	if err != nil {
		t.Fatalf("created key directory: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("created key directory mode = %v, want 0700", got)
	}
}
