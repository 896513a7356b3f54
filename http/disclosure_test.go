package http_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/disclosure/disclosuretest"
	"github.com/hearth-iot/hearth/manifest"
)

// testAckDays is the acknowledgement time the test server's disclosure
// policy states.
const testAckDays = 7

// newDisclosure renders the test server's security.txt and disclosure
// policy for m, on clock now.
func newDisclosure(t *testing.T, m *manifest.Manifest, now func() time.Time) *disclosure.Documents {
	t.Helper()
	var models []string
	for _, d := range m.Models {
		models = append(models, d.Name)
	}
	d, err := disclosure.New(disclosure.Config{BaseURL: "https://hearth.example", Contacts: []string{"mailto:security@ember-home.example"},
		ExpiresDays: 30, AckDays: testAckDays, Organisation: m.Controller.Name, Models: models, Now: now})
	if err != nil {
		t.Fatalf("disclosure documents: %v", err)
	}
	return d
}

// TestDisclosureServed: SEC-VDP: /.well-known/security.txt is served
// without a session as text/plain and parses per RFC 9116; its Expires is
// in the future and follows the clock; its Policy points at the disclosure
// policy page, which answers with the scope, how to report, the
// acknowledgement time and a safe harbour.
func TestDisclosureServed(t *testing.T) {
	e := newEnv(t)
	const base = "https://hearth.example"
	for _, advance := range []time.Duration{0, 400 * 24 * time.Hour} {
		e.clock.Advance(advance)
		res := e.want(e.do("GET", disclosure.SecurityTxtPath, "", ""), 200)
		if got := res.header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q, want text/plain; charset=utf-8 (RFC 9116 section 3)", got)
		}
		now := e.clock.Now()
		f, err := disclosuretest.Parse(res.body, base+disclosure.SecurityTxtPath, now)
		if err != nil {
			t.Fatalf("security.txt at %v: %v\n%s", now, err, res.body)
		}
		if want := now.UTC().AddDate(0, 0, 30).Truncate(time.Second).Format(time.RFC3339); f["Expires"][0] != want {
			t.Errorf("Expires = %s, want %s (30 days after the clock)", f["Expires"][0], want)
		}
		if got := f["Contact"]; len(got) != 1 || got[0] != "mailto:security@ember-home.example" {
			t.Errorf("Contact = %q, want the configured contact", got)
		}
		if len(f["Policy"]) != 1 || !strings.HasPrefix(f["Policy"][0], base+"/") {
			t.Fatalf("Policy = %q, want one page of this server", f["Policy"])
		}
		policy := strings.TrimPrefix(f["Policy"][0], base)
		page := e.want(e.do("GET", policy, "", ""), 200)
		if got := page.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("policy Content-Type = %q, want text/html", got)
		}
		body := html.UnescapeString(string(page.body))
		for _, want := range []string{"<h2>Scope</h2>", "Ember T1 smart thermostat", "<h2>How to report</h2>", "mailto:security@ember-home.example",
			"within <strong id=\"ack-days\">7 days</strong>", "<h2>Safe harbour</h2>"} {
			if !strings.Contains(body, want) {
				t.Errorf("policy page %s lacks %q", policy, want)
			}
		}
	}
}
