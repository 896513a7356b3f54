package http_test

import (
	"strings"
	"testing"
)

// TestRightsRequestsAPI: a request is recorded only after the caller
// re-enters their password, shows who acted and how their identity was
// checked, a deadline and its progress; the owner acts for a profile without
// an account; repeated wrong passwords are throttled (RIGHT-REQUESTS,
// RIGHT-UNREGISTERED, SEC-BRUTE).
func TestRightsRequestsAPI(t *testing.T) {
	e := newEnv(t)
	own, ownPerson := e.user("Own")
	hh := e.household(own)
	me := "/v1/households/" + hh + "/people/" + ownPerson + "/requests"
	const pw = `"password":"correct horse battery staple"`

	p := problem(t, e.do("POST", me, own, `{"type":"access"}`), 400)
	if len(p.Errors) != 1 || p.Errors[0].Field != "password" {
		t.Errorf("no password: problem %+v, want the password field named", p)
	}
	problem(t, e.do("POST", me, own, `{"type":"complaint",`+pw+`}`), 400)
	p = problem(t, e.do("POST", me, own, `{"type":"access","password":"not my password at all"}`), 403)
	if !strings.Contains(p.Detail, "password") {
		t.Errorf("wrong password: detail %q, want it to say so", p.Detail)
	}
	if got := e.want(e.do("GET", me, own, ""), 200).json(t)["requests"].([]any); len(got) != 0 {
		t.Errorf("after refused openings: %d requests, want none recorded", len(got))
	}

	r := e.want(e.do("POST", me, own, `{"type":"access","scope":"category:occupancy",`+pw+`}`), 201).json(t)
	if r["identity_check"] != "reauthenticated" || r["requested_by"] != ownPerson || r["status"] != "received" || r["deadline"] == nil {
		t.Errorf("opened %v, want reauthenticated, by the owner, received, with a deadline", r)
	}
	got := e.want(e.do("GET", me+"/"+r["id"].(string), own, ""), 200).json(t)
	if got["id"] != r["id"] || got["scope"] != "category:occupancy" {
		t.Errorf("GET request = %v, want %v", got, r)
	}

	profile := e.want(e.do("POST", "/v1/households/"+hh+"/people", own, `{"display_name":"Gran","role":"guest"}`), 201).json(t)["id"].(string)
	pr := e.want(e.do("POST", "/v1/households/"+hh+"/people/"+profile+"/requests", own, `{"type":"erasure",`+pw+`}`), 201).json(t)
	if pr["identity_check"] != "owner" || pr["person"] != profile {
		t.Errorf("owner for a profile: %v, want identity_check owner", pr)
	}

	adult, _ := e.user("Adult")
	invite := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, `{"token":"`+invite+`"}`), 200)
	problem(t, e.do("GET", me, adult, ""), 403) // another adult's requests

	for range 5 { // auth.SignInPerAccount failures since the last success
		problem(t, e.do("POST", me, own, `{"type":"access","password":"not my password at all"}`), 403)
	}
	res := e.do("POST", me, own, `{"type":"access",`+pw+`}`)
	problem(t, res, 429)
	if res.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}
