package firmware_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/firmware"
)

var now = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	priv, other ed25519.PrivateKey
	trusted     []ed25519.PublicKey
	image       []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	priv, err := firmware.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := firmware.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{priv: priv, other: other, trusted: []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)}, image: []byte("firmware image 1.2.0 for thermostat-v1")}
}

func (f *fixture) release(version string, expires time.Time) firmware.Release {
	return firmware.NewRelease("thermostat-v1", version, f.image, expires, true, "Adds a holiday schedule.")
}

func (f *fixture) sign(t testing.TB, key ed25519.PrivateKey, r firmware.Release) []byte {
	t.Helper()
	md, err := firmware.Sign(key, r)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return md
}

// TestVerify covers the five refusals a device reports and a good update.
// SEC-UPDATES
func TestVerify(t *testing.T) {
	f := newFixture(t)
	good := f.sign(t, f.priv, f.release("1.2.0", now.Add(24*time.Hour)))
	unsigned := func() []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		m["signatures"] = []any{}
		b, _ := json.Marshal(m)
		return b
	}()
	tamperedNotes := bytes.Replace(good, []byte("holiday"), []byte("holidays"), 1)
	modifiedImage := append([]byte(nil), f.image...)
	modifiedImage[0] ^= 1
	tests := []struct {
		name      string
		metadata  []byte
		image     []byte
		installed string
		want      firmware.Reason // "" for an update that installs
	}{
		{"good update", good, f.image, "1.1.9", ""},
		{"same version reinstalls", good, f.image, "1.2.0", ""},
		{"nothing installed", good, f.image, "", ""},
		{"metadata only", good, nil, "1.1.9", ""},
		{"unsigned", unsigned, f.image, "1.1.9", firmware.ReasonUnsigned},
		{"wrong key", f.sign(t, f.other, f.release("1.2.0", now.Add(time.Hour))), f.image, "1.1.9", firmware.ReasonWrongKey},
		{"modified image", good, modifiedImage, "1.1.9", firmware.ReasonModified},
		{"truncated image", good, f.image[1:], "1.1.9", firmware.ReasonModified},
		{"modified metadata", tamperedNotes, f.image, "1.1.9", firmware.ReasonModified},
		{"older version", good, f.image, "1.10.0", firmware.ReasonOlderVersion},
		{"expired metadata", f.sign(t, f.priv, f.release("1.2.0", now.Add(-time.Second))), f.image, "1.1.9", firmware.ReasonExpired},
		{"expires now", f.sign(t, f.priv, f.release("1.2.0", now)), f.image, "1.1.9", firmware.ReasonExpired},
		{"malformed", []byte(`{"signed":{}}`), f.image, "1.1.9", firmware.ReasonMalformed},
		{"bad installed version", good, f.image, "v1", firmware.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := firmware.Verify(f.trusted, tt.metadata, tt.image, tt.installed, now)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v, want it installed", err)
				}
				if r.Version != "1.2.0" || r.Model != "thermostat-v1" || !r.Substantial {
					t.Errorf("release = %+v", r)
				}
				return
			}
			var ref *firmware.Refusal
			if !errors.As(err, &ref) {
				t.Fatalf("Verify error = %v, want a *Refusal (%s)", err, tt.want)
			}
			if ref.Reason != tt.want {
				t.Errorf("Reason = %s, want %s (%s)", ref.Reason, tt.want, ref.Detail)
			}
			if ref.Detail == "" {
				t.Error("Detail is empty")
			}
		})
	}
}

// TestVerifyAnyTrustedKey: a device trusting two keys (a rotation) accepts
// a release signed by either. SEC-UPDATES
func TestVerifyAnyTrustedKey(t *testing.T) {
	f := newFixture(t)
	trusted := append(f.trusted, f.other.Public().(ed25519.PublicKey))
	md := f.sign(t, f.other, f.release("2.0.0", now.Add(time.Hour)))
	if _, err := firmware.Verify(trusted, md, f.image, "1.0.0", now); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSignRefusesBadRelease(t *testing.T) {
	f := newFixture(t)
	for name, mutate := range map[string]func(*firmware.Release){
		"version":           func(r *firmware.Release) { r.Version = "1.2" },
		"model":             func(r *firmware.Release) { r.Model = "" },
		"substantial notes": func(r *firmware.Release) { r.Notes = "" },
		"empty image":       func(r *firmware.Release) { r.Length = 0 },
		"expires":           func(r *firmware.Release) { r.Expires = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			r := f.release("1.0.0", now)
			mutate(&r)
			if _, err := firmware.Sign(f.priv, r); err == nil {
				t.Error("Sign accepted a bad release")
			}
		})
	}
}

