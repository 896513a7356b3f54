package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"
)

// TestBrowserOAuth: in Chromium, an operator registers a client on the
// console (its secret shown once); the OAuth consent screen names the
// client and what each scope allows, with Allow and Deny looking the same;
// Allow sends the browser back to the client with a code (the page's
// Content-Security-Policy lets its form lead there) that a real OAuth
// client exchanges; the connected apps page lists the client and takes its
// access back, ending it at once. Every page is audited (axe-core, one h1,
// no CSP violation, 360 px) (INT-CLIENTS, INT-SAME-SCOPE).
func TestBrowserOAuth(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const email = "opal@example.org"
	pw := "correct horse battery staple " + email
	a := signUp(t, p.HTTP, email)
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	if code, out, errOut := runHearth(t, t.Context(), "operators", "grant", "--data", data, email); code != 0 {
		t.Fatalf("operators grant: exit %d\n%s%s", code, out, errOut)
	}
	secret := a.call("POST", "/v1/me/second-factor/totp", nil, http.StatusCreated)["secret"].(string)
	now, _ := totp.GenerateCode(secret, time.Now())
	a.call("POST", "/v1/me/second-factor/totp/confirm", map[string]string{"code": now}, http.StatusOK)

	// The client's own site: its redirect URI on a loopback address.
	codes := make(chan string, 4)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		codes <- r.URL.Query().Get("code")
		fmt.Fprint(w, "<!doctype html><title>Planner</title><h1>Planner</h1>")
	}))
	t.Cleanup(site.Close)
	redirect := site.URL + "/callback"

	b := newTab(t, p.HTTP)
	b.names = map[string]string{hh: "home"}
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	b.wantStatus("password", b.submit(map[string]string{"#f-email": email, "#f-password": pw}, "main form button[type=submit]"), http.StatusOK)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the confirming code's step is used
	b.wantStatus("code", b.submit(map[string]string{"#f-code": next}, "main form button[type=submit]"), http.StatusOK)

	b.wantStatus("console clients", b.open("/operator/clients"), http.StatusOK)
	b.wantText("Register a client", "No client is registered.")
	b.audit("operator-clients")
	b.fill(map[string]string{"#f-name": "Planner"})
	b.do("fill the redirect URI", chromedp.SendKeys(chromedp.CSS("#f-redirect_uris"), redirect, chromedp.NodeVisible))
	b.do("tick scopes", chromedp.Click(chromedp.CSS(`input[name=scopes][value="profile"]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=scopes][value="households:read"]`), chromedp.NodeVisible))
	b.wantShown("register", b.click("#register-client-form button[type=submit]"))
	b.wantText("Planner is registered", "shown this once")
	clientID, clientSecret := b.text("#new-client-id"), b.text("#new-client-secret")
	if clientID == "" || clientSecret == "" {
		t.Fatalf("the console did not show the new client's ID and secret: %s", b.text("main"))
	}
	b.audit("operator-client-registered")

	cfg := &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirect,
		Scopes:   []string{"households:read", "household:" + hh},
		Endpoint: oauth2.Endpoint{AuthURL: p.HTTP + "/oauth/authorize", TokenURL: p.HTTP + "/oauth/token"}}
	verifier := oauth2.GenerateVerifier()
	b.wantStatus("consent screen", b.open(cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier))), http.StatusOK)
	b.wantText("Allow Planner to use your account?", "see your households and their members", "your household “Home”")
	allow, deny := b.computedStyle("#oauth-decision-form button[value=allow]"), b.computedStyle("#oauth-decision-form button[value=deny]")
	for _, k := range slices.Sorted(maps.Keys(allow)) {
		if allow[k] != deny[k] {
			t.Errorf("Allow and Deny differ in %s: %q and %q", k, allow[k], deny[k])
		}
	}
	b.audit("oauth-consent")
	b.wantStatus("allow", b.click("#oauth-decision-form button[value=allow]"), http.StatusOK)
	var code string
	select {
	case code = <-codes:
	case <-time.After(stepTimeout):
		t.Fatalf("the client's site got no request; the browser is at %s", b.where())
	}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, http.DefaultClient)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	client := &api{t: t, base: p.HTTP, token: tok.AccessToken}
	client.call("GET", "/v1/households/"+hh, nil, http.StatusOK)

	b.wantStatus("account", b.open("/account"), http.StatusOK)
	b.wantStatus("connected apps", b.click(`a[href="/account/clients"]`), http.StatusOK)
	b.wantText("Planner", "see your households and their members")
	b.audit("oauth-clients")
	b.wantStatus("take back", b.click("#revoke-"+clientID+" button"), http.StatusOK)
	b.wantText("No app can use your account")
	b.audit("oauth-clients-none")
	client.call("GET", "/v1/households/"+hh, nil, http.StatusUnauthorized)
}
