package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/oauth"
)

const oauthRedirect = "http://127.0.0.1:9/callback"

// oauthClient registers a client for scopes (confidential unless public)
// and returns its golang.org/x/oauth2 configuration.
func (e *env) oauthClient(public bool, scopes ...string) *oauth2.Config {
	e.t.Helper()
	c, secret, err := e.oauth.RegisterClient(e.t.Context(), oauth.NewClient{Name: "Heat Planner", RedirectURIs: []string{oauthRedirect},
		Scopes: scopes, Public: public, CreatedBy: "test"})
	if err != nil {
		e.t.Fatalf("register client: %v", err)
	}
	return &oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: oauthRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.url + "/oauth/authorize", TokenURL: e.url + "/oauth/token"}}
}

// oauthCtx is a context whose oauth2 calls go to the test server.
func (e *env) oauthCtx() context.Context {
	return context.WithValue(e.t.Context(), oauth2.HTTPClient, e.client)
}

// authorize opens the consent screen of an authorization request in b and
// answers it with decision; it returns the page the answer led to (a
// redirect to the client).
func (e *env) authorize(b *browser, authURL, decision string) page {
	e.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	screen := b.get(u.RequestURI())
	if screen.status != 200 {
		return screen
	}
	return b.post(u.RequestURI(), url.Values{"decision": {decision}})
}

