package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	hhttp "github.com/hearth-iot/hearth/http"
)

// browser is a cookie-keeping client of the pages that, like a browser,
// sends the Origin of the site with its form posts and does not follow
// redirects (tests check where they go).
type browser struct {
	e      *env
	client *http.Client
	last   page // the last page fetched
}

// page is a fetched page.
type page struct {
	status   int
	location string // the redirect target, for a 3xx
	body     string
}

// newBrowser returns a browser with no cookies.
func (e *env) newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, client: &http.Client{Jar: jar, Transport: e.client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatalf("read body: %v", err)
	}
	b.last = page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body)}
	return b.last
}

// get fetches path.
func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.url+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// csrf returns the CSRF token of the last page fetched.
func (b *browser) csrf() string {
	b.e.t.Helper()
	m := csrfInput.FindStringSubmatch(b.last.body)
	if m == nil {
		b.e.t.Fatalf("the last page has no CSRF token: %.300s", b.last.body)
	}
	return m[1]
}

// post sends form to path as a browser would, with the CSRF token of the
// last page fetched unless form carries its own.
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	return b.postFrom("", path, form)
}

// postFrom posts as post does; a non-empty addr is the client address a
// trusted proxy names (X-Forwarded-For).
func (b *browser) postFrom(addr, path string, form url.Values) page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf())
	}
	req, err := http.NewRequest("POST", b.e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return b.do(req)
}

// submit fetches the page at from and posts form to action with its token.
func (b *browser) submit(from, action string, form url.Values) page {
	b.e.t.Helper()
	if p := b.get(from); p.status != 200 {
		b.e.t.Fatalf("GET %s: status %d, want 200: %.300s", from, p.status, p.body)
	}
	return b.post(action, form)
}

// signUp creates an account on the sign-up page and signs in on the
// sign-in page; it returns the person's ID, read from the home page.
func (b *browser) signUp(name string) {
	b.e.t.Helper()
	email := strings.ToLower(name) + "@example.org"
	if p := b.submit("/signup", "/signup", url.Values{"display_name": {name}, "email": {email}, "password": {"correct horse battery staple"}}); p.status != 303 {
		b.e.t.Fatalf("sign up: status %d: %.300s", p.status, p.body)
	}
	if p := b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {"correct horse battery staple"}}); p.status != 303 {
		b.e.t.Fatalf("sign in: status %d: %.500s", p.status, p.body)
	}
}

// wantPage checks a page's status and that it contains each of texts.
func wantPage(t *testing.T, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; location %q; body %.600s", p.status, status, p.location, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("page lacks %q: %.1500s", s, p.body)
		}
	}
}

// unreadable finds a route registration whose pattern is not one string
// literal.
var unreadable = regexp.MustCompile(`\thandle\((?:[^"]|"[^"]*"\s*\+)[^\n]*`)

// pageRoutes reads the page patterns registered in the page_*.go files,
// with whether each is public (registered with s.publicPage).
func pageRoutes(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("page_*.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	re := regexp.MustCompile(`handle\("([^"]+)", s\.(publicPage|page|pageWith)\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		matched := re.FindAllStringSubmatch(string(src), -1)
		for _, m := range matched {
			routes[m[1]] = m[2] == "publicPage"
		}
		// A pattern this test cannot read would escape its checks.
		if m := unreadable.FindString(string(src)); m != "" {
			t.Errorf("%s: %q: write every pattern out whole, as handle(\"METHOD /path\", s.page(…)), for this test to read it", f, m)
		}
	}
	if len(routes) < 5 {
		t.Fatalf("found %d page routes, want every one", len(routes))
	}
	return routes
}

// fill puts placeholder IDs in a route pattern.
func fill(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, "x1")
	return method, strings.ReplaceAll(path, "{$}", "")
}

// TestPageRoutes checks every page route that is not public sends a
// visitor without a session to sign in, and every form route refuses a
// post without the page's CSRF token, changing nothing (SEC-AUTHZ).
func TestPageRoutes(t *testing.T) {
	e := newEnv(t)
	forger := e.newBrowser()
	forger.signUp("Forger")
	for pattern, public := range pageRoutes(t) {
		method, path := fill(pattern)
		if !public {
			t.Run(pattern+"/anonymous", func(t *testing.T) {
				b := e.newBrowser()
				var p page
				if method == "GET" {
					p = b.get(path)
				} else {
					b.get("/signin")
					p = b.post(path, nil)
				}
				if p.status != 303 || !strings.HasPrefix(p.location, "/signin") {
					t.Errorf("status %d to %q, want 303 to /signin", p.status, p.location)
				}
			})
		}
		if method == "POST" {
			t.Run(pattern+"/forged CSRF token", func(t *testing.T) {
				p := forger.post(path, url.Values{"csrf_token": {"forged"}})
				if p.status != 303 {
					t.Fatalf("status %d, want 303 back to the form", p.status)
				}
				if f := forger.get(p.location); !strings.Contains(f.body, "did not come from this site") {
					t.Errorf("the page after a forged post does not say why: %.600s", f.body)
				}
			})
		}
	}
}

// TestPageSignIn signs up and in on the pages, keeps what was typed beside
// the error of a bad form, and refuses a sign-in from another site.
func TestPageSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	wantPage(t, b.get("/"), 200, "Sign in", `name="csrf_token"`)
	p := b.submit("/signup", "/signup", url.Values{"display_name": {"Ada"}, "email": {"not-an-address"}, "password": {"correct horse battery staple"}})
	wantPage(t, p, 400, `value="not-an-address"`, `aria-invalid="true"`, `value="Ada"`)
	b.signUp("Ada")
	wantPage(t, b.get("/"), 200, "Hello, Ada", "Set up a household")
	b.get("/")
	p = b.post("/signout", nil)
	if p.status != 303 {
		t.Fatalf("sign out: status %d", p.status)
	}
	if p := b.get("/account"); p.status != 303 || !strings.HasPrefix(p.location, "/signin?next=") {
		t.Errorf("after signing out: %d to %q, want 303 to /signin?next=", p.status, p.location)
	}
	// A wrong password shows the error and keeps the address typed.
	p = b.submit("/signin", "/signin", url.Values{"email": {"ada@example.org"}, "password": {"wrong horse battery staple"}})
	wantPage(t, p, 401, `value="ada@example.org"`)
}

