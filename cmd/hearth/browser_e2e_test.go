package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearth-iot/hearth/http/web"
)

// The browser suite: headless Chromium (Debian's chromium) driven with
// chromedp against the real binary on :0 ports. Every page visited is
// audited (axe-core: zero serious or critical violations, one h1, no
// Content-Security-Policy violation or JavaScript error, fits 360 px) and
// screenshotted into test-artifacts/browser/. Helpers are in
// browser_harness_test.go.

// TestBrowserSignUpSignIn: a person creates an account and signs in on
// the pages, with the errors of bad input shown beside the field and what
// was typed kept (never the password), then sees home and their account.
func TestBrowserSignUpSignIn(t *testing.T) {
	p := startHearth(t, t.TempDir())
	b := newTab(t, p.HTTP)

	b.wantStatus("home, signed out", b.open("/"), http.StatusOK)
	b.wantText("Sign in")
	b.audit("signin")

	b.wantStatus("sign-up page", b.open("/signup"), http.StatusOK)
	b.audit("signup")
	b.noPreChecked()

	// Bad input: the error beside the field, what was typed kept, 400.
	b.wantStatus("sign-up with no e-mail", b.submit(map[string]string{"#f-display_name": "Robin", "#f-password": "correct horse battery staple"}, "main form button[type=submit]"), http.StatusBadRequest)
	if got := b.text(".field.invalid .field-error"); got == "" {
		t.Errorf("no error beside the empty e-mail field: %.500s", b.text("main"))
	}
	if got := eval[string](b, `document.querySelector("#f-display_name").value`); got != "Robin" {
		t.Errorf("the name typed is not kept: %q", got)
	}
	if got := eval[string](b, `document.querySelector("#f-password").value`); got != "" {
		t.Errorf("the password is sent back to the browser: %q", got)
	}
	if got := eval[string](b, `document.querySelector("#f-email").getAttribute("aria-invalid") || ""`); got != "true" {
		t.Errorf("the empty e-mail field is not marked invalid for screen readers: %q", got)
	}
	b.audit("signup-error")

	b.wantStatus("sign up", b.submit(map[string]string{"#f-email": "robin@example.org", "#f-password": "correct horse battery staple"}, "main form button[type=submit]"), http.StatusOK)
	if got := b.path(); got != "/signin" {
		t.Fatalf("after sign-up the browser is at %s, want /signin", got)
	}
	if b.text(".flash") == "" {
		t.Errorf("no message after sign-up: %.500s", b.text("main"))
	}

	// A wrong password: refused, the address kept.
	b.wantStatus("wrong password", b.submit(map[string]string{"#f-email": "robin@example.org", "#f-password": "not the password at all"}, "main form button[type=submit]"), http.StatusUnauthorized)
	if got := eval[string](b, `document.querySelector("#f-email").value`); got != "robin@example.org" {
		t.Errorf("the address typed is not kept after a refused sign-in: %q", got)
	}
	b.audit("signin-error")

	b.wantStatus("sign in", b.submit(map[string]string{"#f-password": "correct horse battery staple"}, "main form button[type=submit]"), http.StatusOK)
	if got := b.path(); got != "/" {
		t.Fatalf("after sign-in the browser is at %s, want /", got)
	}
	b.wantText("Hello, Robin", "Set up a household")
	b.audit("home-new")

	b.wantStatus("account page", b.click(`header nav a[href="/account"]`), http.StatusOK)
	b.wantText("robin@example.org")
	b.audit("account")

	// Signing out ends the session: the account page sends to sign-in.
	b.wantStatus("sign out", b.click(`header nav form[action="/signout"] button`), http.StatusOK)
	b.wantStatus("account page, signed out", b.open("/account"), http.StatusOK)
	if got := b.path(); !strings.HasPrefix(got, "/signin") {
		t.Errorf("after sign-out /account shows %s, want the sign-in page", got)
	}
}

