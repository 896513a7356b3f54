package http_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	hhttp "github.com/hearth-iot/hearth/http"
)

// operatorBrowser returns a browser signed in as an operator whose session
// was opened with a TOTP code (SEC-MFA), and the API token of that session.
func operatorBrowser(e *env, name string) (*browser, string) {
	e.t.Helper()
	u := newMFAUser(e, name)
	accountID := e.want(e.do("GET", "/v1/me", u.token, ""), 200).json(e.t)["account_id"].(string)
	if err := e.db.SetOperator(e.t.Context(), accountID, true); err != nil {
		e.t.Fatal(err)
	}
	secret, _ := u.enrolTOTP()
	session := e.want(u.code(u.secondStep(), "totp", u.totp(secret)), 201).json(e.t)["token"].(string)
	b := e.newBrowser()
	site, _ := url.Parse(e.url)
	b.client.Jar.SetCookies(site, []*http.Cookie{{Name: hhttp.SessionCookie, Value: session, Path: "/"}})
	return b, session
}

// TestPageOperatorAllowed checks the console is for operators whose
// session was opened with a second factor only: anyone else signed in
// gets the not-allowed page saying what to do, as the /v1/operator routes
// answer (SEC-MFA, SEC-AUTHZ).
func TestPageOperatorAllowed(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	plain := e.newBrowser()
	plain.signUp("Paul")
	opal := newMFAUser(e, "Opal")
	accountID := e.want(e.do("GET", "/v1/me", opal.token, ""), 200).json(t)["account_id"].(string)
	if err := e.db.SetOperator(t.Context(), accountID, true); err != nil {
		t.Fatal(err)
	}
	noFactor := e.newBrowser()
	noFactor.signUp("Opal")
	for _, path := range []string{"/operator", "/operator/requests", "/operator/firmware", "/operator/ledger"} {
		wantPage(t, plain.get(path), 403, "Not allowed", "The console is for operator accounts")
		wantPage(t, noFactor.get(path), 403, "Not allowed", "Operator accounts must use a second factor")
	}
	// A form post is refused the same way, changing nothing.
	plain.get("/")
	wantPage(t, plain.post("/operator/firmware/rollouts", url.Values{"model": {"ember-t1"}, "version": {"1.2.0"}}), 403, "Not allowed")
	op, _ := operatorBrowser(e, "Olive")
	wantPage(t, op.get("/operator"), 200, "Operator console", `href="/operator"`)
	if p := plain.get("/"); strings.Contains(p.body, `href="/operator"`) {
		t.Errorf("a non-operator's navigation links the console")
	}
}

