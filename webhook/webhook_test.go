package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestSignVerify: a notice's signature checks out with the shared secret
// only, for the same body, within the tolerance (RIGHT-ERASE).
func TestSignVerify(t *testing.T) {
	secret, body, now := []byte("0123456789abcdef"), []byte(`{"id":"en_1"}`), time.Unix(1_800_000_000, 0)
	sig := Sign(secret, now, body)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"valid", secret, sig, body, now, true},
		{"other secret", []byte("another secret 123"), sig, body, now, false},
		{"altered body", secret, sig, []byte(`{"id":"en_2"}`), now, false},
		{"too old", secret, sig, body, now.Add(10 * time.Minute), false},
		{"malformed", secret, "v1=abc", body, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.at, 5*time.Minute)
			if (err == nil) != tt.ok {
				t.Errorf("Verify = %v, want ok %t", err, tt.ok)
			}
		})
	}
}

// TestLoadConfig: the recipients file names declared recipients, takes the
// manifest's endpoint for "-", refuses plain http off loopback, short
// secrets, unknown recipients and a file others can read.
func TestLoadConfig(t *testing.T) {
	m, ps := manifest.Check(examples.ThermostatName, examples.Thermostat)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	tests := []struct {
		name, text string
		mode       os.FileMode
		want       string // error substring; "" for success
	}{
		{"ok", "# comment\ncloud-host - 0123456789abcdef0123\n\nforecast-co http://127.0.0.1:9/x 0123456789abcdef0123\n", 0o600, ""},
		{"readable by others", "cloud-host - 0123456789abcdef0123\n", 0o644, "chmod 600"},
		{"unknown recipient", "nobody - 0123456789abcdef0123\n", 0o600, ":1: recipient \"nobody\" is not declared"},
		{"plain http", "cloud-host http://example.org/x 0123456789abcdef0123\n", 0o600, "use https"},
		{"short secret", "cloud-host - short\n", 0o600, "too short"},
		{"fields", "cloud-host -\n", 0o600, "three fields"},
		{"twice", "cloud-host - 0123456789abcdef0123\ncloud-host - 0123456789abcdef0123\n", 0o600, ":2: recipient cloud-host is configured twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "recipients")
			if err := os.WriteFile(p, []byte(tt.text), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, tt.mode)
			eps, err := LoadConfig(p, m)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("LoadConfig error = %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if eps["cloud-host"].URL != "https://northwind-cloud.example/erasure" || eps["forecast-co"].URL != "http://127.0.0.1:9/x" {
				t.Errorf("endpoints = %+v", eps)
			}
		})
	}
}

// FuzzParseConfig: the recipients file parser never panics, and whatever it
// accepts names declared recipients with a usable URL and secret.
func FuzzParseConfig(f *testing.F) {
	m, ps := manifest.Check(examples.ThermostatName, examples.Thermostat)
	if len(ps) > 0 {
		f.Fatal(ps)
	}
	f.Add("cloud-host - 0123456789abcdef0123\n")
	f.Add("# c\nforecast-co http://127.0.0.1:9/x 0123456789abcdef0123\n\n")
	f.Add("cloud-host https://[::1]:8/x 0123456789abcdef0123")
	f.Fuzz(func(t *testing.T, text string) {
		eps, err := parseConfig("recipients", strings.NewReader(text), m)
		if err != nil {
			return
		}
		for id, ep := range eps {
			if _, ok := findRecipient(m, id); !ok || len(ep.Secret) < MinSecretLen || checkURL(ep.URL) != nil {
				t.Errorf("accepted %q: %+v", id, ep)
			}
		}
	})
}

func findRecipient(m *manifest.Manifest, id string) (manifest.Recipient, bool) {
	for _, r := range m.Recipients {
		if r.ID == id {
			return r, true
		}
	}
	return manifest.Recipient{}, false
}
