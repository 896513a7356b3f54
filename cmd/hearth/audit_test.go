package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/webhook"
)

// runInProcess runs the hearth command line in process.
func runInProcess(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append([]string{"hearth"}, args...), func(string) string { return "" }, nil, &out, &errOut)
	return exitCode(err, &errOut), out.String(), errOut.String()
}

// tamperSQL runs statements on hearth.db in dir directly.
func tamperSQL(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// AUDIT: hearth audit verify reports an intact chain and prints its
// head's anchor, signed with --sign-key; --anchor checks the chain still
// holds it: cutting the last entries off (which the chain alone cannot
// show) and altering an entry both exit 1.
func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := audit.New(audit.Config{Store: db.AuditLog()})
	for _, p := range []string{"p_a", "p_b", "p_a", "p_c", "p_a"} {
		e := hearth.LedgerEntry{Type: audit.Access, Person: p, Actor: "p_b", Method: hearth.MethodWeb,
			Details: audit.Details{ActorKind: audit.Member, Action: "GET /v1/households/{hh}/readings"}.JSON()}
		if err := l.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	l.Close(t.Context())
	db.Close()
	keys := filepath.Join(t.TempDir(), "anchor")
	if code, _, errOut := runInProcess(t, "firmware", "keygen", "--out", keys); code != exitOK {
		t.Fatalf("keygen: %s", errOut)
	}
	anchors := filepath.Join(t.TempDir(), "anchors")

	code, out, errOut := runInProcess(t, "audit", "verify", "--data", dir, "--sign-key", keys+".key", "--append-anchor", anchors)
	if code != exitOK || !strings.Contains(out, "audit log intact: 5 entries") || !strings.Contains(out, `"signature":"`) {
		t.Fatalf("verify: exit %d, %q %q; want 0, 5 entries and a signed anchor", code, out, errOut)
	}
	code, out, errOut = runInProcess(t, "audit", "verify", "--data", dir, "--anchor", anchors, "--anchor-keys", keys+".pub")
	if code != exitOK || !strings.Contains(out, "anchors held: 1") {
		t.Fatalf("verify --anchor: exit %d, %q %q; want 0 and the anchor held", code, out, errOut)
	}

	tamperSQL(t, dir, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq >= 4")
	code, out, _ = runInProcess(t, "audit", "verify", "--data", dir)
	if code != exitOK || !strings.Contains(out, "intact: 3 entries") {
		t.Errorf("without the anchor a cut-off end goes unseen: exit %d, %q", code, out)
	}
	code, _, errOut = runInProcess(t, "audit", "verify", "--data", dir, "--anchor", anchors, "--anchor-keys", keys+".pub")
	if code != exitError || !strings.Contains(errOut, "cut off its end") {
		t.Errorf("verify --anchor after truncation: exit %d, stderr %q; want 1 and the truncation", code, errOut)
	}

	tamperSQL(t, dir, "DROP TRIGGER audit_no_update", "UPDATE audit SET person = 'p_z' WHERE seq = 2")
	code, _, errOut = runInProcess(t, "audit", "verify", "--data", dir)
	if code != exitError || !strings.Contains(errOut, "entry 2 altered") {
		t.Errorf("verify after altering entry 2: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runInProcess(t, "audit", "verify", "--data", dir, "--anchor-keys", keys+".pub"); code != exitUsage {
		t.Errorf("--anchor-keys without --anchor: exit %d, want %d", code, exitUsage)
	}
}

// AUDIT, SEC-AUTHZ: the server records accesses, verifies both chains at
// start and, when the audit log was altered, reports it loudly (an ERROR
// log line, /healthz naming the chain broken) and still serves; the
// periodic anchor file gets the head at start and at shutdown.
func TestServeReportsBrokenChain(t *testing.T) {
	data := t.TempDir()
	anchors := filepath.Join(t.TempDir(), "anchors")
	p := startHearth(t, data, "--audit-anchor", anchors)
	a := signUp(t, p.HTTP, "alice@example.com")
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	a.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK)
	acc := a.call("GET", "/v1/me/accesses", nil, http.StatusOK)["accesses"].([]any)
	if len(acc) == 0 {
		t.Fatalf("no accesses recorded: %v", acc)
	}
	if h := healthz(t, p); h["chains"] == nil || h["chains"].(map[string]any)["audit"] != "intact" {
		t.Errorf("healthz = %v, want both chains intact", h)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runHearth(t, t.Context(), "audit", "verify", "--data", data, "--anchor", anchors)
	if code != exitOK || !strings.Contains(out, "anchors held: 2") {
		t.Fatalf("verify against the server's anchors: exit %d, %q %q; want the start and shutdown anchors", code, out, errOut)
	}

	tamperSQL(t, data, "DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'p_other' WHERE seq = 1")
	p = startHearth(t, data)
	if !strings.Contains(p.stderr.String(), "HASH CHAIN BROKEN") || !strings.Contains(p.stderr.String(), "audit entry 1 altered") &&
		!strings.Contains(p.stderr.String(), "ledger entry 1 altered") {
		t.Errorf("start with a broken audit log logged no error naming it:\n%s", p.stderr)
	}
	h := healthz(t, p)
	if ch, _ := h["chains"].(map[string]any); ch["audit"] != "broken" || ch["consent"] != "intact" {
		t.Errorf("healthz = %v, want the audit chain broken and the consent ledger intact", h)
	}
}

// healthz returns /healthz's body.
func healthz(t *testing.T, p *proc) map[string]any {
	t.Helper()
	resp, err := healthClient.Get(p.HTTP + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d, %v", resp.StatusCode, err)
	}
	return v
}

// AUDIT, INT-CLIENTS: operator commands record themselves: a backup, and
// registering and removing an OAuth client, are admin entries by the
// command line, and the chain stays intact.
func TestCommandsRecordAdminActions(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, _, errOut := runInProcess(t, "backup", "--data", dir, "--out", filepath.Join(t.TempDir(), "b.db")); code != exitOK {
		t.Fatalf("backup: %s", errOut)
	}
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	es, err := db.AuditLog().LedgerEntries(t.Context(), 0, 10)
	db.Close()
	if err != nil || len(es) != 1 {
		t.Fatalf("audit entries after a backup: %d, %v; want 1", len(es), err)
	}
	d := audit.ParseDetails(es[0].Details)
	if es[0].Type != audit.Admin || es[0].Actor != "cli" || es[0].Method != "cli" || d.Action != "backup" || d.ActorKind != audit.Operator {
		t.Errorf("backup recorded as %+v %+v", es[0], d)
	}
	code, out, errOut := runInProcess(t, "clients", "add", "--data", dir, "--name", "Planner",
		"--redirect-uris", "https://planner.example/cb", "--scopes", "profile")
	id := regexp.MustCompile(`client (cl_\S+) registered`).FindStringSubmatch(out)
	if code != exitOK || id == nil {
		t.Fatalf("clients add: %d %q %s", code, out, errOut)
	}
	if code, _, errOut := runInProcess(t, "clients", "remove", "--data", dir, id[1]); code != exitOK {
		t.Fatalf("clients remove: %s", errOut)
	}
	db, err = sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err = db.AuditLog().LedgerEntries(t.Context(), 0, 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("audit entries after a backup and two clients commands: %d, %v; want 3", len(es), err)
	}
	for i, want := range []string{"clients add", "clients remove"} {
		e := es[i+1]
		if d := audit.ParseDetails(e.Details); e.Type != audit.Admin || e.Actor != "cli" || d.Action != want || d.Target != id[1] {
			t.Errorf("%s recorded as %+v %+v", want, e, d)
		}
	}
	if _, err := audit.Verify(t.Context(), db.AuditLog()); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// AUDIT: an erasure notice delivered to a recipient (a real webhook
// delivery) is a disclosure in the person's audit entries, by the
// recipient; one that fails is not recorded.
func TestDisclosureRecorded(t *testing.T) {
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	recipients := filepath.Join(t.TempDir(), "recipients")
	if err := os.WriteFile(recipients, []byte("cloud-host "+srv.URL+"/erasure e2e-shared-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := defaultServeConfig()
	m, err := cfg.loadManifest()
	if err != nil {
		t.Fatal(err)
	}
	eps, err := webhook.LoadConfig(recipients, m)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := audit.New(audit.Config{Store: db.AuditLog()})
	defer l.Close(t.Context())
	d := &disclosed{Notifier: webhook.New(eps, nil), audit: l, log: slog.New(slog.DiscardHandler)}
	n := hearth.ErasureNotice{ID: "en_1", ErasureSeq: 1, PersonID: "p_a", RecipientID: "cloud-host", Everything: true, Created: time.Now()}
	if err := d.Notify(t.Context(), n); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	down.Store(true)
	n.ID = "en_2"
	if err := d.Notify(t.Context(), n); err == nil {
		t.Fatal("Notify to a recipient that is down succeeded")
	}
	es, err := db.AuditLog().LedgerEntriesFor(t.Context(), "p_a")
	if err != nil || len(es) != 1 {
		t.Fatalf("entries about p_a: %d, %v; want the one delivery", len(es), err)
	}
	det := audit.ParseDetails(es[0].Details)
	if es[0].Type != audit.Disclosure || es[0].Actor != "recipient:cloud-host" || det.ActorKind != audit.Recipient || det.Target != "en_1" {
		t.Errorf("disclosure recorded as %+v %+v", es[0], det)
	}
}