// TestPageOperatorConsole checks the console shows the manifest enforced
// with its lint status and the generated notice, and the rights-request
// queue earliest deadline first with the human reviews apart (RIGHT-ADM,
// RIGHT-REQUESTS), and records the operator's answer, which the person
// then sees; the API's operator routes answer the same.
func TestPageOperatorConsole(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op, token := operatorBrowser(e, "Olive")
	alice, aliceID := e.user("Alice")
	hh := e.household(alice)
	e.want(e.do("POST", "/v1/households/"+hh+"/people/"+aliceID+"/exports", alice, `{"password":"correct horse battery staple"}`), 201)
	now := e.clock.Now()
	for _, r := range []hearth.RightsRequest{
		{ID: "rr_review", Type: hearth.RequestADMReview, Scope: "purpose:heating-control", Created: now.Add(-40 * 24 * time.Hour), Deadline: now.Add(-9 * 24 * time.Hour)},
		{ID: "rr_erase", Type: hearth.RequestErasure, Created: now, Deadline: now.Add(30 * 24 * time.Hour)},
	} {
		r.PersonID, r.HouseholdID, r.RequestedBy, r.IdentityCheck, r.Status = aliceID, hh, aliceID, hearth.CheckReauthenticated, hearth.StatusReceived
		if err := e.db.CreateRightsRequest(t.Context(), &r); err != nil {
			t.Fatalf("CreateRightsRequest: %v", err)
		}
	}

	p := op.get("/operator")
	wantPage(t, p, 200, `id="lint-status"`, "Ember Home Ltd", "2 open rights requests", "1 past the deadline",
		"Ember Home Ltd is responsible", `href="/privacy/children"`)
	m := e.want(e.do("GET", "/v1/operator/manifest", token, ""), 200).json(t)
	clean := m["clean"].(bool)
	if want := map[bool]string{true: "Clean: no problem found.", false: "to review."}[clean]; !strings.Contains(p.body, want) {
		t.Errorf("lint status: the API says clean=%v but the page lacks %q", clean, want)
	}

	p = op.get("/operator/requests")
	wantPage(t, p, 200, `id="review-rr_review"`, "purpose:heating-control", "overdue", "rr_erase", "in 30 days")
	if i, j := strings.Index(p.body, "<code>rr_review</code>"), strings.Index(p.body, "<code>rr_erase</code>"); i < 0 || j < 0 || i > j {
		t.Errorf("the queue is not earliest deadline first: review at %d, erasure at %d", i, j)
	}
	q := e.want(e.do("GET", "/v1/operator/requests", token, ""), 200).json(t)["requests"].([]any)
	if len(q) != 2 || q[0].(map[string]any)["id"] != "rr_review" {
		t.Errorf("GET /v1/operator/requests = %v, want the review first, then the erasure", q)
	}
	problem(t, e.do("GET", "/v1/operator/requests?limit=0", token, ""), 400)
	problem(t, e.do("GET", "/v1/operator/requests", alice, ""), 403)

	// The operator answers the review: an outcome is needed to close it,
	// what was typed is kept, and the person then sees the answer.
	review := "/operator/requests/rr_review"
	wantPage(t, op.get(review), 200, `id="progress-form"`, "purpose:heating-control", "overdue")
	p = op.post(review, url.Values{"status": {"done"}, "outcome": {"  "}})
	wantPage(t, p, 400, `id="e-outcome"`, `<option value="done" selected>`)
	p = op.post(review, url.Values{"status": {"done"}, "outcome": {"A person looked again and changed the schedule."}})
	if p.status != 303 || p.location != "/operator/requests" {
		t.Fatalf("record the review's outcome: status %d to %q: %.600s", p.status, p.location, p.body)
	}
	wantPage(t, op.get(p.location), 200, "Request rr_review is now done.")
	got := e.want(e.do("GET", "/v1/households/"+hh+"/people/"+aliceID+"/requests/rr_review", alice, ""), 200).json(t)
	if got["status"] != "done" || got["outcome"] != "A person looked again and changed the schedule." {
		t.Errorf("the person sees %v, want the review done with its outcome", got)
	}
	op.get("/operator/requests/rr_erase")
	wantPage(t, op.post(review, url.Values{"status": {"done"}, "outcome": {"Again."}}), 409, "closed already")
	wantPage(t, op.get(review), 404, "No open rights request has that ID")
	r := e.want(e.do("POST", "/v1/operator/requests/rr_erase", token, `{"status":"in-progress","outcome":"Asking the cloud host."}`), 200).json(t)
	if r["status"] != "in-progress" {
		t.Errorf("POST /v1/operator/requests/rr_erase = %v, want in-progress", r)
	}
	problem(t, e.do("POST", "/v1/operator/requests/rr_erase", token, `{"status":"lost"}`), 400)
	problem(t, e.do("POST", "/v1/operator/requests/rr_erase", alice, `{"status":"done","outcome":"x"}`), 403)
}

// TestPageOperatorLedger checks the console verifies the consent ledger as
// `hearth ledger verify` does: intact with its entry count, then, once an
// entry is altered in the database, broken at that entry (CONSENT-LEDGER).
func TestPageOperatorLedger(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op, token := operatorBrowser(e, "Olive")
	alice, aliceID := e.user("Alice")
	hh := e.household(alice)
	for _, d := range []string{"give", "withdraw", "give"} {
		e.want(e.do("POST", "/v1/households/"+hh+"/people/"+aliceID+"/consents/energy-insights", alice,
			fmt.Sprintf(`{"decision":%q,"method":"web"}`, d)), 200)
	}
	v := e.want(e.do("GET", "/v1/operator/ledger", token, ""), 200).json(t)
	n := int(v["entries"].(float64))
	if v["intact"] != true || n < 3 {
		t.Fatalf("GET /v1/operator/ledger = %v, want intact with at least 3 entries", v)
	}
	wantPage(t, op.get("/operator/ledger"), 200, fmt.Sprintf("The ledger is intact: %d entries.", n), v["head"].(string))

	alterLedgerEntry(t, e, 2)
	wantPage(t, op.get("/operator/ledger"), 200, "The ledger is broken: entry 2 is altered.")
	if v := e.want(e.do("GET", "/v1/operator/ledger", token, ""), 200).json(t); v["intact"] != false {
		t.Errorf("GET /v1/operator/ledger after tampering = %v, want intact false", v)
	}
}

