package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestBrowserTransparency: the privacy hub and the notice's layers in the
// hub's look, opened by anyone (NOTICE-LAYERED, NOTICE-AUDIENCE,
// NOTICE-SEPARATE); "who can see your data" (RIGHT-ACCESS-OTHERS) with who
// accessed it (AUDIT); and
// the operator console for an operator signed in with an authenticator
// app (SEC-MFA) with its compliance report (RECORDS), every page audited (axe-core, one h1, no CSP violation,
// 360 px).
func TestBrowserTransparency(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const email = "opal@example.org"
	a := signUp(t, p.HTTP, email)
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	me := a.person()

	b := newTab(t, p.HTTP)
	b.names = map[string]string{hh: "home", me: "opal"}
	for _, page := range []struct{ path, shot, text string }{
		{"/privacy/hub", "privacy-hub", "For devices with a small screen or none"},
		{"/privacy", "privacy", "How Ember Home Ltd uses your data"},
		{"/privacy/children", "privacy-children", ""},
		{"/terms", "terms", ""},
	} {
		b.wantStatus(page.path, b.open(page.path), http.StatusOK)
		if page.text != "" {
			b.wantText(page.text)
		}
		b.audit(page.shot)
	}

	signInOperator(t, b, a, data, email)

	b.wantStatus("who can see your data", b.open("/households/"+hh+"/people/"+me+"/access"), http.StatusOK)
	// AUDIT: the page shows who accessed the data, from the audit log:
	// here the person's own calls above, through the app (the API).
	b.wantText("Who can see your data", "Who accessed it", "Viewed the data", "the app or API")
	b.audit("access")
	for _, page := range []struct{ path, text string }{
		{"/operator", "Lint status"},
		{"/operator/requests", "No request is open."},
		{"/operator/firmware", "Roll a release out"},
		{"/operator/ledger", "The ledger is intact"},
		{"/operator/report", "CONSENT-LEDGER: met"}, // RECORDS: the compliance report, the ledger verified
	} {
		b.wantStatus(page.path, b.open(page.path), http.StatusOK)
		b.wantText(page.text)
		b.audit("")
	}
}

// signInOperator makes a's account (e-mail email, signed up with signUp)
// an operator of the server on data, enrols an authenticator app and signs
// b in with its code (SEC-MFA).
func signInOperator(t *testing.T, b *tab, a *api, data, email string) {
	t.Helper()
	if code, out, errOut := runHearth(t, t.Context(), "operators", "grant", "--data", data, email); code != 0 {
		t.Fatalf("operators grant: exit %d\n%s%s", code, out, errOut)
	}
	secret := a.call("POST", "/v1/me/second-factor/totp", nil, http.StatusCreated)["secret"].(string)
	now, _ := totp.GenerateCode(secret, time.Now())
	a.call("POST", "/v1/me/second-factor/totp/confirm", map[string]string{"code": now}, http.StatusOK)
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	pw := "correct horse battery staple " + email
	b.wantStatus("password", b.submit(map[string]string{"#f-email": email, "#f-password": pw}, "main form button[type=submit]"), http.StatusOK)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the confirming code's step is used
	b.wantStatus("code", b.submit(map[string]string{"#f-code": next}, "main form button[type=submit]"), http.StatusOK)
}
