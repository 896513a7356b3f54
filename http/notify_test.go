package http_test

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestNotificationsAPI: a person lists their notifications in pages and
// marks them read; nobody else can; the owner reads a profile's
// (USAGE-CHANGE, CONSENT-MULTIUSER, SEC-AUTHZ).
func TestNotificationsAPI(t *testing.T) {
	e := newEnv(t)
	own, ownID := e.user("Ann")
	other, _ := e.user("Bob")
	hh := e.household(own)
	kid := e.want(e.do("POST", "/v1/households/"+hh+"/people", own, `{"display_name":"Kid","role":"guest"}`), 201).json(t)["id"].(string)
	var ns []hearth.Notification
	for i, p := range []string{ownID, ownID, kid} {
		ns = append(ns, hearth.Notification{ID: fmt.Sprintf("n_%d", i), PersonID: p, HouseholdID: hh, Kind: hearth.NotifyManifestChanged,
			Title: "Changed", Body: fmt.Sprintf("body %d", i), Created: time.Date(2025, 7, 1, 9, i, 0, 0, time.UTC)})
	}
	if err := e.db.AddNotifications(t.Context(), ns); err != nil {
		t.Fatalf("AddNotifications: %v", err)
	}
	page := func(path, token string) (ids []string, next string) {
		t.Helper()
		var p struct {
			Items []struct{ ID, Read string }
			Next  string
		}
		if err := json.Unmarshal(e.want(e.do("GET", path, token, ""), 200).body, &p); err != nil {
			t.Fatalf("decode page: %v", err)
		}
		for _, it := range p.Items {
			ids = append(ids, it.ID+map[bool]string{true: "(read)"}[it.Read != ""])
		}
		return ids, p.Next
	}
	ids, next := page("/v1/me/notifications?limit=1", own)
	if got, want := fmt.Sprint(ids, " ", next), "[n_1] n_1"; got != want {
		t.Errorf("page 1 = %s, want %s", got, want)
	}
	ids, next = page("/v1/me/notifications?limit=1&cursor="+next, own)
	if got, want := fmt.Sprint(ids, " ", next), "[n_0] n_0"; got != want {
		t.Errorf("page 2 = %s, want %s", got, want)
	}
	problem(t, e.do("POST", "/v1/me/notifications/n_0/read", other, ""), 404)
	e.want(e.do("POST", "/v1/me/notifications/n_0/read", own, ""), 204)
	if ids, _ = page("/v1/me/notifications", own); fmt.Sprint(ids) != "[n_1 n_0(read)]" {
		t.Errorf("after marking n_0 read: %v, want [n_1 n_0(read)]", ids)
	}
	if ids, _ = page("/v1/me/notifications", other); len(ids) != 0 {
		t.Errorf("Bob sees %v, want nothing", ids)
	}
	if ids, _ = page("/v1/households/"+hh+"/people/"+kid+"/notifications", own); fmt.Sprint(ids) != "[n_2]" {
		t.Errorf("the kid's notifications %v, want [n_2]", ids)
	}
	for _, bad := range []string{"?limit=x", "?limit=101", "?limit=-1", "?cursor=n_2"} {
		problem(t, e.do("GET", "/v1/me/notifications"+bad, own, ""), 400)
	}
}

// TestTermsAPI: TOS-DURATION: the public terms state their expected
// duration; TOS-PERMISSION: only the current version can be accepted, and
// it is then the person's accepted version.
func TestTermsAPI(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Ann")
	terms := e.want(e.do("GET", "/v1/terms", "", ""), 200).json(t)
	if terms["version"] != "2025-06" || terms["expected_duration"] != "5 years" {
		t.Errorf("terms %v, want version 2025-06 lasting 5 years", terms)
	}
	st := e.want(e.do("GET", "/v1/me/terms", own, ""), 200).json(t)
	if st["accepted"] != nil || st["current"] != "2025-06" || st["newer_awaits"] != true {
		t.Errorf("status before accepting %v, want nothing accepted and 2025-06 awaiting", st)
	}
	tests := []struct {
		name, body string
		want       int
	}{
		{"no version", `{}`, 400},
		{"unknown version", `{"version":"1999"}`, 400},
		{"unknown field", `{"version":"2025-06","bundle":true}`, 400},
		{"current", `{"version":"2025-06"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do("POST", "/v1/me/terms", own, tt.body)
			if res.status != tt.want {
				t.Errorf("status %d, want %d; body %s", res.status, tt.want, res.body)
			}
		})
	}
	st = e.want(e.do("GET", "/v1/me/terms", own, ""), 200).json(t)
	if st["accepted"] != "2025-06" || st["newer_awaits"] != false {
		t.Errorf("status after accepting %v, want 2025-06 accepted", st)
	}
}

// TestNoticesServed: NOTICE-CONTENT: the served notices name every purpose
// and category of the manifest the server enforces; NOTICE-LAYERED,
// NOTICE-AUDIENCE: HTML, JSON, voice text and a children's page;
// NOTICE-SEPARATE: the terms are a page of their own and no notice holds a
// form. All without a session, with browser-safe headers.
func TestNoticesServed(t *testing.T) {
	e := newEnv(t)
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var names []string
	for _, p := range m.Purposes {
		names = append(names, p.Name)
	}
	for _, c := range m.Categories {
		names = append(names, c.Name)
	}
	tests := []struct {
		path, contentType string
		unescape          func(string) string
		want              []string
	}{
		{"/privacy", "text/html; charset=utf-8", html.UnescapeString, names},
		{"/privacy.json", "application/json", func(s string) string { return s }, names},
		{"/privacy.txt", "text/plain; charset=utf-8", func(s string) string { return s }, names},
		{"/privacy/children", "text/html; charset=utf-8", html.UnescapeString, nil},
		{"/terms", "text/html; charset=utf-8", html.UnescapeString, []string{"2025-06", "5 years"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := e.want(e.do("GET", tt.path, "", ""), 200)
			if got := res.header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'none'", got)
			}
			body := tt.unescape(string(res.body))
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", tt.path, w)
				}
			}
			if strings.Contains(strings.ToLower(body), "<form") {
				t.Errorf("%s holds a form: notices hold no consent control", tt.path)
			}
		})
	}
}
