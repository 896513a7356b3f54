package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/sqlite"
)

// runAnalyticsCLI runs `hearth analytics` in process on dir with kek.
func runAnalyticsCLI(t *testing.T, dir, kek string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"hearth", "analytics"}, args...)
	all = append(all, "--data", dir, "--kek", kek)
	err := run(t.Context(), all, func(string) string { return "" }, nil, &out, &errOut)
	return exitCode(err, &errOut), out.String(), errOut.String()
}

// TestAnalyticsCommand: PET-DP, AUDIT: `hearth analytics query` answers
// with small groups withheld and charges the budget, `budget` shows what
// is spent, a query the budget cannot cover fails and charges nothing,
// and each answered query is in the audit log.
func TestAnalyticsCommand(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	kek := filepath.Join(t.TempDir(), "k.kek")
	code, out, errOut := runAnalyticsCLI(t, dir, kek, "query", "--dataset", "people", "--kind", "count", "--epsilon", "1.5")
	if code != exitOK || !strings.Contains(out, "owner") || !strings.Contains(out, "withheld: noisy count of households under 10") ||
		!strings.Contains(out, "people: ε 1.5 of 4 spent by 1 queries") {
		t.Fatalf("query: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runAnalyticsCLI(t, dir, kek, "budget", "--json")
	var bs []map[string]any
	if err := json.Unmarshal([]byte(out), &bs); code != exitOK || err != nil || len(bs) != 4 || bs[2]["dataset"] != "people" || bs[2]["spent_epsilon"] != 1.5 {
		t.Errorf("budget: exit %d, %q (%v); want people with 1.5 spent", code, out, err)
	}
	code, _, errOut = runAnalyticsCLI(t, dir, kek, "query", "--dataset", "people", "--kind", "count", "--epsilon", "3")
	if code != exitError || !strings.Contains(errOut, "nothing was charged") {
		t.Errorf("query over budget: exit %d, stderr %q; want a refusal saying nothing was charged", code, errOut)
	}
	code, _, errOut = runAnalyticsCLI(t, dir, kek, "query", "--dataset", "people", "--kind", "count", "--epsilon", "lots")
	if code == exitOK || !strings.Contains(errOut, "epsilon") {
		t.Errorf("bad epsilon: exit %d, stderr %q; want the flag named", code, errOut)
	}
	store, err = sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	es, err := store.AuditLog().LedgerEntries(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var queries int
	for _, e := range es {
		if e.Type == audit.Admin && strings.Contains(string(e.Details), `"action":"analytics query"`) && strings.Contains(string(e.Details), `"target":"people"`) {
			queries++
		}
	}
	if queries != 1 {
		t.Errorf("audit log = %+v, want one admin entry for the answered query", es)
	}
}
