package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/seal"
)

// keyedHome is a data directory with a stored reading, so keys.db holds a
// data key wrapped by the key file kek (the default one of data).
type keyedHome struct {
	data, kek, kekID string
	hh, email, pw    string
}

// newKeyedHome provisions a household with a device, starts the server,
// stores one reading and stops the server gracefully.
func newKeyedHome(t *testing.T) *keyedHome {
	t.Helper()
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Key home")
	p := startHearth(t, data)
	httpPost(t, p.HTTP, creds[0], payload("k-1", "room-temperature", map[string]any{"celsius": 21.5}), http.StatusCreated)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}
	cleanEnv() // sets configHome
	kek, err := kekFileIn(configHome, data)
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.OpenKEK(kek, nil)
	if err != nil {
		t.Fatalf("the server made no default key file %s: %v", kek, err)
	}
	return &keyedHome{data: data, kek: kek, kekID: k.ID(), hh: hh, email: email, pw: pw}
}

// listing returns the names of the files in dir, sorted.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestKeyFileRefusals: a server refuses to start, with exit status 1, a
// message naming the key file, the expected key-encryption key ID and what
// to do, and creates nothing, when the key file is missing while keys.db
// holds keys, when it holds another key, and when an old data directory
// still holds its key file; so does provisioning (SEC-ENCRYPT: never a silent new key that reads
// nothing; RIGHT-ERASE: the key stays out of data backups). The same data
// directory starts again with the right key file.
func TestKeyFileRefusals(t *testing.T) {
	h := newKeyedHome(t)
	other := filepath.Join(t.TempDir(), "other.kek")
	k, err := seal.OpenKEK(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "moved.kek")
	if err := os.Rename(h.kek, moved); err != nil {
		t.Fatal(err)
	}
	before := listing(t, h.data)
	csv := filepath.Join(t.TempDir(), "creds.csv")
	serve := []string{"serve", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0"}
	tests := []struct {
		name  string
		setup func(t *testing.T)
		args  []string // the command and its flags but --data
		want  []string
	}{
		{"missing default key file", func(*testing.T) {}, serve,
			[]string{"key file " + h.kek + " does not exist", "wrapped by key-encryption key " + h.kekID, "Give --kek (or HEARTH_KEK)"}},
		{"missing --kek file", func(*testing.T) {}, append(serve, "--kek", filepath.Join(t.TempDir(), "nope.kek")),
			[]string{"nope.kek does not exist", h.kekID, "Give --kek"}},
		{"another key", func(*testing.T) {}, append(serve, "--kek", other),
			[]string{"key file " + other + " holds key-encryption key " + k.ID(), "wrapped by " + h.kekID, "whose key has ID " + h.kekID}},
		{"key left in the data directory by an older Hearth", func(t *testing.T) {
			copyFile(t, moved, filepath.Join(h.data, legacyKEKName))
			t.Cleanup(func() { os.Remove(filepath.Join(h.data, legacyKEKName)) })
		}, serve, []string{h.kek + " does not exist", filepath.Join(h.data, legacyKEKName) + " is the key file an older Hearth kept", "mv "}},
		{"devices provision, missing key file", func(*testing.T) {}, []string{"devices", "provision", "--model", "ember-t1", "--out", csv},
			[]string{"key file " + h.kek + " does not exist", h.kekID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			args := append(slices.Clone(tt.args), "--data", h.data)
			code, _, stderr := runHearth(t, context.Background(), args...)
			if code != exitError {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitError, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(h.kek); !os.IsNotExist(err) {
				t.Errorf("the refused start created the key file %s (stat: %v)", h.kek, err)
			}
			if got := slices.DeleteFunc(listing(t, h.data), func(n string) bool { return n == legacyKEKName }); !slices.Equal(got, before) {
				t.Errorf("data directory after a refused start: %v, want %v", got, before)
			}
		})
	}
	if got := listing(t, h.data); !slices.Equal(got, before) {
		t.Errorf("data directory after the refused starts: %v, want %v", got, before)
	}
	if _, err := os.Stat(csv); !os.IsNotExist(err) {
		t.Errorf("a refused provisioning wrote %s (stat: %v)", csv, err)
	}
	p := startHearth(t, h.data, "--kek", moved)
	if n := len(signIn(t, p.HTTP, h.email, h.pw).allReadings(h.hh)); n != 1 {
		t.Errorf("with the right key file: %d readings, want 1", n)
	}
}

// TestKeyFileInsideDataRefused: a key file inside the data directory, given
// with --kek or HEARTH_KEK, is refused with exit status 2 before anything
// is created (RIGHT-ERASE: a copy of the directory must not carry the key).
func TestKeyFileInsideDataRefused(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"devices", "provision", "--model", "ember-t1", "--out", filepath.Join(t.TempDir(), "c.csv")}} {
		data := filepath.Join(t.TempDir(), "data")
		args := append(cmd, "--data", data, "--kek", filepath.Join(data, "keys", "hearth.kek"))
		code, _, stderr := runHearth(t, context.Background(), args...)
		if code != exitUsage {
			t.Errorf("%v: exit status %d, want %d; stderr:\n%s", cmd, code, exitUsage, stderr)
		}
		if want := "the key file is inside the data directory " + data; !strings.Contains(stderr, want) {
			t.Errorf("%v: stderr does not contain %q:\n%s", cmd, want, stderr)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v: the refused command created %s (stat: %v)", cmd, data, err)
		}
	}
}

// copyFile copies src to dst with mode 0600.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
