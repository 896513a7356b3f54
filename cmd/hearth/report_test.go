package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/compliance"
)

// TestReportOnDemo runs `hearth report` on the data directory of a running
// `hearth demo`: the report names every requirement ID exactly once, in
// Markdown and in JSON, says plainly what the demo does not meet (no TLS
// on loopback, no audit log yet), and verifies the demo's consent ledger
// (RECORDS, CONSENT-LEDGER).
func TestReportOnDemo(t *testing.T) {
	d := startDemo(t)
	dirs, _ := filepath.Glob(filepath.Join(d.cwd, "hearth-demo-*"))
	if len(dirs) != 1 {
		t.Fatalf("demo data directories: %v", dirs)
	}
	ctx := context.Background()
	code, md, stderr := runHearth(t, ctx, "report", "--data", dirs[0])
	if code != 0 {
		t.Fatalf("hearth report: exit code %d, stderr %s", code, stderr)
	}
	reqs := compliance.Requirements()
	for _, r := range reqs {
		if n := strings.Count(md, "\n## "+r.ID+" ("); n != 1 {
			t.Errorf("the Markdown report names %s %d times, want once", r.ID, n)
		}
	}
	for _, want := range []string{
		"## SEC-ENCRYPT (must): not met\n",
		"plaintext on a loopback address (no --tls-cert): there is no encryption in transit",
		"## CONSENT-LEDGER (must): met\n",
		"## AUDIT (must): met\n", // the audit log, verified (AUDIT)
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	code, js, stderr := runHearth(t, ctx, "report", "--data", dirs[0], "--format", "json")
	if code != 0 {
		t.Fatalf("hearth report --format json: exit code %d, stderr %s", code, stderr)
	}
	var r compliance.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, it := range r.Items {
		seen[it.ID]++
	}
	for _, req := range reqs {
		if seen[req.ID] != 1 {
			t.Errorf("the JSON report names %s %d times, want once", req.ID, seen[req.ID])
		}
	}
	if len(r.Items) != len(reqs) {
		t.Errorf("the JSON report has %d items, want %d", len(r.Items), len(reqs))
	}
	if code, _, stderr := runHearth(t, ctx, "report", "--data", dirs[0], "--format", "pdf"); code != 2 || !strings.Contains(stderr, `--format "pdf": use md, html or json`) {
		t.Errorf("--format pdf: exit code %d, stderr %q; want 2", code, stderr)
	}
	if code, _, stderr := runHearth(t, ctx, "report", "--data", t.TempDir()); code != 1 || !strings.Contains(stderr, "no hearth.db in data directory") {
		t.Errorf("empty data directory: exit code %d, stderr %q; want 1", code, stderr)
	}
}
