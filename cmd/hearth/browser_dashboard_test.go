package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDashboard: the privacy dashboard in Chromium, against the
// real binary, audited (axe-core, one h1, CSP, 360 px) in its states: what
// each device collects and why; a feature's just-in-time notice, then the
// consent page at the feature moment (CONSENT-MOMENTS); a deletion
// schedule (RETENTION); the restriction of all processing with a wrong
// password shown beside its field, then with the right one
// (RIGHT-RESTRICT); the marketing switch (RIGHT-OBJECT-MKT).
func TestBrowserDashboard(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, password := provisionDevices(t, data, "ember-t1", 1, "Home")
	p := startHearth(t, data)
	a := signIn(t, p.HTTP, email, password)
	me := a.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	path := "/households/" + hh + "/people/" + me + "/privacy"

	b := newTab(t, p.HTTP)
	b.names = map[string]string{hh: "home", me: "me", creds[0].ID: "device"}
	b.open("/signin")
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": password}, "main form button[type=submit]"), http.StatusOK)
	b.wantStatus("dashboard", b.open(path), http.StatusOK)
	b.wantText("Ember T1 smart thermostat", "What is collected and why", "Kept for", "Shared with", "Marketing and advertising")
	b.noPreChecked()
	b.audit("dashboard")

	// A feature: its notice first, then the consent it needs.
	b.wantStatus("feature notice", b.click("#feature-link-energy-insights"), http.StatusOK)
	b.wantText("What switching it on means", "you are asked separately for")
	b.audit("dashboard-feature")
	b.wantStatus("switch on", b.click("#feature-form button[type=submit]"), http.StatusOK)
	if got := b.path(); !strings.Contains(got, "/consents") {
		t.Errorf("after switching on: page %s, want the consent page", got)
	}
	b.wantText("Energy insights is on.")

	// A deletion schedule.
	b.wantStatus("dashboard", b.open(path), http.StatusOK)
	b.do("choose weekly", chromedp.SetValue(chromedp.CSS("#schedule-humidity"), "weekly"))
	b.wantStatus("schedule", b.click("#schedule-form-humidity button[type=submit]"), http.StatusOK)
	b.wantText("You chose to delete it weekly.")

	// Restriction: the password again, its error beside the field.
	b.wantStatus("restrict, wrong password", b.submit(map[string]string{"#restrict-all-form-password": "not my password"}, "#restrict-all-form button[type=submit]"), http.StatusForbidden)
	if b.text("#restrict-all-form .field-error") == "" {
		t.Errorf("no error beside the restriction form's password")
	}
	b.audit("dashboard-restrict-error")
	b.wantStatus("restrict", b.submit(map[string]string{"#restrict-all-form-password": password}, "#restrict-all-form button[type=submit]"), http.StatusOK)
	b.wantText("Lift the restriction", "processing is restricted")

	// The marketing switch, on its own.
	b.wantStatus("object to marketing", b.submit(map[string]string{"#marketing-form-password": password}, "#marketing-form button[type=submit]"), http.StatusOK)
	b.wantText("Withdraw my objection to marketing")
	b.audit("dashboard-changed")
}
