package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestErasureAPI: the preview tells before anything goes; the erasure needs
// confirm; another member's data and a non-member get 404 and change
// nothing (RIGHT-ERASE, SEC-AUTHZ).
func TestErasureAPI(t *testing.T) {
	e := newEnv(t)
	own, ownPerson := e.user("Own")
	other, _ := e.user("Other")
	hh := e.household(own)
	dev, secret := e.device(own, hh)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, fmt.Sprintf(
		`{"id":"m1","time":%q,"person":%q,"category":"setpoint","values":{"celsius":21.5,"source":"MARKER-7"}}`,
		time.Now().UTC().Format(time.RFC3339), ownPerson)), 201)
	me := "/v1/households/" + hh + "/people/" + ownPerson

	pv := e.want(e.do("POST", me+"/erasure/preview", own, `{"everything":true}`), 200).json(t)
	if pv["readings"] != 1.0 || !strings.Contains(pv["text"].(string), "Deleting the app") {
		t.Errorf("preview = %v, want 1 reading and the plain-language text", pv)
	}
	problem(t, e.do("POST", me+"/erasures", own, `{"everything":true}`), 400)
	problem(t, e.do("POST", me+"/erasures", other, `{"everything":true,"confirm":true,"password":"correct horse battery staple"}`), 404)
	problem(t, e.do("POST", me+"/erasures", own, `{"everything":true,"confirm":true,"password":"wrong horse battery staple"}`), 403)
	problem(t, e.do("POST", me+"/erasure/preview", other, `{"everything":true}`), 404)
	problem(t, e.do("POST", me+"/erasures", own, `{"category":"nope","confirm":true,"password":"correct horse battery staple"}`), 400)
	problem(t, e.do("PUT", me+"/deletion-schedules/occupancy", own, `{"period":"daily"}`), 400)
	if got := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", own, ""), 200); !strings.Contains(string(got.body), "MARKER-7") {
		t.Fatalf("refused erasures removed the reading: %s", got.body)
	}

	res := e.want(e.do("POST", me+"/erasures", own, `{"category":"setpoint","confirm":true,"password":"correct horse battery staple"}`), 200).json(t)
	if res["key_destroyed"] != false || res["readings"] != 1.0 {
		t.Errorf("erasure = %v, want 1 reading, key kept", res)
	}
	if got := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", own, ""), 200); strings.Contains(string(got.body), "MARKER-7") {
		t.Errorf("readings after erasure still hold the reading: %s", got.body)
	}
	notices := e.want(e.do("GET", me+"/erasure-notices", own, ""), 200).json(t)["notices"].([]any)
	if len(notices) != 0 {
		t.Errorf("notices = %v, want none: no recipient receives setpoint", notices)
	}
	// RIGHT-REQUESTS: the erasure is in the person's request log, done.
	reqs := e.want(e.do("GET", me+"/requests", own, ""), 200)
	if !strings.Contains(string(reqs.body), `"erasure"`) || !strings.Contains(string(reqs.body), `"done"`) {
		t.Errorf("requests = %s, want the erasure, done", reqs.body)
	}
	// Everything about an account holder closes the account: the token ends.
	res = e.want(e.do("POST", me+"/erasures", own, `{"everything":true,"confirm":true,"password":"correct horse battery staple"}`), 200).json(t)
	if res["key_destroyed"] != true || len(res["notices"].([]any)) != 2 {
		t.Errorf("erasure = %v, want key destroyed and a notice per recipient (2)", res)
	}
	problem(t, e.do("GET", "/v1/me", own, ""), 401)
}

// TestCloseAccountAPI: closing needs the password and confirm; then every
// session of the account ends at once (RIGHT-ERASE).
func TestCloseAccountAPI(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Own")
	second := e.want(e.do("POST", "/v1/sessions", "", `{"email":"own@example.org","password":"correct horse battery staple"}`), 201).json(t)["token"].(string)
	e.household(own)
	problem(t, e.do("POST", "/v1/me/close", "", `{"password":"correct horse battery staple","confirm":true}`), 401)
	problem(t, e.do("POST", "/v1/me/close", own, `{"password":"correct horse battery staple"}`), 400)
	problem(t, e.do("POST", "/v1/me/close", own, `{"password":"wrong horse battery staple","confirm":true}`), 403)
	e.want(e.do("GET", "/v1/me", second, ""), 200)
	e.want(e.do("POST", "/v1/me/close", own, `{"password":"correct horse battery staple","confirm":true}`), 200)
	for _, tok := range []string{own, second} {
		problem(t, e.do("GET", "/v1/me", tok, ""), 401)
	}
	problem(t, e.do("POST", "/v1/sessions", "", `{"email":"own@example.org","password":"correct horse battery staple"}`), 401)
}
