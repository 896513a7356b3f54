package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/sqlite"
)

// CONSENT-LEDGER: `hearth ledger verify` reports an intact ledger with exit
// 0, and names a tampered entry with exit 1.
func TestLedgerVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	l := ledger.New(store, nil)
	for _, p := range []string{"p_a", "p_b", "p_c"} {
		e := hearth.LedgerEntry{Type: hearth.EntryConsentGiven, Person: p, Purpose: "insights", Actor: p, Method: hearth.MethodWeb}
		if _, err := l.Append(t.Context(), e); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	code, out, _ := runLedgerVerify(t, dir)
	if code != exitOK || !strings.Contains(out, "ledger intact: 3 entries") {
		t.Errorf("verify intact: exit %d, output %q; want 0 and %q", code, out, "ledger intact: 3 entries")
	}

	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	for _, s := range []string{"DROP TRIGGER ledger_no_update", "UPDATE ledger SET purpose = 'ads' WHERE seq = 2"} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	raw.Close()
	code, _, errOut := runLedgerVerify(t, dir)
	if want := "ledger entry 2 altered"; code != exitError || !strings.Contains(errOut, want) {
		t.Errorf("verify tampered: exit %d, stderr %q; want %d and %q", code, errOut, exitError, want)
	}
}

// Verifying a directory without a store fails rather than creating one.
func TestLedgerVerifyMissingData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	code, _, errOut := runLedgerVerify(t, dir)
	if code != exitError || !strings.Contains(errOut, "no hearth.db") {
		t.Errorf("exit %d, stderr %q; want %d and a missing-store message", code, errOut, exitError)
	}
}

// runLedgerVerify runs `hearth ledger verify --data dir` in process.
func runLedgerVerify(t *testing.T, dir string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"hearth", "ledger", "verify", "--data", dir}, func(string) string { return "" }, nil, &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}
