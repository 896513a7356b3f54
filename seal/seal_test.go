package seal_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
)

// mapKeys is a map-backed hearth.KeyStore for these unit tests only; the
// ingest and mqtt tests use the real SQLite store.
type mapKeys struct {
	mu   sync.Mutex
	keys map[string]hearth.WrappedKey // by subject
	puts int
}

func newMapKeys() *mapKeys { return &mapKeys{keys: map[string]hearth.WrappedKey{}} }

func (m *mapKeys) PutKey(_ context.Context, k *hearth.WrappedKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[k.Subject]; ok {
		return hearth.Errorf(hearth.ECONFLICT, "subject has a key")
	}
	m.keys[k.Subject] = *k
	m.puts++
	return nil
}

func (m *mapKeys) Key(_ context.Context, subject string) (*hearth.WrappedKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[subject]
	if !ok {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "no key")
	}
	return &k, nil
}

func (m *mapKeys) KeyByID(_ context.Context, id string) (*hearth.WrappedKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k.ID == id {
			return &k, nil
		}
	}
	return nil, hearth.Errorf(hearth.ENOTFOUND, "no key")
}

func (m *mapKeys) DeleteKey(_ context.Context, subject string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, subject)
	return nil
}

func newKeyring(t testing.TB) (*seal.Keyring, *mapKeys) {
	t.Helper()
	kek, err := seal.LoadOrCreateKEK(filepath.Join(t.TempDir(), "kek"))
	if err != nil {
		t.Fatalf("LoadOrCreateKEK: %v", err)
	}
	keys := newMapKeys()
	return seal.NewKeyring(kek, keys), keys
}

// SEC-ENCRYPT: authenticated encryption per subject, bound to its row.
func TestSealOpen(t *testing.T) {
	ctx := context.Background()
	kr, _ := newKeyring(t)
	plain := []byte(`{"temp":21.5}`)
	aad := []byte("dev\x00m1\x00temperature\x00p_1")
	sealed, err := kr.Seal(ctx, "p_1", plain, aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatalf("sealed value contains the plaintext")
	}
	tampered := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name     string
		sealed   []byte
		aad      []byte
		wantCode string
	}{
		{"round trip", sealed, aad, ""},
		{"wrong aad", sealed, []byte("dev\x00m2\x00temperature\x00p_1"), hearth.EINVALID},
		{"tampered last byte", tampered(len(sealed) - 1), aad, hearth.EINVALID},
		{"tampered nonce", tampered(len(sealed) - len(plain) - 17), aad, hearth.EINVALID},
		{"unknown format", tampered(0), aad, hearth.EINVALID},
		{"truncated", sealed[:10], aad, hearth.EINVALID},
		{"empty", nil, aad, hearth.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kr.Open(ctx, tt.sealed, tt.aad)
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("Open error = %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if tt.wantCode == "" && !bytes.Equal(got, plain) {
				t.Errorf("Open = %q, want %q", got, plain)
			}
		})
	}
}

