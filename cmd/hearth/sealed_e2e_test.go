package main

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/sqlite"
)

// TestStorageScanPersonalFields plants markers in an e-mail address, a
// display name, a profile's name and a household's name through the API,
// stores settings and an objection to marketing, gets notifications (a
// manifest change), then checks
// that none of them, nor the notifications' texts, appear in any file of
// the data directory (hearth.db, its WAL, keys.db), while the server runs
// and after it stops; the settings row holds nothing in clear. Sign-in by
// e-mail still works in any letter case, and an address stays unique in
// any letter case (SEC-ENCRYPT, RIGHT-ERASE: nothing readable about a
// person outlives their key).
func TestStorageScanPersonalFields(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const (
		email   = "Scan.Marker.e2f1@Example.COM"
		pw      = "correct horse battery staple scan"
		name    = "MarkerName-3b9e"
		home    = "MarkerHome-c41d"
		profile = "MarkerProfile-7a20"
	)
	anon := &api{t: t, base: p.HTTP}
	anon.call("POST", "/v1/accounts", map[string]string{"email": email, "password": pw, "display_name": name}, http.StatusAccepted)
	anon.call("POST", "/v1/accounts", map[string]string{"email": strings.ToUpper(email), "password": pw, "display_name": "Dup"}, http.StatusAccepted)
	owner := signIn(t, p.HTTP, strings.ToUpper(email), pw)
	if got := owner.call("GET", "/v1/me", nil, http.StatusOK)["email"]; got != strings.ToLower(email) {
		t.Errorf("GET /v1/me email = %v, want %s", got, strings.ToLower(email))
	}
	me := owner.person()
	hh := owner.call("POST", "/v1/households", map[string]string{"name": home}, http.StatusCreated)["id"].(string)
	prof := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": profile, "role": "guest"}, http.StatusCreated)["id"].(string)
	owner.call("PUT", "/v1/households/"+hh+"/people/"+me+"/settings", map[string]any{
		"features": []string{"weather-compensation"}, "purposes": []string{}, "location": "city",
		"feature_location": map[string]string{"weather-compensation": "city"}}, http.StatusOK)
	owner.call("POST", "/v1/households/"+hh+"/people/"+me+"/objections/marketing", map[string]any{"object": true, "password": pw}, http.StatusOK)
	if got := owner.call("GET", "/v1/households/"+hh, nil, http.StatusOK)["name"]; got != home {
		t.Errorf("household name = %v, want %s", got, home)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}

	path, _ := nextThermostat(t, t.TempDir()) // a manifest change notifies everyone
	p = startHearth(t, data, "--manifest", path)
	owner = signIn(t, p.HTTP, strings.ToLower(email), pw)
	markers := []string{email, strings.ToLower(email), "scan.marker", name, home, profile}
	notes := append(owner.notifications("/v1/me/notifications"),
		owner.notifications("/v1/households/"+hh+"/people/"+prof+"/notifications")...)
	if len(notes) < 2 {
		t.Fatalf("got %d notifications, want the owner's and the profile's", len(notes))
	}
	for _, n := range notes {
		markers = append(markers, n.Title, n.Body)
	}
	st := owner.call("GET", "/v1/households/"+hh+"/people/"+me+"/settings", nil, http.StatusOK)
	if st["location"] != "city" {
		t.Errorf("settings location = %v, want city", st["location"])
	}
	for _, m := range markers {
		scanFor(t, data, m)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v; stderr:\n%s", err, p.stderr)
	}
	for _, m := range markers {
		scanFor(t, data, m)
	}
	checkSettingsRows(t, data)
}

// checkSettingsRows fails unless every settings row keeps its values only
// sealed: the clear columns hold nothing.
func checkSettingsRows(t *testing.T, data string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, sqlite.DataFile)+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", sqlite.DataFile, err)
	}
	defer db.Close()
	var rows, clear int
	err = db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE features != '[]' OR purposes != '[]' OR location != ''
		OR feature_location != '{}' OR rights != '{}' OR sealed IS NULL) FROM settings`).Scan(&rows, &clear)
	if err != nil {
		t.Fatalf("query settings: %v", err)
	}
	if rows == 0 || clear != 0 {
		t.Errorf("settings: %d rows, %d with values in clear or nothing sealed; want some rows, none in clear", rows, clear)
	}
}