// signRelease signs a release of ember-t1 carrying image with the test key
// and returns its metadata.
func signRelease(t *testing.T, e *env, version string, image []byte) []byte {
	t.Helper()
	md, err := firmware.Sign(fwKey, firmware.NewRelease("ember-t1", version, image, e.clock.Now().Add(24*time.Hour), false, "Fixes the schedule."))
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// multipartForm encodes fields and files as a multipart form.
func multipartForm(t *testing.T, fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for k, v := range files {
		f, err := w.CreateFormFile(k, k+".bin")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(v)
	}
	w.Close()
	return w.FormDataContentType(), &body
}

// TestPageOperatorFirmware publishes a signed release and rolls it out
// from the console, through the same checks as the /v1/operator/firmware
// routes: a missing file, a tampered image (beside the image, as a device would
// refuse it), a bad percentage and an
// unknown version are each shown beside their field, with the right
// status, publishing nothing (SEC-UPDATES).
func TestPageOperatorFirmware(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op, _ := operatorBrowser(e, "Olive")
	own, _ := e.user("Own")
	hh := e.household(own)
	e.device(own, hh)
	image := []byte("ember-t1 image 1.4.0")
	md := signRelease(t, e, "1.4.0", image)

	wantPage(t, op.get("/operator/firmware"), 200, "No release has been published.", `id="publish-form"`, `id="rollout-form"`)
	csrf := op.csrf()
	upload := func(files map[string][]byte) page {
		t.Helper()
		ct, body := multipartForm(t, map[string]string{"csrf_token": csrf}, files)
		req, err := http.NewRequest("POST", e.url+"/operator/firmware/releases", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", e.url)
		return op.do(req)
	}
	wantPage(t, upload(map[string][]byte{"metadata": md}), 400, `id="e-image"`, "Choose a file.")
	wantPage(t, upload(map[string][]byte{"metadata": md, "image": []byte("a tampered image")}), 400, `id="e-image"`, "A device would refuse this release")
	wantPage(t, op.get("/operator/firmware"), 200, "No release has been published.")
	p := upload(map[string][]byte{"metadata": md, "image": image})
	if p.status != 303 || p.location != "/operator/firmware" {
		t.Fatalf("publish: status %d to %q: %.600s", p.status, p.location, p.body)
	}
	wantPage(t, op.get("/operator/firmware"), 200, "Published ember-t1 1.4.0.", "<th scope=\"row\">ember-t1 1.4.0</th>")

	wantPage(t, op.post("/operator/firmware/rollouts", url.Values{"model": {"ember-t1"}, "version": {"1.4.0"}, "percent": {"lots"}}), 400,
		`id="e-percent"`, `value="lots"`)
	op.get("/operator/firmware")
	wantPage(t, op.post("/operator/firmware/rollouts", url.Values{"model": {"ember-t1"}, "version": {""}}), 400, `id="e-version"`)
	op.get("/operator/firmware")
	wantPage(t, op.post("/operator/firmware/rollouts", url.Values{"model": {"ember-t1"}, "version": {"9.9.9"}}), 404, `id="e-version"`, `value="9.9.9"`)
	op.get("/operator/firmware")
	p = op.post("/operator/firmware/rollouts", url.Values{"model": {"ember-t1"}, "version": {"1.4.0"}})
	if p.status != 303 {
		t.Fatalf("roll out: status %d: %.600s", p.status, p.body)
	}
	wantPage(t, op.get(p.location), 200, "Rolled out ember-t1 1.4.0 to 1 device: 0 sent, 1 pending until they connect")
}
