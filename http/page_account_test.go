package http_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/internal/passkeytest"
)

// postJSON sends body as JSON to an API route with the browser's cookies
// and the headers a page's fetch sends, as passkey.js does.
func (b *browser) postJSON(path, body string) response {
	b.e.t.Helper()
	req, err := http.NewRequest("POST", b.e.url+path, strings.NewReader(body))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.e.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return response{status: res.StatusCode, body: out}
}

// signInAs signs the browser in on the sign-in page with email and the
// test password and returns the page the sign-in answered with.
func (b *browser) signInAs(email, password string) page {
	b.e.t.Helper()
	return b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {password}})
}

// follow fetches the page a 303 points to.
func (b *browser) follow(p page) page {
	b.e.t.Helper()
	if p.status != 303 {
		b.e.t.Fatalf("status %d, want 303: %.600s", p.status, p.body)
	}
	return b.get(p.location)
}

// TestPageAccountPassword changes the password on the account page: empty
// fields, a wrong current password and a weak new one are shown beside
// their input with the API's status, never echoing a password; a change
// ends every other session and keeps this one (SEC-NO-DEFAULT-PW,
// SEC-AUTHZ).
func TestPageAccountPassword(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Ada")
	other := e.want(e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"correct horse battery staple"}`), 201).json(t)["token"].(string)
	wantPage(t, b.get("/account"), 200, `id="password-form"`, `id="signout-everywhere-form"`, `id="totp-form"`, `id="passkey-enrol"`, `href="/account/close"`)
	if strings.Contains(b.last.body, `id="operator-factor"`) {
		t.Error("a person who is no operator is told about the console")
	}
	// An operator is told the console needs a second factor (SEC-MFA).
	accountID := e.want(e.do("GET", "/v1/me", other, ""), 200).json(t)["account_id"].(string)
	if err := e.db.SetOperator(t.Context(), accountID, true); err != nil {
		t.Fatal(err)
	}
	wantPage(t, b.get("/account"), 200, `id="operator-factor"`, "set one up below")
	tests := []struct {
		name            string
		current, next   string
		status          int
		field, wantText string
	}{
		{"empty", "", "", 400, "current_password", "Fill this in."},
		{"wrong current password", "wrong horse battery staple", "a brand new passphrase", 403, "current_password", "The password is wrong"},
		{"weak new password", "correct horse battery staple", "qwerty123", 400, "new_password", "common or breached"},
		{"too short", "correct horse battery staple", "zq7x", 400, "new_password", "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit("/account", "/account/password", url.Values{"current_password": {tt.current}, "new_password": {tt.next}})
			wantPage(t, p, tt.status, `aria-describedby="e-`+tt.field+`"`, tt.wantText)
			if tt.next != "" && strings.Contains(p.body, tt.next) {
				t.Errorf("the page shows the new password typed")
			}
		})
	}
	p := b.submit("/account", "/account/password", url.Values{"current_password": {"correct horse battery staple"}, "new_password": {"a brand new passphrase"}})
	if p.status != 303 || p.location != "/account" {
		t.Fatalf("change: %d to %q, want 303 to /account", p.status, p.location)
	}
	wantPage(t, b.get("/account"), 200, "Your password is changed")
	problem(t, e.do("GET", "/v1/me", other, ""), 401)
	b2 := e.newBrowser()
	wantPage(t, b2.signInAs("ada@example.org", "correct horse battery staple"), 401)
	if p := b2.signInAs("ada@example.org", "a brand new passphrase"); p.status != 303 {
		t.Errorf("sign-in with the new password: status %d", p.status)
	}
}

// TestPageSignOutEverywhere ends every session of the account, the one
// that asked too (SEC-AUTHZ).
func TestPageSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Bea")
	b2 := e.newBrowser()
	if p := b2.signInAs("bea@example.org", "correct horse battery staple"); p.status != 303 {
		t.Fatalf("second sign-in: %d", p.status)
	}
	p := b.submit("/account", "/account/signout-everywhere", nil)
	if p.status != 303 || p.location != "/signin" {
		t.Fatalf("sign out everywhere: %d to %q", p.status, p.location)
	}
	wantPage(t, b.get("/signin"), 200, "You are signed out everywhere")
	for i, br := range []*browser{b, b2} {
		if p := br.get("/account"); p.status != 303 || !strings.HasPrefix(p.location, "/signin") {
			t.Errorf("browser %d after signing out everywhere: %d to %q, want /signin", i, p.status, p.location)
		}
	}
}

var (
	totpSecret   = regexp.MustCompile(`id="totp-secret" class="secret">([A-Z2-7]+)<`)
	recoveryCode = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
)

// recoveryCodes reads the recovery codes of a page.
func recoveryCodes(t *testing.T, p page) []string {
	t.Helper()
	var out []string
	for _, m := range recoveryCode.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	if len(out) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes on the page, want %d: %.800s", len(out), auth.RecoveryCodeCount, p.body)
	}
	return out
}

// TestPageTOTP sets up an authenticator app on the account page: a QR
// code of the otpauth URI and the secret as text, shown once; a wrong
// first code is shown beside the field without the secret; the right one
// turns the app on and shows the recovery codes once; signing in then asks
// for a code; new recovery codes replace the old after the password; the
// second factors go off after the password (SEC-MFA).
func TestPageTOTP(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := &mfaUser{e: e}
	b := e.newBrowser()
	b.signUp("Cy")
	p := b.submit("/account", "/account/totp", nil)
	wantPage(t, p, 200, `<svg`, `class="qr"`, `aria-label="QR code to add Hearth to your authenticator app"`, `id="totp-confirm-form"`)
	m := totpSecret.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret as text on the page: %.1500s", p.body)
	}
	secret := m[1]
	p = b.post("/account/totp/confirm", url.Values{"code": {"000000"}})
	wantPage(t, p, 400, `aria-describedby="e-code"`, "does not match", "Start again with a new key")
	if strings.Contains(p.body, secret) {
		t.Error("the page after a wrong code shows the secret again")
	}
	p = b.post("/account/totp/confirm", url.Values{"code": {u.totp(secret)}})
	wantPage(t, p, 200, "shown only this once", "Your authenticator app is set up")
	codes := recoveryCodes(t, p)
	if p := b.post("/account/totp/confirm", url.Values{"code": {u.totp(secret)}}); p.status != 303 || p.location != "/account" {
		t.Errorf("the same form again: %d to %q, want 303 to /account", p.status, p.location)
	}
	wantPage(t, b.get("/account"), 200, "Authenticator app</dt><dd class=\"status\">On", `id="recovery-form"`, `id="second-factor-off-form"`)
	// A stale set-up form, posted again: a clear message, nothing changed.
	wantPage(t, b.follow(b.post("/account/totp", nil)), 200, "An authenticator app is set up already")
	e.clock.Advance(30 * time.Second)

	// Signing in asks for the code; a recovery code works once.
	b2 := e.newBrowser()
	wantPage(t, b2.signInAs("cy@example.org", testPassword), 200, "One more step")
	step := regexp.MustCompile(`name="second_step_token" value="([^"]+)"`).FindStringSubmatch(b2.last.body)[1]
	if p := b2.post("/signin/second-factor", url.Values{"second_step_token": {step}, "code": {codes[0]}, "next": {"/account"}}); p.status != 303 || p.location != "/account" {
		t.Fatalf("second step with a recovery code: %d to %q: %.500s", p.status, p.location, p.body)
	}

	// New recovery codes after the password; the old ones stop working.
	p = b.submit("/account", "/account/recovery-codes", url.Values{"recovery_password": {"wrong horse battery staple"}})
	wantPage(t, p, 403, `aria-describedby="e-recovery_password"`, "The password is wrong")
	p = b.submit("/account", "/account/recovery-codes", url.Values{"recovery_password": {testPassword}})
	wantPage(t, p, 200, "replace the old ones")
	recoveryCodes(t, p)
	b3 := e.newBrowser()
	b3.signInAs("cy@example.org", testPassword)
	step = regexp.MustCompile(`name="second_step_token" value="([^"]+)"`).FindStringSubmatch(b3.last.body)[1]
	wantPage(t, b3.post("/signin/second-factor", url.Values{"second_step_token": {step}, "code": {codes[1]}}), 400, `aria-describedby="e-code"`, "not one of your recovery codes")

	// Turning them off needs the password.
	wantPage(t, b.submit("/account", "/account/second-factor/off", url.Values{"off_password": {""}}), 400, `aria-describedby="e-off_password"`)
	wantPage(t, b.submit("/account", "/account/second-factor/off", url.Values{"off_password": {"wrong horse battery staple"}}), 403, `aria-describedby="e-off_password"`)
	wantPage(t, b.follow(b.submit("/account", "/account/second-factor/off", url.Values{"off_password": {testPassword}})), 200,
		"Your second factors are off", "Authenticator app</dt><dd class=\"status\">Off")
	if p := e.newBrowser().signInAs("cy@example.org", testPassword); p.status != 303 {
		t.Errorf("sign-in after turning second factors off: status %d, want 303", p.status)
	}
}