// SEC-ENCRYPT: a fresh keyring (a restarted server) opens with the stored key.
func TestOpenAfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kek")
	kek, err := seal.LoadOrCreateKEK(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKEK: %v", err)
	}
	keys := newMapKeys()
	sealed, err := seal.NewKeyring(kek, keys).Seal(ctx, "p_1", []byte("x"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	kek2, err := seal.LoadOrCreateKEK(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKEK again: %v", err)
	}
	if kek2.ID() != kek.ID() {
		t.Fatalf("reloaded KEK ID = %s, want %s", kek2.ID(), kek.ID())
	}
	got, err := seal.NewKeyring(kek2, keys).Open(ctx, sealed, nil)
	if err != nil || string(got) != "x" {
		t.Fatalf("Open after restart = %q, %v; want \"x\"", got, err)
	}
}

// SEC-ENCRYPT / RIGHT-ERASE: crypto-shredding makes sealed data unreadable.
func TestShred(t *testing.T) {
	ctx := context.Background()
	kr, keys := newKeyring(t)
	sealed, err := kr.Seal(ctx, "p_1", []byte("secret"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	other, err := kr.Seal(ctx, "p_2", []byte("other"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if err := kr.Shred(ctx, "p_1"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	if _, err := kr.Open(ctx, sealed, nil); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Open after Shred: error %v, want code %s", err, hearth.ENOTFOUND)
	}
	if _, err := keys.Key(ctx, "p_1"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("store Key after Shred: error %v, want code %s", err, hearth.ENOTFOUND)
	}
	if got, err := kr.Open(ctx, other, nil); err != nil || string(got) != "other" {
		t.Errorf("Open other subject = %q, %v; want \"other\"", got, err)
	}
	if err := kr.Shred(ctx, "p_none"); err != nil {
		t.Errorf("Shred of a subject without a key: %v", err)
	}
}

// SEC-ENCRYPT: per-subject keys.
func TestSubjectsHaveDifferentKeys(t *testing.T) {
	ctx := context.Background()
	kr, keys := newKeyring(t)
	for _, s := range []string{"p_1", "p_2", "hh_1"} {
		if _, err := kr.Seal(ctx, s, []byte("v"), nil); err != nil {
			t.Fatalf("Seal(%s): %v", s, err)
		}
	}
	ids := map[string]bool{}
	wrapped := map[string]bool{}
	for _, s := range []string{"p_1", "p_2", "hh_1"} {
		k, err := keys.Key(ctx, s)
		if err != nil {
			t.Fatalf("Key(%s): %v", s, err)
		}
		ids[k.ID] = true
		wrapped[string(k.Wrapped)] = true
	}
	if got, want := len(ids), 3; got != want {
		t.Errorf("distinct key IDs = %d, want %d", got, want)
	}
	if got, want := len(wrapped), 3; got != want {
		t.Errorf("distinct wrapped keys = %d, want %d", got, want)
	}
}

// SEC-ENCRYPT: two goroutines creating a subject's first key at once end up
// with one key, and every value sealed opens.
func TestConcurrentFirstSeal(t *testing.T) {
	ctx := context.Background()
	kek, err := seal.LoadOrCreateKEK(filepath.Join(t.TempDir(), "kek"))
	if err != nil {
		t.Fatalf("LoadOrCreateKEK: %v", err)
	}
	keys := newMapKeys()
	// Separate keyrings share nothing in memory, like two server processes,
	// so the store's ECONFLICT is what keeps the subject to one key.
	rings := []*seal.Keyring{seal.NewKeyring(kek, keys), seal.NewKeyring(kek, keys), seal.NewKeyring(kek, keys)}
	const n = 60
	sealed := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := rings[i%len(rings)].Seal(ctx, "p_new", []byte("v"), nil)
			if err != nil {
				t.Errorf("Seal: %v", err)
			}
			sealed[i] = s
		})
	}
	wg.Wait()
	if got, want := keys.puts, 1; got != want {
		t.Errorf("keys stored = %d, want %d", got, want)
	}
	fresh := seal.NewKeyring(kek, keys)
	for i, s := range sealed {
		if _, err := fresh.Open(ctx, s, nil); err != nil {
			t.Errorf("Open sealed[%d]: %v", i, err)
		}
	}
}

// SEC-ENCRYPT: the key file is private and well-formed.
func TestLoadOrCreateKEK(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"created", filepath.Join(dir, "new"), ""},
		{"good", write("good", good+"\n", 0o600), ""},
		{"group readable", write("group", good, 0o640), "group and others must have no access"},
		{"world readable", write("world", good, 0o604), "group and others must have no access"},
		{"short", write("short", "abcd", 0o600), "64 hexadecimal characters"},
		{"not hex", write("nothex", strings.Repeat("zz", 32), 0o600), "64 hexadecimal characters"},
		{"directory", dir, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := seal.LoadOrCreateKEK(tt.path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadOrCreateKEK: %v", err)
				}
				if got := len(k.ID()); got != 16 {
					t.Errorf("len(ID) = %d, want 16", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadOrCreateKEK error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	fi, err := os.Stat(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("created key file mode = %v, want %v", got, want)
	}
}

func BenchmarkSeal(b *testing.B) {
	ctx := context.Background()
	kr, _ := newKeyring(b)
	plain := []byte(`{"temperature":21.5,"humidity":40.1,"battery":93}`)
	aad := []byte("dev_abc\x00msg-000001\x00temperature\x00p_abcdefghijklmnop")
	if _, err := kr.Seal(ctx, "p_1", plain, aad); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(plain)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := kr.Seal(ctx, "p_1", plain, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
}
