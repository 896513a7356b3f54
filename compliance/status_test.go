package compliance_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

func thermostat(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// items returns the report's items by ID, failing on an ID given twice.
func items(t *testing.T, r compliance.Report) map[string]compliance.Item {
	t.Helper()
	byID := map[string]compliance.Item{}
	for _, it := range r.Items {
		if _, dup := byID[it.ID]; dup {
			t.Errorf("%s is in the report twice", it.ID)
		}
		byID[it.ID] = it
	}
	return byID
}

// TestBuildStatuses checks each requirement's status against the facts of
// an instance: configuration that meets it, configuration that does not
// (said plainly), the parts not wired in (not met until they are), and a
// requirement without tests (never met) (RECORDS).
func TestBuildStatuses(t *testing.T) {
	reqs := compliance.Requirements()
	ev := compliance.EmbeddedEvidence()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	bare := compliance.Facts{Manifest: thermostat(t), Ledger: compliance.Check{Checked: true, Intact: true, Entries: 7}}
	r := compliance.Build(reqs, ev, bare, now)
	got := items(t, r)
	if len(r.Items) != len(reqs) {
		t.Fatalf("%d items, want %d", len(r.Items), len(reqs))
	}
	total := 0
	for _, n := range r.Counts {
		total += n
	}
	if total != len(reqs) {
		t.Errorf("counts %v add up to %d, want %d", r.Counts, total, len(reqs))
	}
	want := map[string]struct{ status, why string }{
		"SEC-ENCRYPT":    {compliance.NotMet, "plaintext on a loopback address"},
		"SEC-UPDATES":    {compliance.NotMet, "no --firmware-keys"},
		"SEC-VDP":        {compliance.NotMet, "no security contact"},
		"RIGHT-ERASE":    {compliance.NotMet, "cloud-host and forecast-co have no erasure webhook"},
		"CONSENT-LEDGER": {compliance.Met, "7 entries intact"},
		"AUDIT":          {compliance.NotMet, "keeps no audit log"},
		"INT-CLIENTS":    {compliance.NotMet, "no OAuth 2 authorization server"},
		"PET-DP":         {compliance.NotMet, "no differentially private analytics"},
		"PET-SYNTH":      {compliance.NotMet, "no synthetic data generator is in this binary"},
		"PECR-TERMINAL":  {compliance.NotApplicable, "no purpose beyond the core function"},
		"CONSENT-CHILD":  {compliance.MetByCode, "the code does it on every instance"},
		"RECORDS":        {compliance.Met, "the screening concludes: A DPIA is required"},
		"BASIS-DECLARED": {compliance.Met, "passes lint"},
		"SEC-MONITOR":    {compliance.Met, "security-monitoring purpose"},
		"SEC-BRUTE":      {compliance.MetByCode, "rate-limited"},
	}
	for id, w := range want {
		if it := got[id]; it.Status != w.status || !strings.Contains(it.Why, w.why) {
			t.Errorf("%s = %s %q, want %s and %q", id, it.Status, it.Why, w.status, w.why)
		}
	}
	if it := got["RECORDS"]; len(it.Tests) == 0 || it.Strength != "S" {
		t.Errorf("RECORDS = %+v, want its tests", it)
	}

	// A configured instance with the other areas wired in.
	full := bare
	full.TLS, full.FirmwareKeys, full.SecurityContact = true, 1, []string{"mailto:security@example.com"}
	full.RecipientsConfigured = []string{"cloud-host", "forecast-co"}
	full.OAuth, full.AnalyticsBudget, full.Synthetic = true, true, true
	full.AuditLog, full.Audit = true, compliance.Check{Checked: true, Intact: false, Problem: "audit entry 3 altered"}
	full.Ledger = compliance.Check{Checked: true, Intact: false, Entries: 2, Problem: "ledger entry 3 altered: hash"}
	full.Insecure = true // behind a proxy Hearth is not told about
	got = items(t, compliance.Build(reqs, ev, full, now))
	want = map[string]struct{ status, why string }{
		"SEC-ENCRYPT":    {compliance.Met, "over TLS"},
		"SEC-UPDATES":    {compliance.Met, "one of 1 trusted keys"},
		"SEC-VDP":        {compliance.Met, "mailto:security@example.com"},
		"RIGHT-ERASE":    {compliance.Met, "every recipient's webhook"},
		"CONSENT-LEDGER": {compliance.NotMet, "broken: ledger entry 3 altered"},
		"AUDIT":          {compliance.NotMet, "audit log is broken: audit entry 3 altered"},
		"SEC-BRUTE":      {compliance.NotMet, "neither --trusted-proxies nor --proxy-protocol"},
	}
	for id, w := range want {
		if it := got[id]; it.Status != w.status || !strings.Contains(it.Why, w.why) {
			t.Errorf("configured: %s = %s %q, want %s and %q", id, it.Status, it.Why, w.status, w.why)
		}
	}
	for _, id := range []string{"INT-CLIENTS", "PET-DP", "PET-SYNTH"} {
		// Met only with the tests that show it: until the area's tests cite
		// the ID, it stays not met whatever the facts say.
		it := got[id]
		if (len(it.Tests) > 0) != (it.Status == compliance.Met || it.Status == compliance.MetByCode) {
			t.Errorf("configured: %s = %s with %d tests", id, it.Status, len(it.Tests))
		}
	}

	// Without evidence nothing is met.
	for _, it := range compliance.Build(reqs, compliance.Evidence{}, full, now).Items {
		if it.Status == compliance.Met || it.Status == compliance.MetByCode {
			t.Errorf("%s is %s without any test", it.ID, it.Status)
		}
	}
}

// TestReportForms renders a report in each form: each names every ID
// exactly once (as a heading, a table row, an item) (RECORDS).
func TestReportForms(t *testing.T) {
	reqs := compliance.Requirements()
	r := compliance.Build(reqs, compliance.EmbeddedEvidence(), compliance.Facts{Manifest: thermostat(t)}, time.Unix(0, 0))
	var md, h, js bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := r.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var back compliance.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Items) != len(reqs) {
		t.Fatalf("JSON: %d items, %v", len(back.Items), err)
	}
	for _, req := range reqs {
		if n := strings.Count(md.String(), "\n## "+req.ID+" ("); n != 1 {
			t.Errorf("Markdown has %d sections for %s, want 1", n, req.ID)
		}
		if n := strings.Count(h.String(), `<tr id="req-`+req.ID+`">`); n != 1 {
			t.Errorf("HTML has %d rows for %s, want 1", n, req.ID)
		}
	}
}