// TestBrowserCrawl visits every same-site page reachable by links, first
// signed out, then signed in as the owner of a household with a device
// and readings, a child, a profile without an account and an adult
// member, then as that adult, and audits each one; no checkbox on any of
// them is ticked before the person chose (CONSENT-OPTIN). New pages are
// checked as soon as something links to them.
func TestBrowserCrawl(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, password := provisionDevices(t, data, "ember-t1", 1, "Crawl home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, password)
	me := owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	kid := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Kid", "role": "child", "guardian_id": me}, http.StatusCreated)["id"].(string)
	gran := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Gran", "role": "guest"}, http.StatusCreated)["id"].(string)
	const adultEmail = "robin@example.org"
	adultAPI := signUp(t, p.HTTP, adultEmail)
	adult := adultAPI.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	inv := owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)["token"].(string)
	adultAPI.call("POST", "/v1/invites/accept", map[string]string{"token": inv}, http.StatusOK)
	for i, c := range []float64{19.5, 20.5, 21} {
		if !publishV5(t, p.MQTTAddr, creds[0], temperature("crawl-"+string(rune('a'+i)), c, me)) {
			t.Fatalf("reading %d refused", i)
		}
	}

	b := newTab(t, p.HTTP)
	b.name(hh, "hh")
	b.name(me, "me")
	b.name(kid, "kid")
	b.name(gran, "gran")
	b.name(creds[0].ID, "device")
	b.name(adult, "robin")

	anonymous := crawl(t, b, "/", "anon-")
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": password}, "main form button[type=submit]"), http.StatusOK)
	signedIn := crawl(t, b, "/", "")
	t.Logf("crawled %d pages signed out, %d signed in as the owner", anonymous, signedIn)
	if signedIn < 3 {
		t.Errorf("the signed-in crawl reached %d pages; home links to the household, consent and data pages", signedIn)
	}

	// An adult member sees other pages and fewer controls: every link
	// they are shown must open too.
	a := newTab(t, p.HTTP)
	maps.Copy(a.names, b.names)
	signInBrowser(t, a, adultEmail, "correct horse battery staple "+adultEmail)
	t.Logf("crawled %d pages as an adult member", crawl(t, a, "/", "adult-"))
}

// maxCrawl bounds a crawl, so that a page generating links cannot keep
// the suite going.
const maxCrawl = 120

// crawl visits start and every same-site page reachable from it by links,
// breadth first, auditing each; it returns how many pages it visited.
// A link to a page that does not answer 200 fails the test.
func crawl(t *testing.T, b *tab, start, prefix string) int {
	t.Helper()
	seen := map[string]bool{start: true}
	from := map[string]string{start: "(start)"}
	queue := []string{start}
	visited := 0
	for len(queue) > 0 && visited < maxCrawl {
		path := queue[0]
		queue = queue[1:]
		status := b.open(path)
		visited++
		if status != http.StatusOK {
			t.Errorf("%s (linked from %s) answers %d: %.300s", path, from[path], status, b.text("main"))
			continue
		}
		if eval[string](b, `document.contentType`) != "text/html" {
			continue // the machine-readable notice, plain text and JSON
		}
		if b.path() != path && strings.HasPrefix(b.path(), "/signin") {
			t.Errorf("%s (linked from %s) sent a signed-in person to %s", path, from[path], b.path())
			continue
		}
		b.audit(prefix + b.shotName(path))
		b.noPreChecked()
		for _, l := range b.sameSiteLinks() {
			if !seen[l] {
				seen[l] = true
				from[l] = path
				queue = append(queue, l)
			}
		}
	}
	if len(queue) > 0 {
		t.Errorf("the crawl stopped at %d pages with %d still to visit: %v", maxCrawl, len(queue), queue)
	}
	return visited
}

// flowManifest is the browser suite's manifest: two consent purposes,
// air-report (air-quality) and noise-alerts (noise-level), over categories
// no other purpose uses and no feature gates.
const flowManifest = "testdata/browser-manifest.yaml"

