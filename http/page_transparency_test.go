package http_test

import (
	"fmt"
	"html"
	"strings"
	"testing"

	hhttp "github.com/hearth-iot/hearth/http"
)

// TestPageTransparencyHub checks the privacy hub links every layer of the
// notice with its short version, and carries a QR code of the notice's
// address: under --public-url when the server knows it, else under the
// host the request named (NOTICE-LAYERED). Anyone may see it.
func TestPageTransparencyHub(t *testing.T) {
	tests := []struct {
		name, publicURL, want string
	}{
		{"request host", "", "/privacy"},
		{"public URL", "https://hearth.example/", "https://hearth.example/privacy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, envOptions{server: func(c *hhttp.Config) { c.PublicURL = tt.publicURL }})
			want := tt.want
			if tt.publicURL == "" {
				want = e.url + "/privacy"
			}
			b := e.newBrowser()
			p := b.get("/privacy/hub")
			wantPage(t, p, 200, "The short version", "Ember Home Ltd is responsible", `href="/privacy"`, `href="/privacy/children"`,
				`href="/privacy.txt"`, `href="/privacy.json"`, `href="/terms"`, `<svg`, `class="qr"`, "<code>"+want+"</code>")
			if strings.Contains(p.body, "<form") && !strings.Contains(p.body, `action="/signout"`) {
				t.Errorf("the hub holds a form: %.600s", p.body)
			}
			res := e.want(e.do("GET", "/privacy/qr.svg", "", ""), 200)
			if ct := res.header.Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("qr.svg Content-Type = %q, want image/svg+xml", ct)
			}
			if !strings.Contains(html.UnescapeString(string(res.body)), want) {
				t.Errorf("qr.svg is not labelled with %q: %.300s", want, res.body)
			}
		})
	}
}

