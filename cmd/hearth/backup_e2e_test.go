package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hearth-iot/hearth/sqlite"
)

// ingesting publishes readings from every device at QoS 1 until stopped,
// one at a time per device, and records each acknowledged message ID.
type ingesting struct {
	mu    sync.Mutex
	acked []string
	n     atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startIngesting(t *testing.T, broker string, creds []cred) *ingesting {
	g := &ingesting{stop: make(chan struct{})}
	for i, c := range creds {
		cl := connect(t, broker, c)
		g.wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-g.stop:
					return
				default:
				}
				id := fmt.Sprintf("b%d-%d", i, j)
				tok := cl.Publish(topic(c.ID), 1, false, payload(id, "setpoint", map[string]any{"celsius": 20, "source": id}))
				if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
					t.Errorf("publish %s: %v", id, tok.Error())
					return
				}
				g.mu.Lock()
				g.acked = append(g.acked, id)
				g.mu.Unlock()
				g.n.Add(1)
			}
		})
	}
	return g
}

// waitFor waits until n more messages than now are acknowledged.
func (g *ingesting) waitFor(t *testing.T, n int64) {
	t.Helper()
	want := g.n.Load() + n
	for deadline := time.Now().Add(2 * time.Minute); g.n.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages acknowledged, want %d", g.n.Load(), want)
		}
	}
}

// snapshot returns the IDs acknowledged so far.
func (g *ingesting) snapshot() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.acked...)
}

// TestBackupWhileIngesting backs up hearth.db with the real binary while a
// server ingests over MQTT, then restores the backup into the stopped data
// directory and starts it again with the same key file and keys.db: the
// database is consistent (restore's integrity check), holds every reading
// acknowledged before the backup started and none written after it
// returned, the backup is mode 0600 and holds no key material, keys.db is
// left untouched by a backup, and progress stays off a non-terminal
// (SEC-ENCRYPT: no key in a data backup; RIGHT-ERASE: keys.db is never in
// it, so erasure reaches backups).
func TestBackupWhileIngesting(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 4, "Backup home")
	p := startHearth(t, data)
	g := startIngesting(t, p.MQTT, creds)
	g.waitFor(t, 200)
	before := g.snapshot()
	out := filepath.Join(t.TempDir(), "hearth-backup.db")
	code, stdout, stderr := runHearth(t, context.Background(), "backup", "--data", data, "--out", out)
	if code != 0 {
		t.Fatalf("backup: exit %d; stderr:\n%s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("backup wrote to a non-terminal stderr: %q", stderr)
	}
	if !strings.Contains(stdout, "it holds no key") {
		t.Errorf("backup output %q does not say it holds no key", stdout)
	}
	g.waitFor(t, 100) // written after the backup returned
	close(g.stop)
	g.wg.Wait()
	total := len(g.snapshot())
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}
	checkPrivate(t, out)
	checkNoKeyMaterial(t, data, out)
	checkBackupLeavesKeys(t, data)

	code, stdout, stderr = runHearth(t, context.Background(), "restore", "--data", data, "--force", out)
	if code != 0 || stderr != "" {
		t.Fatalf("restore: exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "keys.db kept as it was") {
		t.Errorf("restore output %q does not say keys.db was kept", stdout)
	}
	checkPrivate(t, filepath.Join(data, sqlite.DataFile))
	p = startHearth(t, data)
	rs := signIn(t, p.HTTP, email, pw).allReadings(hh)
	stored := map[string]bool{}
	for _, r := range rs {
		var v struct{ Source string } // the message ID, in the setpoint's source
		if err := json.Unmarshal(r.Values, &v); err != nil {
			t.Fatalf("values %s: %v", r.Values, err)
		}
		stored[v.Source] = true
	}
	missing := 0
	for _, id := range before {
		if !stored[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of the %d readings acknowledged before the backup are not in it", missing, len(before))
	}
	if len(rs) >= total {
		t.Errorf("the restored backup has %d readings, want fewer than the %d stored by the end", len(rs), total)
	}
	t.Logf("acknowledged before the backup: %d; in the backup: %d; stored by the end: %d", len(before), len(rs), total)
}

// checkPrivate fails unless path has mode 0600.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, got)
	}
}