// flowPassword is the password of the people of the flow.
const flowPassword = "correct horse battery staple"

// consentPath matches the consent page a new household leads to.
var consentPath = regexp.MustCompile(`^/households/([^/]+)/people/([^/]+)/consents`)

// TestBrowserPrivacyHub is the whole journey in the browser: sign
// up → set up a household → claim a simulated device → refuse one purpose
// and accept another → see only the accepted category's readings arrive →
// download the export → erase a category → transfer the device. Along
// the way the accept and refuse buttons must look the same
// (CONSENT-EQUAL), no consent box is pre-checked (CONSENT-OPTIN), and
// every page passes the audit.
func TestBrowserPrivacyHub(t *testing.T) {
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "glow-a1", 1, "", "--manifest", flowManifest)
	dev := creds[0]
	p := startHearth(t, data, "--manifest", flowManifest)
	b := newTab(t, p.HTTP)
	b.name(dev.ID, "device")

	// Sign up and sign in.
	signUpInBrowser(t, b, "Alex", "alex@example.org")

	// Set up a household: it leads to the consent page, at the set-up
	// moment (CONSENT-MOMENTS), with nothing switched on.
	b.wantStatus("home", b.open("/"), http.StatusOK)
	b.wantStatus("set-up page", b.click(`main a[href="/households/new"]`), http.StatusOK)
	b.audit("household-new")
	b.wantStatus("set up the household", b.submit(map[string]string{"#household-form #f-name": "Home"}, "#household-form button[type=submit]"), http.StatusOK)
	m := consentPath.FindStringSubmatch(b.path())
	if m == nil || !strings.Contains(b.path(), "moment=setup") {
		t.Fatalf("after setting up a household the browser is at %s, want the consent page at ?moment=setup", b.path())
	}
	hh, me := m[1], m[2]
	b.name(hh, "hh")
	b.name(me, "me")
	people := "/households/" + hh + "/people/" + me
	for _, purpose := range []string{"air-report", "noise-alerts"} {
		if got := b.text("#purpose-" + purpose + " .status"); !strings.Contains(got, "off") {
			t.Errorf("before any choice, %s's status is %q, want it off (CONSENT-OPTIN)", purpose, got)
		}
	}
	b.audit("consent-setup")
	b.noPreChecked()

	// Claim the device, with its privacy information shown first.
	b.wantStatus("household page", b.open("/households/"+hh), http.StatusOK)
	b.audit("household")
	b.wantStatus("claim page", b.click(`main a[href="/households/`+hh+`/devices/new"]`), http.StatusOK)
	b.wantText("Glow A1 air monitor", "Air quality (fine particles)", "Noise level in the room", "Quiet Nights Clinic Ltd")
	b.audit("device-claim")
	b.noPreChecked()
	b.wantStatus("claim", b.submit(map[string]string{"#claim-form #f-code": dev.Code}, "#claim-form button[type=submit]"), http.StatusOK)
	if got := b.path(); got != "/households/"+hh+"/devices/"+dev.ID {
		t.Fatalf("after claiming the browser is at %s, want the device's page", got)
	}
	b.audit("device")

	// Refuse one purpose and accept the other, on the consent page.
	b.wantStatus("consent page", b.open(people+"/consents"), http.StatusOK)
	consentEqual(t, b, "air-report")
	consentEqual(t, b, "noise-alerts")
	b.noPreChecked()
	b.audit("consent")
	b.wantStatus("refuse noise-alerts", b.click(`#purpose-noise-alerts button.choice[name=decision][value=refuse]`), http.StatusOK)
	b.wantStatus("give air-report", b.click(`#purpose-air-report button.choice[name=decision][value=give]`), http.StatusOK)
	if got := b.text("#purpose-noise-alerts .status"); !strings.Contains(got, "Refused") {
		t.Errorf("after refusing, noise-alerts shows %q", got)
	}
	if got := b.text("#purpose-air-report .status"); !strings.Contains(got, "given") {
		t.Errorf("after giving consent, air-report shows %q", got)
	}
	if !b.has(`#purpose-air-report button.choice[value=withdraw]`) {
		t.Errorf("no withdraw button for the consent given (CONSENT-WITHDRAW)")
	}
	b.audit("consent-decided")

	// The device publishes over MQTT 5 (QoS 1: the PUBACK says whether it
	// was stored): the accepted purpose's category arrives, the refused
	// one's is turned away (CONSENT-OPTIN, MIN-GATE).
	readings := []struct {
		category string
		values   map[string]any
		ago      time.Duration
		stored   bool
	}{
		{"room-temperature", map[string]any{"celsius": 20.5}, time.Hour, true},
		{"air-quality", map[string]any{"pm25": 8.5}, 6 * time.Hour, true},
		{"air-quality", map[string]any{"pm25": 12}, 4 * time.Hour, true},
		{"air-quality", map[string]any{"pm25": 9.8}, 2 * time.Hour, true},
		{"air-quality", map[string]any{"pm25": 6.1}, time.Minute, true},
		{"noise-level", map[string]any{"dba": 41}, time.Hour, false},
	}
	for i, r := range readings {
		msg, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("flow-%d", i), "person": me, "category": r.category,
			"time": time.Now().Add(-r.ago).UTC().Format(time.RFC3339), "values": r.values})
		if got := publishV5(t, p.MQTTAddr, dev, string(msg)); got != r.stored {
			t.Errorf("a %s reading: stored = %v, want %v", r.category, got, r.stored)
		}
	}

	// The data page shows the accepted category's readings, and nothing
	// for the refused purpose.
	b.wantStatus("data page", b.open(people+"/data?purpose=air-report"), http.StatusOK)
	b.wantText("Air quality (fine particles)")
	if n := eval[int](b, `document.querySelectorAll("figure.chart svg, table tbody tr").length`); n == 0 {
		t.Errorf("the data page shows no chart or row of the air-quality readings")
	}
	b.audit("data")
	b.wantStatus("data page, noise-alerts", b.open(people+"/data?purpose=noise-alerts"), http.StatusOK)
	if body := b.text("main"); strings.Contains(body, "Noise level in the room: about") {
		t.Errorf("the refused purpose's category shows readings: %.800s", body)
	}

	// Download the export: the password again, then a one-time link.
	b.wantStatus("data page", b.open(people+"/data"), http.StatusOK)
	b.wantShown("prepare the export", b.submit(map[string]string{"#export-form input[name=password]": flowPassword}, "#export-form button[type=submit]"))
	b.audit("data-export")
	zipped := b.download("#export-download")
	files := zipFiles(t, zipped)
	for _, want := range []string{"export.json", "readings/air-quality.jsonl", "readings/room-temperature.jsonl"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the export lacks %s; it holds %v", want, slices.Sorted(maps.Keys(files)))
		}
	}
	if _, ok := files["readings/noise-level.jsonl"]; ok {
		t.Errorf("the export holds noise-level readings, which were refused at ingestion")
	}
	if n := strings.Count(files["readings/air-quality.jsonl"], "\n"); n != 4 {
		t.Errorf("the export holds %d air-quality readings, want 4", n)
	}

	// Erase a category: the explanation first, then the password.
	b.wantStatus("data page", b.open(people+"/data"), http.StatusOK)
	b.do("choose air quality", chromedp.SetValue(chromedp.CSS("#erase-category"), "air-quality"))
	b.wantStatus("erase preview", b.click("#erase-form button[type=submit]"), http.StatusOK)
	b.wantText("Before you erase", "4 readings")
	b.audit("erase-preview")
	b.wantStatus("erase", b.submit(map[string]string{"#erase-confirm-form input[name=password]": flowPassword}, "#erase-confirm-form button[type=submit]"), http.StatusOK)
	if b.text(".flash") == "" {
		t.Errorf("no message after erasing: %.600s", b.text("main"))
	}
	b.wantStatus("data page after erasing", b.open(people+"/data?purpose=air-report"), http.StatusOK)
	if body := b.text("main"); strings.Contains(body, "Air quality (fine particles): about") {
		t.Errorf("air-quality readings still show after erasing the category: %.800s", body)
	}

	// Transfer the device: a one-time code, accepted in another person's
	// household.
	b.wantStatus("device page", b.open("/households/"+hh+"/devices/"+dev.ID), http.StatusOK)
	b.do("keep the readings", chromedp.Click(chromedp.CSS("#transfer-keep"), chromedp.NodeVisible))
	b.wantShown("start the transfer", b.click("#transfer-form button[type=submit]"))
	code := b.text("#transfer-code code")
	if code == "" {
		t.Fatalf("no transfer code shown: %.800s", b.text("main"))
	}
	b.audit("device-transfer")

	sam := newTab(t, p.HTTP)
	signUpInBrowser(t, sam, "Sam", "sam@example.org")
	sam.wantStatus("set-up page", sam.open("/households/new"), http.StatusOK)
	sam.wantStatus("set up Sam's household", sam.submit(map[string]string{"#household-form #f-name": "Flat 3"}, "#household-form button[type=submit]"), http.StatusOK)
	m = consentPath.FindStringSubmatch(sam.path())
	if m == nil {
		t.Fatalf("Sam's new household led to %s", sam.path())
	}
	sam.name(m[1], "hh2")
	sam.wantStatus("accept page", sam.open("/households/"+m[1]+"/transfers"), http.StatusOK)
	sam.audit("transfers")
	sam.wantShown("accept the device", sam.submit(map[string]string{"#accept-transfer-form #f-code": code}, "#accept-transfer-form button[type=submit]"))
	if !sam.has("#transfer-accepted") {
		t.Fatalf("the transfer was not accepted: %.800s", sam.text("main"))
	}
	sam.audit("transfer-accepted")

	// The device is in Sam's household now, and has left Alex's, whose
	// page about it says so and offers to erase what it sent.
	sam.wantStatus("Sam's devices", sam.open("/households/"+m[1]+"/devices"), http.StatusOK)
	if !sam.has(`main a[href="/households/` + m[1] + `/devices/` + dev.ID + `"]`) {
		t.Errorf("Sam's devices do not list the transferred device: %.800s", sam.text("main"))
	}
	b.wantStatus("the device's old page", b.open("/households/"+hh+"/devices/"+dev.ID), http.StatusOK)
	b.wantText("This device is not in Home")
	b.audit("device-left")
	b.wantStatus("Alex's devices", b.open("/households/"+hh+"/devices"), http.StatusOK)
	if b.has(`main a[href="/households/` + hh + `/devices/` + dev.ID + `"]`) {
		t.Errorf("Alex's household still lists the transferred device")
	}
}

