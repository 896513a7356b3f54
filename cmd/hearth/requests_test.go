package main

import (
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/sqlite"
)

// TestRightsRequestsQueue drives the rights request log end to end on a
// running server (RIGHT-REQUESTS, RIGHT-UNREGISTERED): the owner opens a
// request for themselves and one for a profile without an account, each
// after re-entering their password; `hearth requests` lists both for the
// operator, earliest deadline first, without names; `hearth requests update`
// closes one, and the owner sees the outcome through the API.
func TestRightsRequestsQueue(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const email = "owner@example.com"
	owner := signUp(t, p.HTTP, email)
	ownerID := owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	hh := owner.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	gran := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Granny Weatherwax", "role": "guest"}, http.StatusCreated)["id"].(string)
	pw := "correct horse battery staple " + email
	path := func(person string) string { return "/v1/households/" + hh + "/people/" + person + "/requests" }

	owner.call("POST", path(ownerID), map[string]string{"type": "access", "password": "wrong password entirely"}, http.StatusForbidden)
	first := owner.call("POST", path(ownerID), map[string]string{"type": "adm-review", "scope": "purpose:heating-control", "password": pw}, http.StatusCreated)
	second := owner.call("POST", path(gran), map[string]string{"type": "erasure", "password": pw}, http.StatusCreated)
	if second["identity_check"] != "owner" {
		t.Errorf("request for the profile: identity_check %v, want owner", second["identity_check"])
	}

	code, out, errOut := runHearth(t, t.Context(), "requests", "--data", data)
	if code != 0 {
		t.Fatalf("hearth requests: exit %d\n%s%s", code, out, errOut)
	}
	i, j := strings.Index(out, first["id"].(string)), strings.Index(out, second["id"].(string))
	if i < 0 || j < 0 || i > j {
		t.Errorf("hearth requests:\n%s\nwant %s then %s (earliest deadline first)", out, first["id"], second["id"])
	}
	if strings.Contains(out, "Granny") || strings.Contains(out, email) {
		t.Errorf("hearth requests shows a name or address:\n%s", out)
	}
	if strings.Count(out, "\n") != 3 {
		t.Errorf("hearth requests:\n%s\nwant a header and two requests: the refused opening is not recorded", out)
	}

	code, out, errOut = runHearth(t, t.Context(), "requests", "update", "--data", data, "--id", first["id"].(string),
		"--status", "done", "--outcome", "a person reviewed the heating schedule decision; it stands")
	if code != 0 {
		t.Fatalf("hearth requests update: exit %d\n%s%s", code, out, errOut)
	}
	got := owner.call("GET", path(ownerID)+"/"+first["id"].(string), nil, http.StatusOK)
	if got["status"] != "done" || !strings.Contains(got["outcome"].(string), "reviewed") || got["completed"] == nil {
		t.Errorf("after the operator's update: %v, want done with the outcome", got)
	}
	code, _, errOut = runHearth(t, t.Context(), "requests", "update", "--data", data, "--id", first["id"].(string), "--status", "refused", "--outcome", "x")
	if code != exitError || !strings.Contains(errOut, "closed") {
		t.Errorf("updating a closed request: exit %d, %s; want 1 saying it is closed", code, errOut)
	}
	code, out, _ = runHearth(t, t.Context(), "requests", "--data", data)
	if code != 0 || strings.Contains(out, first["id"].(string)) || !strings.Contains(out, second["id"].(string)) {
		t.Errorf("hearth requests after closing the first: exit %d\n%s", code, out)
	}
}

// TestRightsLogOutlivesErasure: closing an account erases the person, but
// their rights requests stay in the log as evidence that they were
// answered, holding no name or address (RIGHT-REQUESTS, RIGHT-ERASE).
func TestRightsLogOutlivesErasure(t *testing.T) {
	h := newRightsHome(t, "ember-t1")
	person := "/v1/households/" + h.hh + "/people/" + h.me
	h.owner.call("POST", person+"/restrictions", map[string]any{"purpose": "device-security", "restrict": true, "password": h.password}, http.StatusOK)
	h.owner.call("POST", "/v1/me/close", map[string]any{"password": h.password, "confirm": true}, http.StatusOK)
	if err := h.p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.data, sqlite.DataFile)+"?mode=ro")
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT type, status, scope || ' ' || outcome FROM rights_requests WHERE person_id = ?", h.me)
	if err != nil {
		t.Fatalf("query the log: %v", err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var typ, status, text string
		if err := rows.Scan(&typ, &status, &text); err != nil {
			t.Fatal(err)
		}
		got[typ] = status
		if strings.Contains(text, "owner@example.com") || strings.Contains(text, "Tester") {
			t.Errorf("the log holds personal data: %q", text)
		}
	}
	if got["restriction"] != "done" || got["erasure"] == "" {
		t.Errorf("log after the erasure = %v, want the restriction and the erasure kept", got)
	}
}

// TestReviewWithView: a person asks for a human review of an automated
// decision with their view in their own words (RIGHT-ADM); the request waits
// in the operators' queue, `hearth requests show` prints the view for the
// operator, and hearth.db holds it only sealed (SEC-ENCRYPT).
func TestReviewWithView(t *testing.T) {
	h := newRightsHome(t, "stride-band-2", "--manifest", fitnessManifest)
	person := "/v1/households/" + h.hh + "/people/" + h.me
	const view = "My premium rose after one bad week of sleep; please look again."
	r := h.owner.call("POST", person+"/automated-decisions/insurer-sharing/review", map[string]any{"view": view, "password": h.password}, http.StatusCreated)
	id := r["id"].(string)
	if r["type"] != "adm-review" || r["status"] != "received" || r["statement"] != view {
		t.Errorf("review request = %v, want a received adm-review with the view", r)
	}
	if got := h.owner.call("GET", person+"/requests/"+id, nil, http.StatusOK); got["statement"] != view {
		t.Errorf("GET request = %v, want the view", got)
	}
	code, out, errOut := runHearth(t, t.Context(), "requests", "--data", h.data)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "adm-review") || strings.Contains(out, "premium") {
		t.Errorf("hearth requests: exit %d\n%s%s\nwant the review listed, without the view", code, out, errOut)
	}
	code, out, errOut = runHearth(t, t.Context(), "requests", "show", "--data", h.data, "--manifest", fitnessManifest, "--id", id)
	if code != 0 || !strings.Contains(out, view) || !strings.Contains(out, "adm-review") {
		t.Errorf("hearth requests show: exit %d\n%s%s\nwant the request with the view", code, out, errOut)
	}
	if err := h.p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, f := range []string{sqlite.DataFile, sqlite.DataFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(h.data, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", f, err)
		}
		if strings.Contains(string(b), "premium") {
			t.Errorf("%s holds the view in clear", f)
		}
	}
}