// codeOf returns the code and state of a redirect to the client.
func codeOf(t *testing.T, p page) (code, state string) {
	t.Helper()
	if p.status != 303 && p.status != 302 || !strings.HasPrefix(p.location, oauthRedirect) {
		t.Fatalf("status %d to %q, want a redirect to the client: %.300s", p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	if u.Query().Get("error") != "" {
		t.Fatalf("the client got error %q: %s", u.Query().Get("error"), u.Query().Get("error_description"))
	}
	return u.Query().Get("code"), u.Query().Get("state")
}

// oauthError returns the error the client was sent back with.
func oauthError(t *testing.T, p page) string {
	t.Helper()
	if !strings.HasPrefix(p.location, oauthRedirect) {
		t.Fatalf("status %d to %q, want a redirect to the client with an error", p.status, p.location)
	}
	u, _ := url.Parse(p.location)
	return u.Query().Get("error")
}

const oauthState = "state-0123456789abcdef"

// grant runs the whole flow for scopes with a fresh PKCE verifier and
// returns the token.
func (e *env) grant(b *browser, cfg *oauth2.Config, scopes ...string) *oauth2.Token {
	e.t.Helper()
	cfg.Scopes = scopes
	verifier := oauth2.GenerateVerifier()
	code, state := codeOf(e.t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(verifier)), "allow"))
	if state != oauthState {
		e.t.Fatalf("state = %q, want %q", state, oauthState)
	}
	tok, err := cfg.Exchange(e.oauthCtx(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// TestOAuthFlow: a real OAuth client (golang.org/x/oauth2, PKCE S256)
// completes the authorization code flow on the consent screen and reads
// exactly the scope granted: another household, another device, an
// ungranted purpose, an ungranted function, operator and account routes
// are refused with 403; refresh works and rotates; revocation (RFC 7009
// and the person's own) takes effect on the next call (INT-CLIENTS,
// INT-SAME-SCOPE, SEC-AUTHZ).
func TestOAuthFlow(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	hh1, hh2 := e.household(alice), e.household(alice)
	d1, _ := e.device(alice, hh1)
	d1b, _ := e.device(alice, hh1)
	d2, _ := e.device(alice, hh2)
	b := e.browserAs(alice)
	cfg := e.oauthClient(false, "profile", "households:read", "devices:read", "readings:read")

	// The consent screen says who asks and what each scope allows, in words.
	cfg.Scopes = []string{"households:read", "devices:read", "readings:read", "household:" + hh1, "device:" + d1, "purpose:heating-control"}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(verifier))
	u, _ := url.Parse(authURL)
	wantPage(t, b.get(u.RequestURI()), 200, "Allow Heat Planner to use your account?", "see your households and their members",
		"see the readings of your devices", "your household “Home”", "device "+d1, "the purpose “Keep the home at the temperature you set”", `value="allow"`, `value="deny"`)
	code, _ := codeOf(t, b.post(u.RequestURI(), url.Values{"decision": {"allow"}}))
	tok, err := cfg.Exchange(e.oauthCtx(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token without refresh token or expiry: %+v", tok)
	}

	at := tok.AccessToken
	for _, c := range []struct {
		name, method, path string
		status             int
	}{
		{"granted household", "GET", "/v1/households/" + hh1, 200},
		{"granted device's log", "GET", "/v1/devices/" + d1 + "/log", 200},
		{"granted purpose and device", "GET", "/v1/households/" + hh1 + "/readings?purpose=heating-control&device=" + d1, 200},
		{"another household", "GET", "/v1/households/" + hh2, 403},
		{"another household's device", "GET", "/v1/devices/" + d2 + "/log", 403},
		{"another device", "GET", "/v1/devices/" + d1b + "/log", 403},
		{"every device of the household", "GET", "/v1/households/" + hh1 + "/devices", 403},
		{"every household", "GET", "/v1/households", 403},
		{"an ungranted purpose", "GET", "/v1/households/" + hh1 + "/readings?purpose=energy-insights&device=" + d1, 403},
		{"a registered but ungranted function", "GET", "/v1/me", 403},
		{"an ungranted function", "POST", "/v1/households/" + hh1 + "/invites", 403},
		{"an account route", "DELETE", "/v1/sessions", 403},
		{"the person's connected clients", "GET", "/v1/me/clients", 403},
		{"an operator route", "GET", "/v1/operator/me", 403},
		{"an operator's clients", "GET", "/v1/operator/clients", 403},
	} {
		r := e.do(c.method, c.path, at, "")
		if r.status != c.status {
			t.Errorf("%s: %s %s = %d, want %d: %s", c.name, c.method, c.path, r.status, c.status, r.body)
		}
		if c.status == 403 && !strings.Contains(r.header.Get("WWW-Authenticate"), "insufficient_scope") {
			t.Errorf("%s: WWW-Authenticate = %q, want insufficient_scope", c.name, r.header.Get("WWW-Authenticate"))
		}
	}

	// Refresh rotates both tokens; the old access token stops working.
	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := cfg.TokenSource(e.oauthCtx(), tok).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.AccessToken == at || tok2.RefreshToken == tok.RefreshToken || tok2.RefreshToken == "" {
		t.Fatal("refresh did not rotate the tokens")
	}
	e.want(e.do("GET", "/v1/households/"+hh1, at, ""), 401)
	e.want(e.do("GET", "/v1/households/"+hh1, tok2.AccessToken, ""), 200)

	// RFC 7009: revoking the refresh token ends the grant at once.
	form := url.Values{"token": {tok2.RefreshToken}, "token_type_hint": {"refresh_token"}}
	req, _ := http.NewRequest("POST", e.url+"/oauth/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("revoke: status %d", res.StatusCode)
	}
	e.want(e.do("GET", "/v1/households/"+hh1, tok2.AccessToken, ""), 401)
	if _, err := cfg.TokenSource(e.oauthCtx(), &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
		t.Error("a revoked refresh token was refreshed")
	}

	// The person sees the client and takes its access back: the next call fails.
	tok3 := e.grant(b, cfg, "profile")
	e.want(e.do("GET", "/v1/me", tok3.AccessToken, ""), 200)
	list := e.want(e.do("GET", "/v1/me/clients", alice, ""), 200).json(t)["clients"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["client_id"] != cfg.ClientID || list[0].(map[string]any)["client_name"] != "Heat Planner" {
		t.Fatalf("connected clients = %v", list)
	}
	e.want(e.do("DELETE", "/v1/me/clients/"+cfg.ClientID, alice, ""), 204)
	e.want(e.do("GET", "/v1/me", tok3.AccessToken, ""), 401)
	e.want(e.do("DELETE", "/v1/me/clients/"+cfg.ClientID, alice, ""), 404)
	if list := e.want(e.do("GET", "/v1/me/clients", alice, ""), 200).json(t)["clients"].([]any); len(list) != 0 {
		t.Errorf("connected clients after revoking = %v", list)
	}

	// A refresh token used twice (stolen) ends the whole grant.
	tok4 := e.grant(b, cfg, "profile")
	tok4.Expiry = time.Now().Add(-time.Minute)
	tok5, err := cfg.TokenSource(e.oauthCtx(), tok4).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TokenSource(e.oauthCtx(), &oauth2.Token{RefreshToken: tok4.RefreshToken}).Token(); err == nil {
		t.Error("a rotated refresh token was refreshed again")
	}
	e.want(e.do("GET", "/v1/me", tok5.AccessToken, ""), 401)

	// A code works once only; used twice (stolen), its grant ends too.
	cfg.Scopes = []string{"profile"}
	verifier = oauth2.GenerateVerifier()
	code, _ = codeOf(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(verifier)), "allow"))
	tok6, err := cfg.Exchange(e.oauthCtx(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Exchange(e.oauthCtx(), code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code was exchanged twice")
	}
	e.want(e.do("GET", "/v1/me", tok6.AccessToken, ""), 401)
}

// TestOAuthRefusals: the authorization server refuses what RFC 6749, RFC
// 7636 and the client's registration do not allow: no PKCE, PKCE plain, a
// wrong verifier, a redirect URI not registered, a scope not registered;
// a person's Deny reaches the client as access_denied (INT-CLIENTS).
func TestOAuthRefusals(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	b := e.browserAs(alice)
	cfg := e.oauthClient(true, "profile")
	cfg.Scopes = []string{"profile"}

	if got := oauthError(t, e.authorize(b, cfg.AuthCodeURL(oauthState), "allow")); got != "invalid_request" {
		t.Errorf("without PKCE: error %q, want invalid_request", got)
	}
	plain := cfg.AuthCodeURL(oauthState, oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
	if got := oauthError(t, e.authorize(b, plain, "allow")); got != "invalid_request" {
		t.Errorf("PKCE plain: error %q, want invalid_request", got)
	}
	cfg.Scopes = []string{"profile", "rights"}
	if got := oauthError(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "allow")); got != "invalid_scope" {
		t.Errorf("an unregistered scope: error %q, want invalid_scope", got)
	}
	cfg.Scopes = []string{"profile"}
	if got := oauthError(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "deny")); got != "access_denied" {
		t.Errorf("deny: error %q, want access_denied", got)
	}
	// A wrong verifier.
	code, _ := codeOf(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "allow"))
	if _, err := cfg.Exchange(e.oauthCtx(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Error("a code was exchanged with the wrong PKCE verifier")
	}
	// No verifier at all.
	code, _ = codeOf(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "allow"))
	if _, err := cfg.Exchange(e.oauthCtx(), code); err == nil {
		t.Error("a code was exchanged without its PKCE verifier")
	}
	// A redirect URI not registered: no redirect there, an error here.
	bad := *cfg
	bad.RedirectURL = "https://attacker.example/callback"
	p := e.authorize(b, bad.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "allow")
	if p.status < 400 || strings.Contains(p.location, "attacker.example") {
		t.Errorf("an unregistered redirect URI: status %d to %q, want an error here", p.status, p.location)
	}
	// Not signed in: to the sign-in page, coming back after it.
	anon := e.newBrowser()
	u, _ := url.Parse(cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if p := anon.get(u.RequestURI()); p.status != 303 || !strings.HasPrefix(p.location, "/signin?next=%2Foauth%2Fauthorize") {
		t.Errorf("not signed in: status %d to %q, want the sign-in page with next", p.status, p.location)
	}
	// The metadata names the endpoints and S256 (RFC 8414).
	md := e.want(e.do("GET", "/.well-known/oauth-authorization-server", "", ""), 200).json(t)
	if md["token_endpoint"] != e.url+"/oauth/token" || fmt.Sprint(md["code_challenge_methods_supported"]) != "[S256]" {
		t.Errorf("metadata = %v", md)
	}
}

// TestOAuthFlood: the token and revocation endpoints, reachable before any
// sign-in, bound their bodies and lock out an address after failures,
// while a good client from another address is still served (SEC-BRUTE).
func TestOAuthFlood(t *testing.T) {
	e := newEnvWith(t, envOptions{server: func(c *hhttp.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	alice, _ := e.user("Alice")
	b := e.browserAs(alice)
	cfg := e.oauthClient(false, "profile")
	post := func(addr, path, body string) int {
		req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", addr)
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := post("198.51.100.1", "/oauth/token", "grant_type=authorization_code&code="+strings.Repeat("x", 64<<10)); got != 400 {
		t.Errorf("a 64 KiB token request: status %d, want 400", got)
	}
	locked := false
	for i := 0; i < 40 && !locked; i++ {
		locked = post("203.0.113.9", "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {"guess"},
			"client_id": {cfg.ClientID}, "client_secret": {"wrong"}, "redirect_uri": {oauthRedirect}}.Encode()) == 429
	}
	if !locked {
		t.Fatal("40 bad token requests from one address were never throttled")
	}
	if got := post("203.0.113.9", "/oauth/revoke", url.Values{"token": {"x"}, "client_id": {cfg.ClientID}}.Encode()); got != 429 {
		t.Errorf("revocation from the locked address: status %d, want 429", got)
	}
	// The client itself, from its own address, is served.
	good := &http.Client{Transport: headerTransport{"X-Forwarded-For", "192.0.2.44", e.client.Transport}}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, good)
	cfg.Scopes = []string{"profile"}
	verifier := oauth2.GenerateVerifier()
	code, _ := codeOf(t, e.authorize(b, cfg.AuthCodeURL(oauthState, oauth2.S256ChallengeOption(verifier)), "allow"))
	if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("a good client from another address: %v", err)
	}
}

type headerTransport struct {
	name, value string
	next        http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.next.RoundTrip(r)
}

// TestOAuthOperatorClients: operators register, list and remove clients
// over the API; a confidential client's secret is shown once; a person
// who is not an operator is refused (INT-CLIENTS, SEC-AUTHZ).
func TestOAuthOperatorClients(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	_, op := operatorBrowser(e, "Olive")
	plain, _ := e.user("Paul")
	body := `{"name":"Heat Planner","redirect_uris":["https://planner.example/cb"],"scopes":["profile","readings:read"]}`
	e.want(e.do("POST", "/v1/operator/clients", plain, body), 403)
	problem(t, e.do("POST", "/v1/operator/clients", op, `{"name":"X","redirect_uris":["http://planner.example/cb"],"scopes":["profile"]}`), 400)
	problem(t, e.do("POST", "/v1/operator/clients", op, `{"name":"X","redirect_uris":["https://planner.example/cb"],"scopes":["household:hh_1"]}`), 400)
	c := e.want(e.do("POST", "/v1/operator/clients", op, body), 201).json(t)
	if c["secret"] == "" || c["secret"] == nil || c["public"] != false {
		t.Fatalf("registered client = %v, want its secret once", c)
	}
	list := e.want(e.do("GET", "/v1/operator/clients", op, ""), 200)
	if strings.Contains(string(list.body), c["secret"].(string)) || !strings.Contains(string(list.body), c["id"].(string)) {
		t.Errorf("client list = %s: want the client without its secret", list.body)
	}
	e.want(e.do("DELETE", "/v1/operator/clients/"+c["id"].(string), op, ""), 204)
	e.want(e.do("DELETE", "/v1/operator/clients/"+c["id"].(string), op, ""), 404)
}

// TestPageOAuth: the connected apps page lists the client with its scopes
// in words and takes its access back, and the console registers a client
// showing its secret once (INT-CLIENTS).
func TestPageOAuth(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	alice, _ := e.user("Alice")
	b := e.browserAs(alice)
	cfg := e.oauthClient(true, "profile")
	tok := e.grant(b, cfg, "profile")
	wantPage(t, b.get("/account"), 200, `href="/account/clients"`)
	wantPage(t, b.get("/account/clients"), 200, "Heat Planner", "see your name, e-mail address")
	p := b.post("/account/clients/"+cfg.ClientID+"/revoke", nil)
	if p.status != 303 {
		t.Fatalf("revoke: status %d", p.status)
	}
	e.want(e.do("GET", "/v1/me", tok.AccessToken, ""), 401)
	wantPage(t, b.get("/account/clients"), 200, "No app can use your account")

	ob, _ := operatorBrowser(e, "Olive")
	wantPage(t, ob.get("/operator/clients"), 200, "Register a client")
	created := ob.post("/operator/clients", url.Values{"name": {"Planner"}, "redirect_uris": {"https://planner.example/cb"}, "scopes": {"profile", "readings:read"}})
	wantPage(t, created, 201, "Planner is registered", "new-client-secret")
	wantPage(t, ob.post("/operator/clients", url.Values{"name": {"Bad"}, "redirect_uris": {"ftp://x"}, "scopes": {"profile"}}), 400, "redirect URI")
}

// TestClientRoutesComplete: every signed-in /v1 route a person can call
// has an entry in the route → scope table, so third-party clients get the
// same functional scope as Hearth's own pages, and no operator route has
// one (INT-SAME-SCOPE, SEC-AUTHZ).
func TestClientRoutesComplete(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`handle\("([A-Z]+ /v1/[^"]*)", s\.(authed|operator)\(`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			scope, why, listed := hhttp.ClientRouteScope(m[1])
			switch {
			case m[2] == "operator" && listed:
				t.Errorf("%s: operator route %s is in the client route table", f, m[1])
			case m[2] == "authed" && !listed:
				t.Errorf("%s: %s has no entry in clientRoutes (http/oauth_scopes.go): give it the scope Hearth's pages use, or say why no client may call it", f, m[1])
			case m[2] == "authed" && scope == "" && why == "":
				t.Errorf("%s: %s takes no scope and says not why", f, m[1])
			}
		}
	}
	if n < 60 {
		t.Fatalf("found %d signed-in routes, want every one", n)
	}
}