// TestPagePasskey adds a passkey and signs in with it exactly as
// passkey.js does: the account page and the second step offer the button
// and the script, which call the public API routes with the page's cookie
// or second-step token; a software authenticator answers (SEC-MFA,
// INT-SAME-SCOPE).
func TestPagePasskey(t *testing.T) {
	const origin = "https://hearth.example"
	wa, err := auth.NewWebAuthn(origin, "Hearth")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{authClock: true, webauthn: wa})
	a := passkeytest.New(t, origin)
	b := e.newBrowser()
	b.signUp("Dee")
	wantPage(t, b.get("/account"), 200, `id="passkey-enrol"`, `<script src="/assets/passkey.js" defer></script>`, `id="passkey-status"`)
	challenge, rpID := options(t, e.want(b.postJSON("/v1/me/passkeys/options", "{}"), 200))
	e.want(b.postJSON("/v1/me/passkeys", `{"credential":`+a.Create(challenge, rpID)+`}`), 201)
	wantPage(t, b.get("/account"), 200, "Passkeys</dt><dd class=\"status\">1", `id="recovery-form"`)

	b2 := e.newBrowser()
	p := b2.submit("/signin?next=/notifications", "/signin", url.Values{"email": {"dee@example.org"}, "password": {testPassword}, "next": {"/notifications"}})
	wantPage(t, p, 200, `id="passkey-signin"`, `data-next="/notifications"`, `<script src="/assets/passkey.js" defer></script>`)
	step := regexp.MustCompile(`data-step="([^"]+)"`).FindStringSubmatch(p.body)[1]
	challenge, rpID = options(t, e.want(b2.postJSON("/v1/sessions/second-factor/passkey/options", fmt.Sprintf(`{"second_step_token":%q}`, step)), 200))
	e.want(b2.postJSON("/v1/sessions/second-factor/passkey", fmt.Sprintf(`{"second_step_token":%q,"credential":%s}`, step, a.Get(challenge, rpID, 1))), 201)
	wantPage(t, b2.get("/account"), 200, "Your account", "dee@example.org")

	res, err := e.client.Get(e.url + "/assets/passkey.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, route := range []string{"/v1/me/passkeys/options", "/v1/me/passkeys\"", "/v1/sessions/second-factor/passkey/options", "/v1/sessions/second-factor/passkey\""} {
		if !bytes.Contains(js, []byte(route)) {
			t.Errorf("passkey.js does not call %s", route)
		}
	}
}

