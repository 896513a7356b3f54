package http_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/consent"
	hhttp "github.com/hearth-iot/hearth/http"
)

const adaSignIn = `{"email":"ada@example.org","password":"correct horse battery staple"}`

// SEC-BRUTE: a JSON body must say Content-Type: application/json. A
// cross-site form (text/plain, form-urlencoded, multipart) is refused with
// 415 before anything is read, so a form on another site cannot sign a
// visitor in to the attacker's account (login CSRF) or sign anyone up.
func TestJSONContentType(t *testing.T) {
	e := newEnv(t)
	e.user("Ada")
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonp", "text/json"} {
		r := e.do("POST", "/v1/sessions", "", adaSignIn, "Content-Type", ct)
		p := problem(t, r, 415)
		if !strings.Contains(p.Detail, "Content-Type: application/json") {
			t.Errorf("Content-Type %q: detail %q, want it to name the type to send", ct, p.Detail)
		}
		if c := r.header.Get("Set-Cookie"); c != "" {
			t.Errorf("Content-Type %q: a session cookie was set: %s", ct, c)
		}
		problem(t, e.do("POST", "/v1/accounts", "", `{"email":"eve@example.org","password":"correct horse battery staple","display_name":"Eve"}`, "Content-Type", ct), 415)
	}
	problem(t, e.do("POST", "/v1/sessions", "", `{"email":"eve@example.org","password":"correct horse battery staple"}`), 401) // no account was made
	e.want(e.do("POST", "/v1/sessions", "", adaSignIn, "Content-Type", "application/json; charset=utf-8"), 201)
}

// SEC-BRUTE: sign-up answers the same, status and body, whether or not the
// e-mail address has an account; the account's owner is told in their
// notifications and keeps their password.
func TestSignUpNoEnumeration(t *testing.T) {
	e := newEnv(t)
	token, _ := e.user("Ada")
	fresh := e.do("POST", "/v1/accounts", "", `{"email":"bob@example.org","password":"another fine passphrase","display_name":"Bob"}`)
	taken := e.do("POST", "/v1/accounts", "", `{"email":"ADA@example.org","password":"another fine passphrase","display_name":"Mallory"}`)
	if fresh.status != 202 || taken.status != fresh.status || string(taken.body) != string(fresh.body) {
		t.Errorf("new address: %d %s; taken address: %d %s; want the same 202", fresh.status, fresh.body, taken.status, taken.body)
	}
	e.want(e.do("POST", "/v1/sessions", "", adaSignIn), 201)
	notes := e.want(e.do("GET", "/v1/me/notifications", token, ""), 200)
	if !strings.Contains(string(notes.body), "sign-up-attempt") {
		t.Errorf("Ada's notifications hold no sign-up attempt: %s", notes.body)
	}
}