// signUpInBrowser creates an account on the sign-up page and signs in.
func signUpInBrowser(t *testing.T, b *tab, name, email string) {
	t.Helper()
	b.wantStatus("sign-up page", b.open("/signup"), http.StatusOK)
	b.wantStatus("sign up "+name, b.submit(map[string]string{"#f-display_name": name, "#f-email": email, "#f-password": flowPassword}, "main form button[type=submit]"), http.StatusOK)
	b.wantStatus("sign in "+name, b.submit(map[string]string{"#f-email": email, "#f-password": flowPassword}, "main form button[type=submit]"), http.StatusOK)
	if got := b.path(); got != "/" {
		t.Fatalf("after signing in %s the browser is at %s, want /", name, got)
	}
}

// consentEqual checks that purpose's accept and refuse buttons are the
// same element, the same size, colour and font (CONSENT-EQUAL).
func consentEqual(t *testing.T, b *tab, purpose string) {
	t.Helper()
	for _, d := range b.choicesDiffer("#purpose-" + purpose) {
		t.Errorf("%s: %s (CONSENT-EQUAL)", purpose, d)
	}
}

// zipFiles reads a ZIP archive into its files' contents by name.
func zipFiles(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the export is not a ZIP archive (%d bytes): %v", len(b), err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s in the export: %v", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s in the export: %v", f.Name, err)
		}
		out[f.Name] = string(data)
	}
	return out
}

