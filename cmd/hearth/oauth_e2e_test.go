package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var (
	clientIDLine = regexp.MustCompile(`client (cl_[a-z0-9]+) registered`)
	secretLine   = regexp.MustCompile(`secret \(shown once, kept only as a hash\): (\S+)`)
	csrfToken    = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
)

// allowClient opens the consent screen of authURL as the person of session
// and allows it, as a browser does; it returns the code the client gets.
func allowClient(t *testing.T, base, session, authURL string) string {
	t.Helper()
	u, _ := url.Parse(authURL)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", base+u.RequestURI(), nil)
	req.AddCookie(&http.Cookie{Name: "hearth_session", Value: session})
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfToken.FindStringSubmatch(string(body))
	if res.StatusCode != 200 || m == nil || !strings.Contains(string(body), "Allow Planner to use your account?") {
		t.Fatalf("consent screen: status %d: %.400s", res.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", base+u.RequestURI(), strings.NewReader(url.Values{"csrf_token": {m[1]}, "decision": {"allow"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.AddCookie(&http.Cookie{Name: "hearth_session", Value: session})
	if res, err = noRedirect.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	to, err := url.Parse(res.Header.Get("Location"))
	if err != nil || to.Query().Get("code") == "" {
		t.Fatalf("allow: status %d to %q, want the client's redirect URI with a code", res.StatusCode, res.Header.Get("Location"))
	}
	return to.Query().Get("code")
}

// exchange runs the flow for cfg as the person of session on the server
// at base, with a fresh PKCE verifier, and returns the tokens.
func exchange(t *testing.T, ctx context.Context, cfg *oauth2.Config, base, session string) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := allowClient(t, base, session, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// TestOAuthClientE2E: an operator registers a client with `hearth clients
// add` on a running server; a real OAuth client (golang.org/x/oauth2, PKCE
// S256) completes the flow against the real binary and reads exactly the
// granted scope (another household, an ungranted function: 403); its
// token still works after a restart (the token secret lives in the key
// store, not in one process); refresh rotates; RFC 7009 revocation and
// `hearth clients remove` take effect on the next call (INT-CLIENTS,
// INT-SAME-SCOPE, SEC-AUTHZ).
func TestOAuthClientE2E(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	alice := signUp(t, p.HTTP, "alice@example.com")
	hh1 := alice.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	hh2 := alice.call("POST", "/v1/households", map[string]string{"name": "Cabin"}, http.StatusCreated)["id"].(string)

	const redirect = "http://127.0.0.1:9/callback"
	code, out, errOut := runHearth(t, t.Context(), "clients", "add", "--data", data, "--name", "Planner",
		"--redirect-uris", redirect, "--scopes", "profile,households:read")
	id, secret := clientIDLine.FindStringSubmatch(out), secretLine.FindStringSubmatch(out)
	if code != 0 || id == nil || secret == nil {
		t.Fatalf("clients add: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runHearth(t, t.Context(), "clients", "add", "--data", data, "--name", "Bad",
		"--redirect-uris", "http://example.com/cb", "--scopes", "profile"); code != exitError || !strings.Contains(errOut, "https") {
		t.Errorf("clients add with a plain-http redirect: exit %d, %s; want 1 saying why", code, errOut)
	}
	if _, out, _ := runHearth(t, t.Context(), "clients", "list", "--data", data); !strings.Contains(out, id[1]) || strings.Contains(out, secret[1]) {
		t.Errorf("clients list = %q: want the client, not its secret", out)
	}

	cfg := &oauth2.Config{ClientID: id[1], ClientSecret: secret[1], RedirectURL: redirect,
		Scopes:   []string{"households:read", "household:" + hh1},
		Endpoint: oauth2.Endpoint{AuthURL: p.HTTP + "/oauth/authorize", TokenURL: p.HTTP + "/oauth/token"}}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, http.DefaultClient)
	tok := exchange(t, ctx, cfg, p.HTTP, alice.token)
	client := &api{t: t, base: p.HTTP, token: tok.AccessToken}
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusOK)
	client.call("GET", "/v1/households/"+hh2, nil, http.StatusForbidden)
	client.call("GET", "/v1/me", nil, http.StatusForbidden)
	client.call("GET", "/v1/operator/me", nil, http.StatusForbidden)

	// Another process, the same key store: the token still works.
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startHearth(t, data)
	client.base, alice.base = p.HTTP, p.HTTP
	cfg.Endpoint.TokenURL = p.HTTP + "/oauth/token"
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusOK)

	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil || tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v (tokens rotated: %t)", err, err == nil && tok2.RefreshToken != tok.RefreshToken)
	}
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusUnauthorized)
	client.token = tok2.AccessToken
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusOK)
	if got := alice.call("GET", "/v1/me/clients", nil, http.StatusOK)["clients"].([]any); len(got) != 1 {
		t.Errorf("connected clients = %v, want Planner", got)
	}

	req, _ := http.NewRequest("POST", p.HTTP+"/oauth/revoke", strings.NewReader(url.Values{"token": {tok2.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, res)
	}
	res.Body.Close()
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusUnauthorized)
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token of a revoked grant still works")
	}

	// Removing the client ends every grant to it.
	client.token = exchange(t, ctx, cfg, p.HTTP, alice.token).AccessToken
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusOK)
	if code, out, errOut := runHearth(t, t.Context(), "clients", "remove", "--data", data, id[1]); code != 0 {
		t.Fatalf("clients remove: exit %d\n%s%s", code, out, errOut)
	}
	client.call("GET", "/v1/households/"+hh1, nil, http.StatusUnauthorized)
}