// TestPageTransparencyNoticeInHub checks the notice pages wear the hub's
// style sheet and navigation, keep their content, and still hold no form
// and allow no script (NOTICE-SEPARATE, NOTICE-LAYERED).
func TestPageTransparencyNoticeInHub(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/privacy", "/privacy/children", "/terms"} {
		t.Run(path, func(t *testing.T) {
			res := e.want(e.do("GET", path, "", ""), 200)
			body := string(res.body)
			for _, want := range []string{`href="/assets/app.css"`, `href="/privacy/hub"`, `<main id="main"`, `href="` + path + `" aria-current="page"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
			if strings.Contains(strings.ToLower(body), "<form") || strings.Contains(strings.ToLower(body), "<script") {
				t.Errorf("%s holds a form or a script", path)
			}
			csp := res.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "form-action 'none'") || strings.Contains(csp, "script-src") {
				t.Errorf("%s Content-Security-Policy = %q, want no forms and no scripts", path, csp)
			}
			if strings.Count(body, "<h1") != 1 {
				t.Errorf("%s has %d h1, want 1", path, strings.Count(body, "<h1"))
			}
		})
	}
}

// TestPageTransparencyAccess checks "who can see your data": the members
// policy lets read the person's data, each with why and which kinds, the
// same decision as the read path (a share with Bob shows him and the one
// category; revoked, he is gone again); the recipients from the manifest;
// the requests made; and who actually accessed the data, from the audit
// log (RIGHT-ACCESS-OTHERS, SEC-AUTHZ, AUDIT). Another member cannot open
// Alice's page.
func TestPageTransparencyAccess(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	a, aID := e.user("Alice")
	bTok, bID := e.user("Bob")
	hh := e.household(owner)
	for _, tok := range []string{a, bTok} {
		inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)["token"].(string)
		e.want(e.do("POST", "/v1/invites/accept", tok, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	}
	alice := e.newBrowser()
	alice.signUp("Alice")
	path := "/households/" + hh + "/people/" + aID + "/access"
	p := alice.get(path)
	wantPage(t, p, 200, "Who can see your data", `id="accessed"`, "each time someone actually looked at it or changed it", `id="accesses-table"`,
		"Alice (you)", "It is their own data.", "Nothing is shared with another member.", "Northwind Cloud Ltd", "processor",
		"No copy of the data has been made")
	if strings.Contains(p.body, "Bob") || strings.Contains(p.body, "Owner</th>") {
		t.Errorf("before any share, the page lists another member as a reader: %.2000s", p.body)
	}
	readers := e.want(e.do("GET", "/v1/households/"+hh+"/people/"+aID+"/readers", a, ""), 200).json(t)["readers"].([]any)
	if len(readers) != 1 {
		t.Errorf("API readers = %v, want Alice alone", readers)
	}

	shares := "/v1/households/" + hh + "/people/" + aID + "/shares"
	share := fmt.Sprintf(`{"category":"room-temperature","with":%q}`, bID)
	e.want(e.do("POST", shares, a, share), 200)
	p = alice.get(path)
	wantPage(t, p, 200, "<th scope=\"row\">Bob</th>", "It was shared with them", "Room temperature</th><td>Bob</td>")
	if n := len(e.want(e.do("GET", "/v1/households/"+hh+"/people/"+aID+"/readers", a, ""), 200).json(t)["readers"].([]any)); n != 2 {
		t.Errorf("API readers after sharing = %d, want 2", n)
	}
	e.want(e.do("DELETE", shares, a, share), 204)
	if p = alice.get(path); strings.Contains(p.body, "<th scope=\"row\">Bob</th>") {
		t.Errorf("after revoking, Bob is still listed: %.2000s", p.body)
	}

	// A rights request shows with its deadline.
	e.want(e.do("POST", "/v1/households/"+hh+"/people/"+aID+"/exports", a, `{"password":"correct horse battery staple"}`), 201)
	wantPage(t, alice.get(path), 200, "Copies and requests", "<th scope=\"row\">access</th>")

	// Bob may not open Alice's page, as the API refuses him (403); an
	// outsider gets not found from both.
	bob := e.newBrowser()
	bob.signUp("Bob")
	wantPage(t, bob.get(path), 403, "Not allowed")
	problem(t, e.do("GET", "/v1/households/"+hh+"/people/"+aID+"/readers", bTok, ""), 403)
	outTok, _ := e.user("Olga")
	out := e.newBrowser()
	out.signUp("Olga")
	wantPage(t, out.get(path), 404)
	problem(t, e.do("GET", "/v1/households/"+hh+"/people/"+aID+"/readers", outTok, ""), 404)
}

// TestPageTransparencyAccessProfiles checks the page for a child without
// an account, opened by the guardian who acts for them: the guardian reads
// the child's data because they are its guardian; neither another adult
// nor the child, who has no account to sign in with, is listed
// (CONSENT-CHILD, RIGHT-UNREGISTERED).
func TestPageTransparencyAccessProfiles(t *testing.T) {
	e := newEnv(t)
	own, ownID := e.user("Owen")
	adult, _ := e.user("Ada")
	hh := e.household(own)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	kid := e.want(e.do("POST", "/v1/households/"+hh+"/people", own,
		fmt.Sprintf(`{"display_name":"Kit","role":"child","guardian_id":%q}`, ownID)), 201).json(t)["id"].(string)
	b := e.newBrowser()
	b.signUp("Owen")
	tests := []struct {
		name, person, title, why string
	}{
		{"child", kid, "Who can see Kit's data", "They are the guardian of this child."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.get("/households/" + hh + "/people/" + tt.person + "/access")
			wantPage(t, p, 200, tt.title, "<th scope=\"row\">Owen (you)</th>", tt.why, `id="accessed"`)
			// AUDIT: the guardian's look at the page is recorded as the
			// guardian's, and shown on the next view.
			wantPage(t, b.get("/households/"+hh+"/people/"+tt.person+"/access"), 200,
				"<th scope=\"row\">You (guardian)</th><td>Viewed who can see the data</td>")
			if strings.Contains(p.body, "Ada</th>") || strings.Contains(p.body, "Kit</th>") {
				t.Errorf("another adult, or the child without an account, is listed as a reader: %.2000s", p.body)
			}
		})
	}
}