// TestPageExpiredSession sends a browser whose session ended to sign in,
// saying so, and returns it to the page after.
func TestPageExpiredSession(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Bea")
	u, _ := url.Parse(e.url)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "hearth_session", Value: "ended-session-token", Path: "/"}})
	p := b.get("/account")
	if p.status != 303 || p.location != "/signin?next=%2Faccount" {
		t.Fatalf("status %d to %q, want 303 to /signin?next=%%2Faccount", p.status, p.location)
	}
	wantPage(t, b.get(p.location), 200, "Your session has ended")
	p = b.post("/signin", url.Values{"email": {"bea@example.org"}, "password": {"correct horse battery staple"}, "next": {"/account"}})
	if p.status != 303 || p.location != "/account" {
		t.Errorf("after signing in: %d to %q, want /account", p.status, p.location)
	}
	// The sign-in page returns only to its own site's pages.
	b.get("/signout")
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		b2 := e.newBrowser()
		p := b2.submit("/signin", "/signin", url.Values{"email": {"bea@example.org"}, "password": {"correct horse battery staple"}, "next": {next}})
		if p.location != "/" {
			t.Errorf("next=%q: redirected to %q, want /", next, p.location)
		}
	}
}

// TestPageSignInFlood: wrong passwords posted to the sign-in page meet the
// same per-account-and-address lock as the API (a 429 page with
// Retry-After, the error above the form, the address kept), and the
// account's holder, from another address, still signs in on the page
// (SEC-BRUTE).
func TestPageSignInFlood(t *testing.T) {
	e := newEnvWith(t, envOptions{server: func(c *hhttp.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	e.user("Ada")
	attacker := e.newBrowser()
	attacker.get("/signin")
	token := attacker.csrf()
	locked := false
	for i := 0; i < 100 && !locked; i++ {
		p := attacker.postFrom("203.0.113.9", "/signin", url.Values{"csrf_token": {token}, "email": {"ada@example.org"}, "password": {fmt.Sprintf("wrong guess %d", i)}})
		switch p.status {
		case 401:
		case 429:
			locked = true
			wantPage(t, p, 429, `value="ada@example.org"`)
		default:
			t.Fatalf("attempt %d: status %d", i, p.status)
		}
	}
	if !locked {
		t.Fatal("100 wrong passwords from one address were never refused with 429")
	}
	ada := e.newBrowser()
	ada.get("/signin")
	p := ada.postFrom("198.51.100.7", "/signin", url.Values{"email": {"ada@example.org"}, "password": {"correct horse battery staple"}})
	if p.status != 303 || p.location != "/" {
		t.Fatalf("the holder from another address: status %d to %q, want 303 to /", p.status, p.location)
	}
}

// TestPagesCallOnlyWhatTheAPICalls reads every service call of the page
// handlers (s.Service.Method) and fails on one no API handler makes, so the
// pages stay within what a third-party client can do (INT-SAME-SCOPE).
func TestPagesCallOnlyWhatTheAPICalls(t *testing.T) {
	// Calls a page may make that no API handler makes, with why.
	allowed := map[string]string{
		"Rights.Authorize":  "the data page's authorisation: the same check every rights service method the API calls makes first",
		"Consents.Describe": "a purpose's facts from the manifest, the same facts /privacy.json serves to anyone",
		"OAuth.Client":      "the OAuth consent screen names the client asking: the authorization endpoint is a page by nature (RFC 6749)",
	}
	call := regexp.MustCompile(`s\.([A-Z][A-Za-z]+)\.([A-Z][A-Za-z]+)\(`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	api, pages := map[string]bool{}, map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			if strings.HasPrefix(f, "page") {
				pages[m[1]+"."+m[2]] = f
			} else {
				api[m[1]+"."+m[2]] = true
			}
		}
	}
	if len(pages) < 20 || len(api) < 20 {
		t.Fatalf("found %d page calls and %d API calls, want every one", len(pages), len(api))
	}
	for c, f := range pages {
		if !api[c] && allowed[c] == "" {
			t.Errorf("%s calls %s, which no API handler calls: add the API route, so third-party clients can do what the page does", f, c)
		}
	}
}
