package main

import (
	"net/http"
	"testing"
	"time"
)

// TestDemoOptionalFeature drives `hearth demo` as its two adults would:
// the household's own readings (a thermostat's room temperatures) serve
// energy insights only once both adults have consented and switched the
// feature on for themselves and the owner has for the child; the history
// kept before then is covered; one adult's withdrawal stops it again
// (CONSENT-MULTIUSER, CONSENT-OPTIN, CONSENT-WITHDRAW, CONSENT-CHILD).
func TestDemoOptionalFeature(t *testing.T) {
	d := startDemo(t)
	owner := signIn(t, d.p.HTTP, d.email, d.password)
	alex := signIn(t, d.p.HTTP, d.adultEmail, d.adultPass)
	const purpose = "energy-insights"
	// household returns the household's own readings energy insights
	// reads, and those withheld, once some have been published.
	household := func() (int, map[string]int) {
		t.Helper()
		rs, withheld := owner.readingsFor(d.hh, purpose)
		n := 0
		for _, r := range rs {
			if r.PersonID == "" {
				n++
			}
		}
		return n, withheld
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, w := household(); w["feature_off"]+w["no_consent"] >= 3 {
			break
		}
	}
	if n, w := household(); n != 0 || w["feature_off"]+w["no_consent"] == 0 {
		t.Fatalf("before any consent: %d household readings read, withheld %v; want none read, some withheld", n, w)
	}
	kid := ""
	for _, m := range owner.call("GET", "/v1/households/"+d.hh+"/members", nil, http.StatusOK)["members"].([]any) {
		if m := m.(map[string]any); m["role"] == "child" {
			kid = m["person_id"].(string)
		}
	}
	agree := func(a *api, person string) {
		t.Helper()
		p := "/v1/households/" + d.hh + "/people/" + person
		a.call("POST", p+"/consents/"+purpose, map[string]string{"decision": "give", "method": "api"}, http.StatusOK)
		a.call("POST", p+"/features/"+purpose, map[string]bool{"enabled": true}, http.StatusOK)
	}
	agree(owner, owner.person())
	agree(owner, kid)
	if n, _ := household(); n != 0 {
		t.Errorf("with the owner's and the child's consent only: %d household readings read, want 0 (Alex has not consented)", n)
	}
	agree(alex, alex.person())
	n, w := household()
	if n == 0 || w["feature_off"]+w["no_consent"] != 0 {
		t.Errorf("after every consent: %d household readings read, withheld %v; want the history read, none withheld", n, w)
	}
	alex.call("POST", "/v1/households/"+d.hh+"/people/"+alex.person()+"/consents/"+purpose,
		map[string]string{"decision": "withdraw", "method": "api"}, http.StatusOK)
	if n, w := household(); n != 0 || w["consent_refused"] == 0 {
		t.Errorf("after Alex withdrew: %d household readings read, withheld %v; want none read, withheld as consent_refused", n, w)
	}
	if err := d.p.stop(t); err != nil {
		t.Errorf("demo stop: %v", err)
	}
}