// flood sends n wrong sign-ins for ada@example.org with the given headers
// and returns how many were refused with 429.
func flood(e *env, n int, headers ...string) int {
	throttled := 0
	for range n {
		r := e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"a wrong guess"}`, headers...)
		if r.status == 429 {
			throttled++
		}
	}
	return throttled
}

// SEC-BRUTE: behind a trusted proxy the client address comes from
// X-Forwarded-For, so a stranger's flood of wrong passwords locks out the
// stranger and not the owner behind the same proxy; an entry a client
// prepends itself is not believed. Without a trusted proxy the header is
// ignored and rotating it does not escape the limit.
func TestTrustedProxy(t *testing.T) {
	behind := newEnvWith(t, envOptions{server: func(c *hhttp.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	behind.user("Ada")
	if got := flood(behind, 3*auth.SignInPerAccount, "X-Forwarded-For", "198.51.100.1, 203.0.113.66"); got == 0 {
		t.Fatalf("the stranger's flood was never throttled")
	}
	if got := flood(behind, 1, "X-Forwarded-For", "192.0.2.200, 203.0.113.66"); got != 1 {
		t.Errorf("the stranger with a prepended X-Forwarded-For entry was not throttled")
	}
	behind.want(behind.do("POST", "/v1/sessions", "", adaSignIn, "X-Forwarded-For", "192.0.2.10"), 201)

	direct := newEnv(t)
	direct.user("Ada")
	throttled := 0
	for i := range 3 * auth.SignInPerAccount {
		throttled += flood(direct, 1, "X-Forwarded-For", "203.0.113."+string(rune('1'+i%9)))
	}
	if throttled == 0 {
		t.Errorf("rotating X-Forwarded-For without a trusted proxy escaped the limit")
	}
}

// SEC-BRUTE: the session cookie is Secure and responses carry HSTS when the
// request came over TLS through a trusted proxy (X-Forwarded-Proto: https),
// and not over plain HTTP or when an untrusted peer claims TLS.
func TestSecureBehindProxy(t *testing.T) {
	behind := newEnvWith(t, envOptions{server: func(c *hhttp.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	behind.user("Ada")
	direct := newEnv(t)
	direct.user("Ada")
	for _, tt := range []struct {
		name   string
		e      *env
		proto  string
		secure bool
	}{
		{"trusted proxy over TLS", behind, "https", true},
		{"trusted proxy over plain HTTP", behind, "http", false},
		{"untrusted peer claiming TLS", direct, "https", false},
	} {
		r := tt.e.want(tt.e.do("POST", "/v1/sessions", "", adaSignIn, "X-Forwarded-Proto", tt.proto), 201)
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == hhttp.SessionCookie {
				cookie = c
			}
		}
		if cookie == nil || cookie.Secure != tt.secure {
			t.Errorf("%s: cookie %+v, want Secure %v", tt.name, cookie, tt.secure)
		}
		if got := r.header.Get("Strict-Transport-Security") != ""; got != tt.secure {
			t.Errorf("%s: HSTS header %q, want present %v", tt.name, r.header.Get("Strict-Transport-Security"), tt.secure)
		}
	}
}

// SEC-BRUTE: GET .../consents/{purpose}/request shows the request and
// writes nothing to the ledger; POST records it as shown, and a flood of
// POSTs is cut off with 429 and Retry-After after consent.RequestsRecorded.
func TestConsentRequestShownIsPost(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("Owner")
	hh := e.household(owner)
	url := "/v1/households/" + hh + "/people/" + ownerID + "/consents/energy-insights/request"
	entries := func() int {
		es, err := e.db.LedgerEntriesFor(t.Context(), ownerID)
		if err != nil {
			t.Fatalf("ledger: %v", err)
		}
		return len(es)
	}
	before := entries()
	for range 20 {
		e.want(e.do("GET", url, owner, ""), 200)
	}
	if got := entries(); got != before {
		t.Fatalf("GETs wrote %d ledger entries, want none", got-before)
	}
	limited := 0
	for range 3 * consent.RequestsRecorded {
		r := e.do("POST", url, owner, "")
		switch r.status {
		case 201:
		case 429:
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		default:
			t.Fatalf("POST %s: status %d, body %s", url, r.status, r.body)
		}
	}
	if got, want := entries()-before, 2*consent.RequestsRecorded; got != want || limited != 2*consent.RequestsRecorded {
		t.Errorf("%d POSTs recorded %d entries with %d refused, want %d entries", 3*consent.RequestsRecorded, got, limited, want)
	}
}

// SEC-BRUTE: a flood of failed sign-ins from thousands of client addresses
// (behind a trusted proxy), each with a different e-mail address of nearly
// 64 KiB, leaves the heap flat (the failure counters keep fixed-size
// hashes, in a bounded table), and the owner still signs in.
func TestSignInFloodMemoryFlat(t *testing.T) {
	e := newEnvWith(t, envOptions{server: func(c *hhttp.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	e.user("Ada")
	long := strings.Repeat("x", 60<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const flood = 2000
	for i := range flood {
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		body := fmt.Sprintf(`{"email":"%d%s@example.org","password":"a wrong guess"}`, i, long)
		if r := e.do("POST", "/v1/sessions", "", body, "X-Forwarded-For", addr); r.status != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i, r.status)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Keeping the keys would take flood × 60 KiB = 117 MiB.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("heap grew by %d bytes after %d sign-ins with 60 KiB e-mail addresses, want under 8 MiB", grew, flood)
	}
	e.want(e.do("POST", "/v1/sessions", "", adaSignIn, "X-Forwarded-For", "192.0.2.10"), 201)
}
