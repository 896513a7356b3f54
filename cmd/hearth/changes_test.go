package main

import (
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/sqlite"
)

// The next version of the thermostat manifest: a new data category, a new
// purpose on consent that uses it, and a new terms version.
const (
	newPurposeName = "Suggest when to air your rooms"
	newPurposeID   = "air-quality-tips"
)

// nextThermostat writes the next version of the thermostat manifest into
// dir and returns its path and the parsed manifest.
func nextThermostat(t *testing.T, dir string) (string, *manifest.Manifest) {
	t.Helper()
	src := string(examples.Thermostat)
	for _, r := range [][2]string{
		{`version: "2025-06"`, `version: "2026-01"`},
		{"categories: [room-temperature, humidity, setpoint, occupancy, device-health]",
			"categories: [room-temperature, humidity, setpoint, occupancy, device-health, air-quality]"},
		{"  - id: device-health\n    name: Battery",
			"  - id: air-quality\n    name: Indoor air quality\n    kind: personal\n    retention: 90d\n    values: [{field: co2_ppm, type: integer, unit: ppm}]\n  - id: device-health\n    name: Battery"},
		{"purposes:\n", "purposes:\n  - id: " + newPurposeID + "\n    name: " + newPurposeName +
			"\n    description: Watch indoor air quality and suggest when to open a window.\n    basis: consent\n    categories: [air-quality]\n"},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("the thermostat manifest has no %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	src = strings.TrimRight(src, "\n") + "\n  - version: \"2026-01\"\n    url: https://ember-home.example/terms/2026-01\n" +
		"    effective: \"2026-01-01\"\n    expected_duration: 3y\n"
	path := filepath.Join(dir, "thermostat-2026-01.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatalf("write manifest: %v", err)
	}
	m, err := manifest.Parse(path, []byte(src))
	if err != nil {
		t.Fatalf("parse next manifest: %v", err)
	}
	return path, m
}

// notification is a notification as the API lists it.
type notification struct {
	Kind, Title, Body string
}

// notifications lists every notification at path (one page is enough here).
func (a *api) notifications(path string) []notification {
	a.t.Helper()
	page := a.call("GET", path, nil, http.StatusOK)
	var out []notification
	items, _ := page["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out = append(out, notification{Kind: m["kind"].(string), Title: m["title"].(string), Body: m["body"].(string)})
	}
	return out
}

// TestManifestChangeNotifiesEveryone runs the server on the thermostat
// manifest with a household of two account holders and a profile, then
// restarts it on the next manifest version:
//   - USAGE-CHANGE, CONSENT-MULTIUSER: every member, both account holders
//     and the profile (seen through the owner), is told of the change,
//     naming the new purpose;
//   - CONSENT-OPTIN: the new consent purpose is off: nobody's consent state
//     holds it, and its readings are dropped, never stored (MIN-GATE);
//   - TOS-PERMISSION, TOS-DURATION: the accepted terms stand until the
//     person accepts the new version, which states its duration;
//   - NOTICE-CONTENT, NOTICE-SEPARATE: the notices, reachable without a
//     session, name every purpose and category of the new manifest.
func TestManifestChangeNotifiesEveryone(t *testing.T) {
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "ember-t1", 1, "")
	p := startHearth(t, data)
	owner := signUp(t, p.HTTP, "owner@example.com")
	adult := signUp(t, p.HTTP, "adult@example.com")
	people := []string{owner.person(), adult.person()}
	hh := owner.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	owner.call("POST", "/v1/households/"+hh+"/devices", map[string]string{"code": creds[0].Code}, http.StatusCreated)
	inv := owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)
	adult.call("POST", "/v1/invites/accept", map[string]any{"token": inv["token"]}, http.StatusOK)
	profile := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Gran", "role": "guest"}, http.StatusCreated)["id"].(string)
	people = append(people, profile)
	owner.call("POST", "/v1/me/terms", map[string]string{"version": "2025-06"}, http.StatusOK)
	if n := owner.notifications("/v1/me/notifications"); len(n) != 0 {
		t.Errorf("before any change: %v, want no notifications", n)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}

	path, next := nextThermostat(t, t.TempDir())
	p = startHearth(t, data, "--manifest", path)
	owner, adult = signIn(t, p.HTTP, "owner@example.com", "correct horse battery staple owner@example.com"),
		signIn(t, p.HTTP, "adult@example.com", "correct horse battery staple adult@example.com")
	members := []struct {
		name      string
		a         *api
		path      string
		wantTerms bool
	}{
		{"owner", owner, "/v1/me/notifications", true},
		{"second account holder", adult, "/v1/me/notifications", true},
		{"profile, through the owner", owner, "/v1/households/" + hh + "/people/" + profile + "/notifications", false},
	}
	for _, m := range members {
		t.Run("notified/"+m.name, func(t *testing.T) {
			kinds := map[string]notification{}
			for _, n := range m.a.notifications(m.path) {
				kinds[n.Kind] = n
			}
			changed, ok := kinds[string(hearth.NotifyManifestChanged)]
			if !ok || !strings.Contains(changed.Body, newPurposeName) || !strings.Contains(changed.Body, "stay off until you agree") {
				t.Errorf("manifest-changed notification %+v, want one naming %q and saying it stays off", changed, newPurposeName)
			}
			if _, ok := kinds[string(hearth.NotifyTermsChanged)]; ok != m.wantTerms {
				t.Errorf("terms-changed notification present = %v, want %v", ok, m.wantTerms)
			}
		})
	}

	t.Run("terms", func(t *testing.T) {
		st := owner.call("GET", "/v1/me/terms", nil, http.StatusOK)
		if st["accepted"] != "2025-06" || st["current"] != "2026-01" || st["newer_awaits"] != true {
			t.Errorf("owner's terms %v, want 2025-06 standing and 2026-01 awaiting (TOS-PERMISSION)", st)
		}
		terms := (&api{t: t, base: p.HTTP}).call("GET", "/v1/terms", nil, http.StatusOK)
		if terms["version"] != "2026-01" || terms["expected_duration"] != "3 years" || terms["previous"] != "2025-06" {
			t.Errorf("public terms %v, want 2026-01 lasting 3 years after 2025-06 (TOS-DURATION)", terms)
		}
		owner.call("POST", "/v1/me/terms", map[string]string{"version": "2025-06"}, http.StatusConflict)
		st = owner.call("POST", "/v1/me/terms", map[string]string{"version": "2026-01"}, http.StatusOK)
		if st["accepted"] != "2026-01" || st["newer_awaits"] != false {
			t.Errorf("after accepting: %v, want 2026-01", st)
		}
	})

	t.Run("notices", func(t *testing.T) {
		var want []string
		for _, pp := range next.Purposes {
			want = append(want, pp.Name)
		}
		for _, c := range next.Categories {
			want = append(want, c.Name)
		}
		for _, path := range []string{"/privacy", "/privacy.json", "/privacy.txt"} {
			body := html.UnescapeString(get(t, p.HTTP+path))
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", path, w)
				}
			}
		}
		if body := get(t, p.HTTP+"/terms"); !strings.Contains(body, "2026-01") {
			t.Errorf("/terms lacks the new version")
		}
		get(t, p.HTTP+"/privacy/children")
		if body := get(t, p.HTTP+"/.well-known/security.txt"); !strings.Contains(body, "Contact: mailto:privacy@ember-home.example") {
			t.Errorf("security.txt %q lacks the controller's contact", body)
		}
	})

	// A reading for the new purpose only is dropped; a core one is stored.
	if st := postStatus(t, p.HTTP, creds[0], payload("air-1", "air-quality", map[string]any{"co2_ppm": 900})); st < 400 || st >= 500 {
		t.Errorf("a reading only the new purpose uses: status %d, want a 4xx refusal", st)
	}
	httpPost(t, p.HTTP, creds[0], payload("temp-1", "room-temperature", map[string]any{"celsius": 20}), http.StatusCreated)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}
	checkOptIn(t, data, hh, people)
}