// TestBrowserAuditFinds shows that the audit can fail: a page with known
// faults, served under the pages' own Content-Security-Policy, has each
// one reported, and a clean page none.
func TestBrowserAuditFinds(t *testing.T) {
	mux := http.NewServeMux()
	serve := func(path, ctype, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Security-Policy", web.CSP)
			io.WriteString(w, body)
		})
	}
	const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Test</title>`
	serve("/throw.js", "text/javascript", `throw new Error("thrown on purpose");`)
	serve("/site.css", "text/css", `.wide { width: 600px; } .faint { color: #bbb; background: #fff; } .grey { background: #eee; color: #333; font-size: 12px; } .choice { min-width: 10rem; }`)
	serve("/bad", "text/html", head+`<link rel="stylesheet" href="/site.css"><script src="/throw.js"></script><style>p { color: red; }</style></head><body><main>
<h1>One</h1><h1>Two</h1>
<form><input type="text" name="unlabelled"><label><input type="checkbox" name="newsletter" checked> Send me news</label></form>
<p class="faint">Hard to read.</p><div class="wide">Too wide.</div>
<section id="purpose-x"><button class="choice" name="decision" value="give">Yes, gladly</button><button class="choice grey" name="decision" value="refuse">No</button></section>
</main></body></html>`)
	serve("/good", "text/html", head+`<link rel="stylesheet" href="/site.css"></head><body><main><h1>Fine</h1>
<form><label for="name">Name</label><input id="name" type="text" name="name"><label><input type="checkbox" name="news"> Send me news</label></form>
<section id="purpose-x"><button class="choice" name="decision" value="give">Give consent</button><button class="choice" name="decision" value="refuse">Refuse consent</button></section>
</main></body></html>`)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := newTab(t, srv.URL)

	b.wantStatus("faulty page", b.open("/bad"), http.StatusOK)
	got := strings.Join(b.problems(), "\n")
	for _, want := range []string{"axe: label (critical)", "axe: color-contrast (serious)", "2 h1 elements", "Content-Security-Policy violation: style-src", "uncaught JavaScript exception", "thrown on purpose", "does not fit a 360 px screen", "div.wide"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit of a faulty page does not report %q; it reports:\n%s", want, got)
		}
	}
	if ticked := b.ticked(); !slices.Equal(ticked, []string{"newsletter"}) {
		t.Errorf("ticked checkboxes = %v, want [newsletter]", ticked)
	}
	diff := strings.Join(b.choicesDiffer("#purpose-x"), "\n")
	for _, want := range []string{"background-color", "font-size", "color"} {
		if !strings.Contains(diff, "differ in "+want) {
			t.Errorf("unequal consent buttons: no difference in %s reported; reported:\n%s", want, diff)
		}
	}

	b.wantStatus("clean page", b.open("/good"), http.StatusOK)
	if p := b.problems(); len(p) > 0 {
		t.Errorf("the audit of a clean page reports:\n%s", strings.Join(p, "\n"))
	}
	if ticked := b.ticked(); len(ticked) > 0 {
		t.Errorf("ticked checkboxes on a clean page: %v", ticked)
	}
	if d := b.choicesDiffer("#purpose-x"); len(d) > 0 {
		t.Errorf("equal consent buttons reported different:\n%s", strings.Join(d, "\n"))
	}
}

