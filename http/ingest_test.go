package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// readingPayload returns a device reading with message ID id whose values
// hold marker.
func readingPayload(id, category, marker string) string {
	return fmt.Sprintf(`{"id":%q,"time":%q,"category":%q,"values":{"celsius":21.5,"source":%q}}`,
		id, time.Now().UTC().Format(time.RFC3339), category, marker)
}

// Device ingestion over HTTP through the real ingest service: 201 stored,
// 200 duplicate, precise problems otherwise; the reading reads back through
// the reading API.
func TestDeviceReadings(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	hh := e.household(owner)
	dev, secret := e.device(owner, hh)
	path := "/v1/devices/" + dev + "/readings"
	body := readingPayload("m1", "setpoint", "hello")
	r := e.want(e.do("POST", path, secret, body), 201).json(t)
	if r["status"] != "stored" || r["reading_id"] == nil {
		t.Errorf("response = %v, want stored with a reading_id", r)
	}
	if r := e.want(e.do("POST", path, secret, body), 200).json(t); r["status"] != "duplicate" {
		t.Errorf("resend = %v, want duplicate", r)
	}
	tests := []struct {
		name   string
		path   string
		secret string
		body   string
		status int
	}{
		{"wrong secret", path, "not-the-secret", body, 401},
		{"another device's path", "/v1/devices/dev_other/readings", secret, body, 401},
		{"oversized", path, secret, `{"id":"m9","values":{"x":"` + strings.Repeat("a", hearth.MaxReadingSize) + `"}}`, 413},
		{"malformed", path, secret, `{"id":"m3",`, 400},
		{"undeclared category", path, secret, readingPayload("m4", "heart-rate", "x"), 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problem(t, e.do("POST", tt.path, tt.secret, tt.body), tt.status)
		})
	}
	page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control&category=setpoint", owner, ""), 200).json(t)
	rs := page["readings"].([]any)
	if len(rs) != 1 {
		t.Fatalf("%d readings, want 1: %v", len(rs), page)
	}
	values := rs[0].(map[string]any)["values"].(map[string]any)
	if values["source"] != "hello" || rs[0].(map[string]any)["device_id"] != dev {
		t.Errorf("reading = %v, want the stored values from %s", rs[0], dev)
	}
}

func TestReadingPages(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	hh := e.household(owner)
	dev, secret := e.device(owner, hh)
	for i := range 5 {
		e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload(fmt.Sprint("m", i), "setpoint", fmt.Sprint(i))), 201)
	}
	var notes []string
	cursor := ""
	for range 10 {
		page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control&limit=2&cursor="+cursor, owner, ""), 200).json(t)
		for _, r := range page["readings"].([]any) {
			notes = append(notes, r.(map[string]any)["values"].(map[string]any)["source"].(string))
		}
		if cursor = page["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if got, want := strings.Join(notes, ","), "0,1,2,3,4"; got != want {
		t.Errorf("paged notes = %s, want %s", got, want)
	}
}

// Browser sessions: the cookie is HttpOnly and SameSite, authenticates, and
// a cross-site state-changing request carrying it is refused (CSRF).
func TestCookieSession(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/v1/accounts", "", `{"email":"ada@example.org","password":"correct horse battery staple","display_name":"Ada"}`), 202)
	r := e.want(e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"correct horse battery staple"}`), 201)
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "hearth_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Value == "" {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, with a value", cookie)
	}
	c := "hearth_session=" + cookie.Value
	e.want(e.do("GET", "/v1/me", "", "", "Cookie", c), 200)
	problem(t, e.do("POST", "/v1/households", "", `{"name":"Home"}`, "Cookie", c, "Sec-Fetch-Site", "cross-site"), 403)
	problem(t, e.do("POST", "/v1/households", "", `{"name":"Home"}`, "Cookie", c, "Origin", "https://evil.example"), 403)
	e.want(e.do("POST", "/v1/households", "", `{"name":"Home"}`, "Cookie", c, "Sec-Fetch-Site", "same-origin"), 201)
}

func TestOperations(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("GET", "/healthz", "", ""), 200)
	problem(t, e.do("GET", "/v1/nothing-here", "", ""), 404)
	r := e.do("PUT", "/v1/accounts", "", "{}")
	problem(t, r, 405)
	if got, want := r.header.Get("Allow"), "POST"; got != want {
		t.Errorf("Allow = %q, want %q", got, want)
	}
	problem(t, e.do("GET", "/v1/me", "", ""), 401)
	m := e.want(e.do("GET", "/metrics", "", ""), 200)
	for _, want := range []string{
		`hearth_http_requests_total{code="200",route="GET /healthz"} 1`,
		`hearth_errors_total{code="unauthorized"} 1`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
