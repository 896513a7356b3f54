package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/http/web"
)

// TestPage serves the page and its assets with a CSP that allows no inline
// code, and the page's script calls only public API routes
// (INT-SAME-SCOPE).
func TestPage(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `<script src="/assets/app.js"`},
		{"/assets/app.js", "javascript", "/v1/sessions"},
		{"/assets/app.css", "text/css", "body"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); !strings.Contains(got, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != web.CSP {
				t.Errorf("CSP %q, want %q", got, web.CSP)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
		})
	}
	res, err := http.Get(srv.URL + "/assets/missing.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("missing asset: status %d, want 404", res.StatusCode)
	}
}

// TestPageUsesPublicAPI checks every API path in the script is under /v1/
// or a public notice: the page has no private endpoints (INT-SAME-SCOPE).
func TestPageUsesPublicAPI(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	js, _ := io.ReadAll(res.Body)
	paths := regexp.MustCompile("[\"`](/[a-z][^\"`$?]*)").FindAllStringSubmatch(string(js), -1)
	if len(paths) == 0 {
		t.Fatal("found no paths in app.js")
	}
	for _, p := range paths {
		if !strings.HasPrefix(p[1], "/v1/") && !strings.HasPrefix(p[1], "/privacy") {
			t.Errorf("app.js calls %s, not a public API route", p[1])
		}
	}
}

// TestPageShowsSupport: the page's device table shows each device's
// support period and repair information from the device list
// (LIFETIME-CLEAR, REPAIR-INFO).
func TestPageShowsSupport(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	js, _ := io.ReadAll(res.Body)
	for _, field := range []string{"security_updates_until", "security_updates_ended", "advice", "service_lifetime", "support_levels", "spare_parts", "supportText(d.support)", "repairText(d.support)"} {
		if !strings.Contains(string(js), field) {
			t.Errorf("app.js does not show %s", field)
		}
	}
}
