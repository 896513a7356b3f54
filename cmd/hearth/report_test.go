package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/sqlite"
)

// TestReportOnDemo runs `hearth report` on the data directory of a running
// `hearth demo`: the report names every requirement ID exactly once, in
// Markdown and in JSON, says plainly what the demo does not meet (no TLS
// on loopback), and verifies the demo's consent ledger and audit log
// (RECORDS, CONSENT-LEDGER, AUDIT).
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

// TestReportConfiguration runs `hearth report` with serve's flags on a
// store: TLS, trusted firmware keys and every recipient's erasure webhook
// meet SEC-ENCRYPT, SEC-UPDATES and RIGHT-ERASE; --insecure without a
// trusted proxy leaves SEC-BRUTE and SEC-ENCRYPT not met, saying why
// (RECORDS, AUDIT, CONSENT-LEDGER).
func TestReportConfiguration(t *testing.T) {
	data := t.TempDir()
	db, err := sqlite.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	dir := t.TempDir()
	cert, key := selfSignedCert(t)
	keys := filepath.Join(dir, "fw")
	if code, _, errOut := runInProcess(t, "firmware", "keygen", "--out", keys); code != exitOK {
		t.Fatalf("firmware keygen: %s", errOut)
	}
	recipients := filepath.Join(dir, "recipients")
	if err := os.WriteFile(recipients, []byte("cloud-host - 0123456789abcdef0123\nforecast-co - 0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	status := func(args ...string) map[string]compliance.Item {
		t.Helper()
		code, out, errOut := runInProcess(t, append([]string{"report", "--data", data, "--format", "json"}, args...)...)
		if code != exitOK {
			t.Fatalf("hearth report %v: exit %d: %s", args, code, errOut)
		}
		var r compliance.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		byID := map[string]compliance.Item{}
		for _, it := range r.Items {
			byID[it.ID] = it
		}
		return byID
	}
	want := func(got map[string]compliance.Item, id, st, why string) {
		t.Helper()
		if it := got[id]; it.Status != st || !strings.Contains(it.Why, why) {
			t.Errorf("%s = %s %q, want %s and %q", id, it.Status, it.Why, st, why)
		}
	}
	got := status("--tls-cert", cert, "--tls-key", key, "--firmware-keys", keys+".pub", "--recipients", recipients)
	want(got, "SEC-ENCRYPT", compliance.Met, "over TLS (--tls-cert)")
	want(got, "SEC-UPDATES", compliance.Met, "one of 1 trusted keys")
	want(got, "RIGHT-ERASE", compliance.Met, "every recipient's webhook")
	want(got, "SEC-BRUTE", compliance.MetByCode, "rate-limited")
	want(got, "CONSENT-LEDGER", compliance.Met, "0 entries intact")
	want(got, "AUDIT", compliance.Met, "audit log's hash chain was verified")
	got = status("--insecure")
	want(got, "SEC-ENCRYPT", compliance.NotMet, "(--insecure)")
	want(got, "SEC-BRUTE", compliance.NotMet, "neither --trusted-proxies nor --proxy-protocol")
	want(got, "SEC-UPDATES", compliance.NotMet, "no --firmware-keys")
	want(got, "RIGHT-ERASE", compliance.NotMet, "cloud-host and forecast-co have no erasure webhook")
	got = status("--insecure", "--trusted-proxies", "10.0.0.0/8")
	want(got, "SEC-BRUTE", compliance.MetByCode, "rate-limited")
}
