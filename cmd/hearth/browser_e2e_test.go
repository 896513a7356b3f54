package main

import (
	"net/http"
	"strings"
	"testing"
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