// person returns the signed-in account's person ID.
func (a *api) person() string {
	a.t.Helper()
	return a.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
}

// checkOptIn opens the stopped server's store: nobody's consent state
// holds the new purpose (CONSENT-OPTIN), and no reading of its category
// was stored while a core reading was (MIN-GATE).
func checkOptIn(t *testing.T, data, hh string, people []string) {
	t.Helper()
	db, err := sqlite.Open(data)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer db.Close()
	for _, id := range people {
		es, err := db.LedgerEntriesFor(t.Context(), id)
		if err != nil {
			t.Fatalf("ledger entries: %v", err)
		}
		if st, ok := consent.Fold(es)[newPurposeID]; ok && st.Status == consent.StatusGiven {
			t.Errorf("person %s: consent for %s is %s, want not given", id, newPurposeID, st.Status)
		}
	}
	for _, c := range []struct {
		category string
		want     int
	}{{"air-quality", 0}, {"room-temperature", 1}} {
		rs, err := db.Readings(t.Context(), hearth.ReadingFilter{HouseholdID: hh, Category: c.category})
		if err != nil {
			t.Fatalf("readings: %v", err)
		}
		if len(rs) != c.want {
			t.Errorf("%d %s readings stored, want %d", len(rs), c.category, c.want)
		}
	}
}

// postStatus posts a reading over HTTP with the device's secret and
// returns the status.
func postStatus(t *testing.T, base string, c cred, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/devices/"+c.ID+"/readings", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+c.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post reading: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// get fetches url without a session and returns the body; it fails unless
// the status is 200.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", url, resp.StatusCode, b)
	}
	return string(b)
}