// TestOAuthTwoNodes: two nodes on one PostgreSQL store accept each other's
// tokens (the token secret is derived from the shared key store, never
// per process), a refresh on one retires the token on the other, and a
// revocation on one is refused on the other at the next call; `hearth
// clients add --store` registers on the shared store (INT-CLIENTS,
// SEC-AUTHZ).
func TestOAuthTwoNodes(t *testing.T) {
	st := newPGStore(t)
	a := st.node(t)
	b := st.node(t)
	alice := signUp(t, a.HTTP, "alice@example.com")
	hh := alice.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	const redirect = "http://127.0.0.1:9/callback"
	code, out, errOut := runHearth(t, t.Context(), append([]string{"clients", "add", "--name", "Planner", "--public",
		"--redirect-uris", redirect, "--scopes", "households:read"}, st.flags()...)...)
	id := clientIDLine.FindStringSubmatch(out)
	if code != 0 || id == nil || secretLine.MatchString(out) {
		t.Fatalf("clients add --public: exit %d\n%s%s; want an ID and no secret", code, out, errOut)
	}
	cfg := &oauth2.Config{ClientID: id[1], RedirectURL: redirect, Scopes: []string{"households:read"},
		Endpoint: oauth2.Endpoint{AuthURL: a.HTTP + "/oauth/authorize", TokenURL: a.HTTP + "/oauth/token"}}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, http.DefaultClient)
	tok := exchange(t, ctx, cfg, a.HTTP, alice.token)
	onA := &api{t: t, base: a.HTTP, token: tok.AccessToken}
	onB := &api{t: t, base: b.HTTP, token: tok.AccessToken}
	onB.call("GET", "/v1/households/"+hh, nil, http.StatusOK)

	cfg.Endpoint.TokenURL = b.HTTP + "/oauth/token" // refresh on node b
	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatalf("refresh on node b: %v", err)
	}
	onA.call("GET", "/v1/households/"+hh, nil, http.StatusUnauthorized)
	onA.token = tok2.AccessToken
	onA.call("GET", "/v1/households/"+hh, nil, http.StatusOK)

	alice.call("DELETE", "/v1/me/clients/"+id[1], nil, http.StatusNoContent) // on node a
	onB.token = tok2.AccessToken
	onB.call("GET", "/v1/households/"+hh, nil, http.StatusUnauthorized)
}