func TestKeysRoundTrip(t *testing.T) {
	f := newFixture(t)
	pemPriv, err := firmware.MarshalPrivateKey(f.priv)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := firmware.ParsePrivateKey(pemPriv)
	if err != nil {
		t.Fatalf("ParsePrivateKey: %v", err)
	}
	if !priv.Equal(f.priv) {
		t.Error("private key changed in the round trip")
	}
	a, _ := firmware.MarshalPublicKey(f.priv.Public().(ed25519.PublicKey))
	b, _ := firmware.MarshalPublicKey(f.other.Public().(ed25519.PublicKey))
	keys, err := firmware.ParsePublicKeys(append(a, b...))
	if err != nil {
		t.Fatalf("ParsePublicKeys: %v", err)
	}
	if len(keys) != 2 || !keys[0].Equal(f.trusted[0]) {
		t.Errorf("keys = %d, want 2, the first the signing key's", len(keys))
	}
	if _, err := firmware.ParsePublicKeys(pemPriv); err == nil {
		t.Error("ParsePublicKeys accepted a private key file")
	}
	if _, err := firmware.ParsePrivateKey(a); err == nil {
		t.Error("ParsePrivateKey accepted a public key file")
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.0", "1.2.0", 0}, {"1.2.0", "1.10.0", -1}, {"2.0.0", "1.99.99", 1}, {"0.0.1", "0.0.0", 1},
	}
	for _, tt := range tests {
		got, err := firmware.CompareVersions(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("CompareVersions(%s, %s) = %d, %v, want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1.2", "01.2.3", "1.2.3-rc1", "v1.2.3", "1.2.3.4", "1234567890.0.0"} {
		if _, err := firmware.CompareVersions(bad, "1.0.0"); err == nil {
			t.Errorf("CompareVersions(%q) accepted it", bad)
		}
	}
}

// TestParseRefuses: malformed metadata gets a precise error naming the
// field. SEC-UPDATES
func TestParseRefuses(t *testing.T) {
	f := newFixture(t)
	good := string(f.sign(t, f.priv, f.release("1.2.0", now.Add(time.Hour))))
	tests := []struct{ name, in, want string }{
		{"empty", "", "not the metadata JSON object"},
		{"not an object", "[]", "not the metadata JSON object"},
		{"trailing data", good + "{}", "data after the JSON object"},
		{"unknown field", strings.Replace(good, `"signed":{`, `"signed":{"extra":1,`, 1), "unknown field"},
		{"duplicate key", strings.Replace(good, `"signed":{`, `"signed":{"model":"x",`, 1), `key "model" given twice`},
		{"missing field", strings.Replace(good, `"substantial":true,`, ``, 1), "signed.substantial: missing"},
		{"bad expires", strings.Replace(good, `:00Z"`, `:00+00:00"`, 1), "signed.expires"},
		{"second hash", strings.Replace(good, `"hashes":{`, `"hashes":{"sha512":"00",`, 1), "signed.hashes"},
		{"bad type", strings.Replace(good, ReleaseTypeJSON, `"_type":"root"`, 1), "signed._type"},
		{"bad keyid", strings.Replace(good, `"keyid":"`, `"keyid":"zz`, 1), "signatures[0].keyid"},
		{"too large", good + strings.Repeat(" ", firmware.MaxMetadataSize), "over the limit"},
		{"bad UTF-8", strings.Replace(good, "holiday", "holi\xffday", 1), "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := firmware.Parse([]byte(tt.in))
			if !errors.Is(err, firmware.ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want ErrMalformed mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := firmware.Parse([]byte(good)); err != nil {
		t.Fatalf("Parse(good) = %v", err)
	}
}

const ReleaseTypeJSON = `"_type":"firmware-release"`

// FuzzParse: the parser never panics, and whatever it accepts re-encodes
// to metadata that parses to the same release. SEC-UPDATES
func FuzzParse(f *testing.F) {
	fx := newFixture(f)
	f.Add(string(fx.sign(f, fx.priv, fx.release("1.2.0", now))))
	f.Add(`{"signed":{},"signatures":[]}`)
	f.Add(`{"a":{"b":[{"c":1},{"c":1}]}}`)
	f.Fuzz(func(t *testing.T, in string) {
		m, err := firmware.Parse([]byte(in))
		if err != nil {
			return
		}
		again, err := m.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		m2, err := firmware.Parse(again)
		if err != nil {
			t.Fatalf("re-encoded metadata does not parse: %v\n%s", err, again)
		}
		if !bytes.Equal(m.Signed.Canonical(), m2.Signed.Canonical()) {
			t.Errorf("canonical form changed:\n%s\n%s", m.Signed.Canonical(), m2.Signed.Canonical())
		}
	})
}
