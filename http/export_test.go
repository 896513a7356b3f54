package http_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestExportAPI: a person requests an export and downloads it with the
// link (RIGHT-ACCESS); an owner does so for a profile without an account
// (RIGHT-UNREGISTERED) but not for another adult (RIGHT-ACCESS-OTHERS);
// another person's link is not found; an expired link is 410 Gone.
func TestExportAPI(t *testing.T) {
	const pw = `{"password":"correct horse battery staple"}`
	e := newEnv(t)
	own, ownPerson := e.user("Own")
	adult, adultPerson := e.user("Adult")
	hh := e.household(own)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	profile := e.want(e.do("POST", "/v1/households/"+hh+"/people", own, `{"display_name":"Gran","role":"guest"}`), 201).json(t)["id"].(string)
	dev, secret := e.device(own, hh)
	reading := func(id, person, marker string) {
		body := fmt.Sprintf(`{"id":%q,"time":%q,"category":"setpoint","person":%q,"values":{"celsius":21.5,"source":%q}}`,
			id, time.Now().UTC().Format(time.RFC3339), person, marker)
		e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, body), 201)
	}
	reading("m1", ownPerson, "MARKER-OWN")
	reading("m2", adultPerson, "MARKER-ADULT")
	reading("m3", profile, "MARKER-GRAN")

	download := func(token, person, marker, absent string) {
		t.Helper()
		link := e.want(e.do("POST", "/v1/households/"+hh+"/people/"+person+"/exports", token, pw), 201).json(t)["url"].(string)
		res := e.want(e.do("GET", link, token, ""), 200)
		if ct := res.header.Get("Content-Type"); ct != "application/zip" {
			t.Errorf("Content-Type %q, want application/zip", ct)
		}
		zr, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
		if err != nil {
			t.Fatalf("the download is not a ZIP: %v", err)
		}
		var all strings.Builder
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			all.Write(b.Bytes())
		}
		if !strings.Contains(all.String(), marker) {
			t.Errorf("the export lacks %s", marker)
		}
		if strings.Contains(all.String(), absent) {
			t.Errorf("the export holds another member's %s", absent)
		}
	}
	download(own, ownPerson, "MARKER-OWN", "MARKER-ADULT")
	download(adult, adultPerson, "MARKER-ADULT", "MARKER-OWN")
	download(own, profile, "MARKER-GRAN", "MARKER-OWN") // RIGHT-UNREGISTERED

	// RIGHT-ACCESS-OTHERS: the owner may not export another adult's data.
	problem(t, e.do("POST", "/v1/households/"+hh+"/people/"+adultPerson+"/exports", own, pw), 403)
	problem(t, e.do("POST", "/v1/households/"+hh+"/people/"+profile+"/exports", adult, pw), 403)
	// RIGHT-REQUESTS: the caller enters their password again; a wrong one is refused.
	problem(t, e.do("POST", "/v1/households/"+hh+"/people/"+ownPerson+"/exports", own, `{"password":"not my password at all"}`), 403)
	problem(t, e.do("POST", "/v1/households/"+hh+"/people/"+ownPerson+"/exports", own, `{}`), 400)
	// Each export is logged as an access request, done.
	reqs := e.want(e.do("GET", "/v1/households/"+hh+"/people/"+ownPerson+"/requests", own, ""), 200).body
	if !strings.Contains(string(reqs), `"access"`) || !strings.Contains(string(reqs), `"done"`) {
		t.Errorf("requests after an export: %s, want a done access request", reqs)
	}

	link := e.want(e.do("POST", "/v1/households/"+hh+"/people/"+ownPerson+"/exports", own, pw), 201).json(t)["url"].(string)
	problem(t, e.do("GET", link, adult, ""), 404)                    // another person's link
	problem(t, e.do("GET", "/v1/exports/not-a-token", own, ""), 404) // unknown
	problem(t, e.do("GET", link, "", ""), 401)                       // anonymous
	// A reading that cannot be opened (a damaged row) fails the export
	// before the archive starts: a problem document, not a broken ZIP.
	raw, err := sql.Open("sqlite", e.db.Files()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE readings SET sealed = x'01' WHERE msg_id = 'm3'"); err != nil {
		t.Fatal(err)
	}
	broken := e.want(e.do("POST", "/v1/households/"+hh+"/people/"+profile+"/exports", own, pw), 201).json(t)["url"].(string)
	if p := problem(t, e.do("GET", broken, own, ""), 500); p.Detail != "a reading could not be opened" {
		t.Errorf("broken export: detail %q, want that a reading could not be opened", p.Detail)
	}

	e.clock.Advance(25 * time.Hour)
	p := problem(t, e.do("GET", link, own, ""), 410)
	if !strings.Contains(p.Detail, "expired") {
		t.Errorf("expired link problem %q does not say it expired", p.Detail)
	}
}
