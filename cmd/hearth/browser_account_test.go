package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// freeLoopbackPort returns a TCP port free on 127.0.0.1 now, for a server
// whose address must be known before it starts (a passkey origin).
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// virtualAuthenticator gives the tab a platform authenticator that
// verifies the user at once, as Chromium's DevTools protocol offers for
// tests of WebAuthn.
func (b *tab) virtualAuthenticator() {
	b.t.Helper()
	b.do("add a virtual authenticator", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{EnableUI: ptrTo(false)}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return err
	}))
}

// waitFor polls the JavaScript condition cond until it is true, within
// stepTimeout.
func (b *tab) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !eval[bool](b, cond) {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: still not true after %s: %s; page %s: %.800s", what, stepTimeout, cond, b.where(), b.text("main"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserAccount: the account pages in Chromium, audited (axe-core,
// one h1, no CSP violation or script error, 360 px): a passkey is added
// with passkey.js and a virtual authenticator, then signs in on the
// second step of a sign-in, which lands on the page asked for; the
// authenticator-app set-up shows its QR code; notifications, the terms
// and the close-account explanation are shown (SEC-MFA, TOS-PERMISSION,
// RIGHT-ERASE).
func TestBrowserAccount(t *testing.T) {
	port := freeLoopbackPort(t)
	origin := fmt.Sprintf("http://localhost:%d", port)
	startHearth(t, t.TempDir(), "--http", fmt.Sprintf("127.0.0.1:%d", port), "--webauthn-origin", origin)
	b := newTab(t, origin) // passkeys need a host name: an IP address is no relying party ID
	b.virtualAuthenticator()

	b.wantStatus("sign-up page", b.open("/signup"), http.StatusOK)
	b.submit(map[string]string{"#f-display_name": "Kit", "#f-email": "kit@example.org", "#f-password": "correct horse battery staple"}, "main form button[type=submit]")
	// Someone signs up with Kit's address: Kit is told in a notification.
	b.wantStatus("sign-up page", b.open("/signup"), http.StatusOK)
	b.submit(map[string]string{"#f-display_name": "Mallory", "#f-email": "kit@example.org", "#f-password": "another long passphrase"}, "main form button[type=submit]")
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": "kit@example.org", "#f-password": "correct horse battery staple"}, "main form button[type=submit]"), http.StatusOK)

	b.wantStatus("account page", b.open("/account"), http.StatusOK)
	b.audit("account-full")
	b.do("add a passkey", chromedp.Click(chromedp.CSS("#passkey-enrol"), chromedp.NodeVisible))
	b.waitFor("the account shows the passkey", `(document.querySelector("#second-factor-status") || {innerText: ""}).innerText.indexOf("Passkeys\n1") >= 0 || (document.querySelector("#passkey-status") || {className: ""}).className === "error"`)
	if msg := b.text("#passkey-status.error"); msg != "" {
		t.Fatalf("adding the passkey failed: %s", msg)
	}
	b.audit("account-passkey")

	b.wantStatus("authenticator-app set-up", b.click("#totp-form button"), http.StatusOK)
	b.wantText("scanning this QR code")
	b.audit("account-totp")

	b.wantStatus("notifications", b.open("/notifications"), http.StatusOK)
	b.wantText("New.", "Check your account")
	b.audit("notifications")
	b.wantStatus("mark read", b.click("#notifications form.mark-read button"), http.StatusOK)
	b.wantText("Marked as read.", "Read.")
	b.wantStatus("terms", b.open("/terms/accept"), http.StatusOK)
	b.audit("terms-accept")
	b.wantStatus("close account", b.open("/account/close"), http.StatusOK)
	b.wantText("Deleting the app")
	b.audit("account-close")

	// Sign out, then in with the password and the passkey.
	b.wantStatus("sign out", b.click(`header nav form[action="/signout"] button`), http.StatusOK)
	b.wantStatus("notifications, signed out", b.open("/notifications"), http.StatusOK)
	b.wantStatus("password", b.submit(map[string]string{"#f-email": "kit@example.org", "#f-password": "correct horse battery staple"}, "main form button[type=submit]"), http.StatusOK)
	b.wantText("One more step")
	b.audit("signin-second-step")
	b.do("use the passkey", chromedp.Click(chromedp.CSS("#passkey-signin"), chromedp.NodeVisible))
	b.waitFor("signed in with the passkey", `location.pathname === "/notifications" || (document.querySelector("#passkey-status") || {className: ""}).className === "error"`)
	if msg := b.text("#passkey-status.error"); msg != "" {
		t.Fatalf("signing in with the passkey failed: %s", msg)
	}
	b.waitFor("the notifications page", `document.readyState === "complete" && !!document.querySelector("h1")`)
	if h1 := b.text("h1"); !strings.Contains(h1, "Notifications") {
		t.Errorf("after the passkey the page is %q, want Notifications", h1)
	}
}