// TestPageCloseAccount explains first what closing erases (the erasure's
// own preview, "deleting the app deletes nothing" included), then closes
// the account after the password: the last owner of a household with
// other members is told why not; afterwards nothing signs in (RIGHT-ERASE).
func TestPageCloseAccount(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Eve")
	hh := e.household(own)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	fay, fayID := e.user("Fay")
	e.want(e.do("POST", "/v1/invites/accept", fay, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	b := e.newBrowser()
	b.signInAs("eve@example.org", testPassword)
	wantPage(t, b.get("/account/close"), 200, "This erases everything kept about you", "Deleting the app", `id="close-account-form"`, `data-confirm=`)
	wantPage(t, b.submit("/account/close", "/account/close", url.Values{"password": {""}}), 400, `aria-describedby="e-password"`, "Deleting the app")
	wantPage(t, b.submit("/account/close", "/account/close", url.Values{"password": {"wrong horse battery staple"}}), 403, `aria-describedby="e-password"`, "The password is wrong")
	wantPage(t, b.submit("/account/close", "/account/close", url.Values{"password": {testPassword}}), 409, `role="alert"`, "owner")
	e.want(e.do("DELETE", "/v1/households/"+hh+"/members/"+fayID, own, ""), 204)
	p := b.submit("/account/close", "/account/close", url.Values{"password": {testPassword}})
	if p.status != 303 || p.location != "/" {
		t.Fatalf("close: %d to %q, want 303 to /: %.600s", p.status, p.location, p.body)
	}
	wantPage(t, b.get("/"), 200, "Your account is closed and your data is erased", "Sign in")
	problem(t, e.do("GET", "/v1/me", own, ""), 401)
	wantPage(t, e.newBrowser().signInAs("eve@example.org", testPassword), 401)
}

// TestPageNotifications lists a person's notifications, each kind linking
// to where the person acts (terms → accept form, processing change →
// consent page, substantial firmware update → the device's page, sign-up
// with their address → account), marks one read (twice is harmless) and
// refuses another person's (USAGE-CHANGE, FIRMWARE-NOTICE, TOS-PERMISSION,
// SEC-AUTHZ).
func TestPageNotifications(t *testing.T) {
	e := newEnv(t)
	own, me := e.user("Gus")
	hh := e.household(own)
	dev, _ := e.device(own, hh)
	hal, other := e.user("Hal")
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", hal, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	kid := e.want(e.do("POST", "/v1/households/"+hh+"/people", own, `{"display_name":"Kid","role":"guest"}`), 201).json(t)["id"].(string)
	at := time.Now().UTC().Add(-time.Hour)
	ns := []hearth.Notification{
		{ID: "n_terms", PersonID: me, Kind: hearth.NotifyTermsChanged, Title: "New terms of service to review", Body: "Version 2025-06.", Created: at},
		{ID: "n_change", PersonID: me, HouseholdID: hh, Kind: hearth.NotifyManifestChanged, Title: "How your data is used has changed", Body: "Line one.\nLine two.", Created: at.Add(time.Minute)},
		{ID: "n_fw", PersonID: me, HouseholdID: hh, Kind: hearth.NotifyFirmwareSubstantial, Title: "An update changes what your thermostat does", Body: "Firmware 2.0.", Created: at.Add(2 * time.Minute)},
		{ID: "n_hal", PersonID: other, Kind: hearth.NotifyTermsChanged, Title: "Hal's own", Body: "Not for Gus.", Created: at},
		{ID: "n_kid", PersonID: kid, HouseholdID: hh, Kind: hearth.NotifyManifestChanged, Title: "Kid's change", Body: "For the kid.", Created: at},
	}
	if err := e.db.AddNotifications(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	// Someone signs up with Gus's address: he is told here (SEC-BRUTE).
	e.newBrowser().submit("/signup", "/signup", url.Values{"display_name": {"Mallory"}, "email": {"gus@example.org"}, "password": {"another long passphrase"}})
	b := e.newBrowser()
	b.signInAs("gus@example.org", testPassword)
	p := b.get("/notifications")
	wantPage(t, p, 200, `id="notifications"`, "New terms of service to review", `href="/terms/accept"`,
		`href="/households/`+hh+`/people/`+me+`/consents?moment=change"`,
		`href="/households/`+hh+`/devices/`+dev+`"`, `href="/account"`, "Line one.\nLine two.", "<strong>New.</strong>")
	if strings.Contains(p.body, "Hal&#39;s own") || strings.Contains(p.body, "Hal's own") {
		t.Error("Gus sees Hal's notification")
	}
	// The owner sees the notifications of a profile without an account,
	// linking to its consent page; another adult member does not
	// (CONSENT-MULTIUSER).
	wantPage(t, p, 200, "For Kid in Home", `href="/households/`+hh+`/people/`+kid+`/consents?moment=change"`)
	bh := e.newBrowser()
	bh.signInAs("hal@example.org", testPassword)
	if p := bh.get("/notifications"); p.status != 200 || strings.Contains(p.body, "For Kid") || !strings.Contains(p.body, "Hal&#39;s own") {
		t.Errorf("Hal's notifications page: status %d, %.1500s", p.status, p.body)
	}
	if p := b.post("/notifications/n_change/read", nil); p.status != 303 || p.location != "/notifications" {
		t.Fatalf("mark read: %d to %q", p.status, p.location)
	}
	p = b.get("/notifications")
	wantPage(t, p, 200, "Marked as read.")
	if !regexp.MustCompile(`(?s)id="notification-n_change".*?Read\. `).MatchString(p.body) || strings.Contains(p.body, `action="/notifications/n_change/read"`) {
		t.Errorf("n_change is not shown as read: %.2000s", p.body)
	}
	if p := b.post("/notifications/n_change/read", nil); p.status != 303 {
		t.Errorf("marking it read again: status %d, want 303", p.status)
	}
	b.get("/notifications")
	wantPage(t, b.post("/notifications/n_hal/read", nil), 404, "Not found")
}

// TestPageTerms accepts the current terms of service on their page: the
// version, its duration and that the accepted version stands until a new
// one is accepted are stated; a tampered version is refused beside the
// form; accepting twice is harmless (TOS-PERMISSION, TOS-DURATION,
// NOTICE-SEPARATE).
func TestPageTerms(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Ida")
	wantPage(t, b.get("/account"), 200, `href="/terms/accept"`, "You have not accepted the terms of service yet")
	p := b.get("/terms/accept")
	wantPage(t, p, 200, "2025-06", "5 years", "You have not accepted any version yet", `id="terms-form"`, "gives no consent")
	if strings.Contains(p.body, `type="checkbox"`) {
		t.Error("the terms page has a check box")
	}
	for _, bad := range []struct {
		version string
		status  int
	}{{"1999", 400}, {"", 400}} {
		wantPage(t, b.submit("/terms/accept", "/terms/accept", url.Values{"version": {bad.version}}), bad.status, `class="field-error"`, "the current one is 2025-06")
	}
	p = b.submit("/terms/accept", "/terms/accept", url.Values{"version": {"2025-06"}})
	wantPage(t, b.follow(p), 200, "You accepted version 2025-06 of the terms of service")
	wantPage(t, b.get("/terms/accept"), 200, "There is nothing new to accept")
	if p := b.post("/terms/accept", url.Values{"version": {"2025-06"}}); p.status != 303 {
		t.Errorf("accepting again: status %d, want 303", p.status)
	}
	if p := b.get("/account"); strings.Contains(p.body, "You have not accepted the terms") {
		t.Error("the account page still asks for the terms")
	}
}

// TestPageNewTerms: when the terms change, the page states what changed
// and that the version the person accepted stands for them until they
// accept the new one; a form showing the old version, posted after the
// change, is refused (409) rather than accepting terms the person was not
// shown (TOS-PERMISSION, TOS-DURATION).
func TestPageNewTerms(t *testing.T) {
	const old = "    expected_duration: 5y\n"
	if !strings.Contains(string(examples.Thermostat), old) {
		t.Fatal("the example manifest's terms are not as this test expects")
	}
	src := strings.Replace(string(examples.Thermostat), old, old+`  - version: "2026-01"
    url: https://ember-home.example/terms/2026-01
    effective: "2026-01-01"
    expected_duration: 3y
`, 1)
	e := newEnvWith(t, envOptions{manifest: [2]string{examples.ThermostatName, src}})
	_, me := e.user("Jo")
	if err := e.db.AcceptTerms(t.Context(), &hearth.TermsAcceptance{PersonID: me, Version: "2025-06", Accepted: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	b := e.newBrowser()
	b.signInAs("jo@example.org", testPassword)
	wantPage(t, b.get("/account"), 200, "Version 2026-01 of the terms of service is waiting for you", "Version 2025-06, which you accepted, stays in force")
	wantPage(t, b.get("/terms/accept"), 200, "What changed", "Version 2026-01 replaces version 2025-06 from 2026-01-01.",
		"expected to last 3 years instead of 5 years", "You accepted version 2025-06 on 1 July 2025", "It stays in force for you until you accept version 2026-01", "Accept version 2026-01")
	wantPage(t, b.post("/terms/accept", url.Values{"version": {"2025-06"}}), 409, "not the current terms")
	wantPage(t, b.follow(b.submit("/terms/accept", "/terms/accept", url.Values{"version": {"2026-01"}})), 200, "You accepted version 2026-01")
}