// checkNoKeyMaterial fails if the backup holds any wrapped data key of
// data's keys.db, or the key-encryption key (hex or raw).
func checkNoKeyMaterial(t *testing.T, data, backup string) {
	t.Helper()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, sqlite.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT id, wrapped FROM keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var wrapped []byte
		if err := rows.Scan(&id, &wrapped); err != nil {
			t.Fatal(err)
		}
		n++
		if bytes.Contains(b, wrapped) {
			t.Errorf("the backup contains the wrapped data key %s", id)
		}
	}
	if n == 0 {
		t.Fatal("keys.db holds no key: nothing to look for")
	}
	kek, err := kekFileIn(configHome, data)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(kek)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(strings.TrimSpace(string(text)))
	if bytes.Contains(b, bytes.TrimSpace(text)) || len(raw) != 32 || bytes.Contains(b, raw) {
		t.Error("the backup contains the key-encryption key")
	}
}

// checkBackupLeavesKeys backs up the stopped data directory and fails if
// that changed keys.db or made a -wal or -shm file for it.
func checkBackupLeavesKeys(t *testing.T, data string) {
	t.Helper()
	keys := filepath.Join(data, sqlite.KeysFile)
	before, _ := os.ReadFile(keys)
	fi1, _ := os.Stat(keys)
	if code, _, stderr := runHearth(t, context.Background(), "backup", "--data", data, "--out", filepath.Join(t.TempDir(), "b.db")); code != 0 {
		t.Fatalf("backup of a stopped data directory: exit %d; %s", code, stderr)
	}
	after, _ := os.ReadFile(keys)
	fi2, _ := os.Stat(keys)
	if !bytes.Equal(before, after) || !fi1.ModTime().Equal(fi2.ModTime()) {
		t.Error("a backup changed keys.db")
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(keys + ext); err == nil {
			t.Errorf("a backup left %s%s behind", sqlite.KeysFile, ext)
		}
	}
}

// TestBackupRestoreRefusals drives the binary's refusals: restore while a
// server runs, over an existing hearth.db without --force, of a file that
// is not a Hearth backup, of a newer schema, of a truncated file, and a
// backup over an existing file without --force; each exits 1 with the
// problem and changes nothing.
func TestBackupRestoreRefusals(t *testing.T) {
	data := t.TempDir()
	provisionDevices(t, data, "ember-t1", 1, "Refusal home")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if code, _, stderr := runHearth(t, context.Background(), "backup", "--data", data, "--out", good); code != 0 {
		t.Fatalf("backup: exit %d; %s", code, stderr)
	}
	goodBytes, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("newer.db", goodBytes)
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations (version, applied) VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	text := write("notes.txt", bytes.Repeat([]byte("not a database "), 20))
	truncated := write("truncated.db", goodBytes[:len(goodBytes)/2])
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"existing database", []string{"restore", "--data", data, good}, "give --force"},
		{"not SQLite", []string{"restore", "--data", data, "--force", text}, text + " is not a Hearth backup: not an SQLite database"},
		{"newer schema", []string{"restore", "--force", "--data", data, newer}, "schema version 999 is newer than this build of Hearth knows"},
		{"truncated", []string{"restore", "--data", data, truncated, "--force"}, truncated + " is truncated: it has"},
		{"keys.db backup as data", []string{"restore", "--data", data, "--force", filepath.Join(data, sqlite.KeysFile)}, "a backup of keys.db, not of hearth.db"},
		{"backup over a file", []string{"backup", "--data", data, "--out", good}, "file already exists; give --force to replace it"},
	}
	hearthDB := filepath.Join(data, sqlite.DataFile)
	before, _ := os.ReadFile(hearthDB)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runHearth(t, context.Background(), tt.args...)
			if code != exitError || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitError, tt.want)
			}
			if after, _ := os.ReadFile(hearthDB); !bytes.Equal(after, before) {
				t.Error("a refused command changed hearth.db")
			}
		})
	}
	if after, _ := os.ReadFile(good); !bytes.Equal(after, goodBytes) {
		t.Error("a refused backup changed the existing file")
	}
	p := startHearth(t, data)
	code, _, stderr := runHearth(t, context.Background(), "restore", "--data", data, "--force", good)
	if code != exitError || !strings.Contains(stderr, "in use by another Hearth process: stop the server") {
		t.Errorf("restore while the server runs: exit %d, stderr %q; want exit 1 and a refusal", code, stderr)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