// TestBrowserConsentEqualExplicit: on the fitness tracker's consent page,
// where two purposes need explicit consent (special category data), the
// accept and refuse buttons of every purpose still look the same
// (CONSENT-EQUAL), the statement agreed to is shown (CONSENT-EXPLICIT),
// nothing is pre-checked (CONSENT-OPTIN), and a statement changed in the
// page before it is posted gives no consent.
func TestBrowserConsentEqualExplicit(t *testing.T) {
	p := startHearth(t, t.TempDir(), "--manifest", fitnessManifest)
	owner := signUp(t, p.HTTP, "fit@example.org")
	me := owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	hh := owner.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)

	b := newTab(t, p.HTTP)
	b.name(hh, "hh")
	b.name(me, "me")
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": "fit@example.org", "#f-password": "correct horse battery staple fit@example.org"}, "main form button[type=submit]"), http.StatusOK)
	b.wantStatus("consent page", b.open("/households/"+hh+"/people/"+me+"/consents"), http.StatusOK)
	for _, purpose := range []string{"health-insights", "workout-maps", "insurer-sharing"} {
		consentEqual(t, b, purpose)
	}
	for _, purpose := range []string{"health-insights", "insurer-sharing"} {
		if got := b.text("#purpose-" + purpose + " blockquote"); !strings.HasPrefix(got, "I agree that Stride") {
			t.Errorf("%s: the explicit statement shown is %q (CONSENT-EXPLICIT)", purpose, got)
		}
	}
	b.noPreChecked()
	b.audit("consent-explicit")

	// A tampered hidden field: the statement posted is not the one shown.
	// The consent is refused with the error beside it, and stays off.
	eval[chromedp.Void](b, `document.querySelector("#purpose-health-insights input[name=statement]").value = "I agree to nothing."`)
	if st := b.click(`#purpose-health-insights button.choice[value=give]`); st < 400 || st >= 500 {
		t.Errorf("explicit consent with a changed statement: status %d, want a 4xx: %.600s", st, b.text("main"))
	}
	if got := b.text("#purpose-health-insights .field-error"); got == "" {
		t.Errorf("no error beside the changed statement: %.800s", b.text("#purpose-health-insights"))
	}
	b.audit("consent-explicit-tampered")
	b.wantStatus("consent page", b.open("/households/"+hh+"/people/"+me+"/consents"), http.StatusOK)
	if got := b.text("#purpose-health-insights .status"); !strings.Contains(got, "off") {
		t.Errorf("a changed statement gave consent: %q (CONSENT-EXPLICIT)", got)
	}
}

