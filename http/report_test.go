package http_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/examples"
	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
)

// reportEnv returns an env whose server builds the compliance report from
// the thermostat manifest and its own consent ledger, verified on each
// request, as cmd/hearth wires it.
func reportEnv(t *testing.T) *env {
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatal(err)
	}
	var e *env
	e = newEnvWith(t, envOptions{authClock: true, server: func(c *hhttp.Config) {
		c.Report = func(ctx context.Context) (compliance.Report, error) {
			f := compliance.Facts{Manifest: m, SecurityContact: []string{"mailto:security@ember-home.example"}}
			head, err := ledger.Verify(ledger.Entries(ctx, e.db, 0))
			var p *ledger.Problem
			switch {
			case errors.As(err, &p):
				f.Ledger = compliance.Check{Checked: true, Entries: p.Seq - 1, Problem: p.Error()}
			case err != nil:
				return compliance.Report{}, err
			default:
				f.Ledger = compliance.Check{Checked: true, Intact: true, Entries: head.Seq}
			}
			return compliance.Build(compliance.Requirements(), compliance.EmbeddedEvidence(), f, time.Now()), nil
		}
	}})
	return e
}

// TestOperatorReport checks GET /v1/operator/report and the console's
// report page: every requirement ID exactly once with its status, why and
// tests; the ledger verified on each request, so tampering shows at once;
// operators with a second factor only (RECORDS, CONSENT-LEDGER, SEC-MFA).
func TestOperatorReport(t *testing.T) {
	e := reportEnv(t)
	op, token := operatorBrowser(e, "Olive")
	alice, aliceID := e.user("Alice")
	hh := e.household(alice)
	for _, d := range []string{"give", "withdraw"} {
		e.want(e.do("POST", "/v1/households/"+hh+"/people/"+aliceID+"/consents/energy-insights", alice,
			fmt.Sprintf(`{"decision":%q,"method":"web"}`, d)), 200)
	}
	v := e.want(e.do("GET", "/v1/operator/report", token, ""), 200).json(t)
	items := v["items"].([]any)
	reqs := compliance.Requirements()
	if len(items) != len(reqs) {
		t.Fatalf("%d items, want %d", len(items), len(reqs))
	}
	byID := map[string]map[string]any{}
	for _, it := range items {
		m := it.(map[string]any)
		byID[m["id"].(string)] = m
	}
	for _, r := range reqs {
		if byID[r.ID] == nil {
			t.Errorf("the report lacks %s", r.ID)
		}
	}
	if l := byID["CONSENT-LEDGER"]; l["status"] != compliance.Met || !strings.Contains(l["why"].(string), "entries intact") {
		t.Errorf("CONSENT-LEDGER = %v", l)
	}
	if a := byID["AUDIT"]; a["status"] != compliance.NotMet {
		t.Errorf("AUDIT = %v, want not met: this test's facts name no audit log", a)
	}
	p := op.get("/operator/report")
	wantPage(t, p, 200, "<h1>Compliance report</h1>", `<h2>SEC-ENCRYPT: not-met</h2>`, "plaintext on a loopback address",
		`aria-current="page">Compliance report</a>`)
	for _, r := range reqs {
		if n := strings.Count(p.body, `<section id="req-`+r.ID+`">`); n != 1 {
			t.Errorf("the page has %d sections for %s, want 1", n, r.ID)
		}
	}
	wantPage(t, op.get("/operator"), 200, `href="/operator/report"`)

	alterLedgerEntry(t, e, 2)
	wantPage(t, op.get("/operator/report"), 200, `<h2>CONSENT-LEDGER: not-met</h2>`, "the consent ledger is broken: ledger entry 2 altered")

	// Anyone but an operator with a second factor is refused.
	e.want(e.do("GET", "/v1/operator/report", alice, ""), 403)
	e.want(e.do("GET", "/v1/operator/report", "", ""), 401)
}

// TestOperatorReportOff checks a server without a report answers 404 to
// its operators.
func TestOperatorReportOff(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op, token := operatorBrowser(e, "Olive")
	e.want(e.do("GET", "/v1/operator/report", token, ""), 404)
	wantPage(t, op.get("/operator/report"), 404)
}

// alterLedgerEntry changes the purpose of the consent ledger's entry seq
// in the database file, past its append-only trigger, as an attacker with
// the file could.
func alterLedgerEntry(t *testing.T, e *env, seq int) {
	t.Helper()
	raw, err := sql.Open("sqlite", e.db.Files()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{"DROP TRIGGER ledger_no_update", fmt.Sprintf("UPDATE ledger SET purpose = 'ads' WHERE seq = %d", seq)} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