// TestBrowserBadInput: what goes wrong in a real browser fails safely,
// with a clear message and nothing changed: a forged CSRF token, the same
// form sent again from a second tab (double submit), a session that ended
// (signed out everywhere) before the form was sent, and a form whose
// target was tampered with to reach another household's person.
func TestBrowserBadInput(t *testing.T) {
	p := startHearth(t, t.TempDir(), "--manifest", flowManifest)
	alexAPI := signUp(t, p.HTTP, "alex@example.org")
	alexID := alexAPI.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	alexHH := alexAPI.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	samAPI := signUp(t, p.HTTP, "sam@example.org")
	samID := samAPI.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	samHH := samAPI.call("POST", "/v1/households", map[string]string{"name": "Flat 3"}, http.StatusCreated)["id"].(string)
	alexConsents := "/households/" + alexHH + "/people/" + alexID + "/consents"
	state := func(b *tab, purpose string) string {
		t.Helper()
		b.wantStatus("consent page", b.open(alexConsents), http.StatusOK)
		return b.text("#purpose-" + purpose + " .status")
	}

	alex := newTab(t, p.HTTP)
	alex.name(alexHH, "hh")
	alex.name(alexID, "me")
	signInBrowser(t, alex, "alex@example.org", "correct horse battery staple alex@example.org")

	// A forged CSRF token: sent back to the page, nothing changed.
	alex.wantStatus("consent page", alex.open(alexConsents), http.StatusOK)
	eval[chromedp.Void](alex, `document.querySelectorAll("input[name=csrf_token]").forEach(function (i) { i.value = "forged"; })`)
	alex.wantStatus("give with a forged token", alex.click(`#purpose-air-report button.choice[value=give]`), http.StatusOK)
	if got := alex.text(".flash"); !strings.Contains(got, "did not come from this site") {
		t.Errorf("after a forged token the page says %q", got)
	}
	alex.audit("bad-csrf")
	if got := state(alex, "air-report"); !strings.Contains(got, "off") {
		t.Errorf("a forged token changed the consent: %q", got)
	}

	// Double submit: the same form, open in two tabs, sent from both.
	other := alex.sibling()
	other.wantStatus("consent page, second tab", other.open(alexConsents), http.StatusOK)
	alex.wantStatus("give", alex.click(`#purpose-air-report button.choice[value=give]`), http.StatusOK)
	st := other.click(`#purpose-air-report button.choice[value=give]`)
	if st >= 500 {
		t.Fatalf("the same consent given again from a stale page: status %d: %.600s", st, other.text("main"))
	}
	if other.text(".flash")+other.text("main .error")+other.text("main .field-error") == "" {
		t.Errorf("the second submission shows no message: %.600s", other.text("main"))
	}
	other.audit("double-submit")
	if got := state(alex, "air-report"); !strings.Contains(got, "given") {
		t.Errorf("after giving consent twice its status is %q", got)
	}

	// A session that ended before the form was sent: to sign in, with
	// the reason, nothing changed.
	alex.wantStatus("consent page", alex.open(alexConsents), http.StatusOK)
	alexAPI.call("DELETE", "/v1/sessions", nil, http.StatusNoContent)
	alex.wantStatus("refuse after the session ended", alex.click(`#purpose-noise-alerts button.choice[value=refuse]`), http.StatusOK)
	if got := alex.path(); !strings.HasPrefix(got, "/signin") {
		t.Errorf("a form sent after the session ended led to %s, want the sign-in page", got)
	}
	if got := alex.text(".flash"); !strings.Contains(got, "session has ended") {
		t.Errorf("after the session ended the sign-in page says %q", got)
	}
	alex.audit("session-ended")
	signInBrowser(t, alex, "alex@example.org", "correct horse battery staple alex@example.org")
	if got := state(alex, "noise-alerts"); !strings.Contains(got, "off") {
		t.Errorf("a form sent after the session ended changed the consent: %q", got)
	}

	// A tampered target: Sam's own consent form sent to Alex's person gets
	// the API's not-found, and Alex's choice is untouched.
	sam := newTab(t, p.HTTP)
	sam.name(samHH, "hh2")
	sam.name(samID, "sam")
	signInBrowser(t, sam, "sam@example.org", "correct horse battery staple sam@example.org")
	sam.wantStatus("Sam's consent page", sam.open("/households/"+samHH+"/people/"+samID+"/consents"), http.StatusOK)
	eval[chromedp.Void](sam, fmt.Sprintf(`document.querySelector("#purpose-noise-alerts form").action = %q`, alexConsents+"/noise-alerts"))
	if st := sam.click(`#purpose-noise-alerts button.choice[value=refuse]`); st != http.StatusNotFound {
		t.Errorf("a consent form aimed at another household's person: status %d, want 404: %.600s", st, sam.text("main"))
	}
	sam.audit("tampered-target")
	if got := state(alex, "noise-alerts"); !strings.Contains(got, "off") {
		t.Errorf("Sam's tampered form changed Alex's consent: %q", got)
	}
}

// signInBrowser signs in on the sign-in page.
func signInBrowser(t *testing.T, b *tab, email, password string) {
	t.Helper()
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": password}, "main form button[type=submit]"), http.StatusOK)
	if strings.HasPrefix(b.path(), "/signin") {
		t.Fatalf("signing in %s failed: %.500s", email, b.text("main"))
	}
}
