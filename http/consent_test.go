package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

// newPrivacy wires the consent service and subject cache as the server
// does: a consent decision drops the person's cached subject.
func newPrivacy(t *testing.T, db *sqlite.DB, m *manifest.Manifest, now func() time.Time) (*consent.Service, *subject.Cache) {
	t.Helper()
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile policy: %v", err)
	}
	var subj *subject.Cache
	cons, err := consent.NewService(consent.Config{Store: db, Ledger: ledger.New(db, now), Manifest: m, Policy: eng, Now: now,
		OnChange: func(p string) { subj.Invalidate(p) }})
	if err != nil {
		t.Fatalf("consent service: %v", err)
	}
	if subj, err = subject.New(subject.Config{Store: db, Manifest: m, Policy: eng, Consents: cons, Shares: cons, Now: now}); err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	return cons, subj
}

// The consent API's bad input gets precise 4xx errors naming the field,
// and a failed call changes nothing (CONSENT-GRANULAR, CONSENT-MULTIUSER,
// CONSENT-CHILD, CONSENT-NO-NAG).
func TestConsentAPIErrors(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("Owner")
	adult, adultID := e.user("Adult")
	hh := e.household(owner)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	kid := e.want(e.do("POST", "/v1/households/"+hh+"/people", owner,
		fmt.Sprintf(`{"display_name":"Kid","role":"child","guardian_id":%q}`, ownerID)), 201).json(t)["id"].(string)
	base := "/v1/households/" + hh + "/people/"
	give := `{"decision":"give","method":"app"}`
	tests := []struct {
		name, caller, method, path, body string
		status                           int
		field                            string
	}{
		{"unknown purpose", owner, "POST", base + ownerID + "/consents/selling-data", give, 404, "purpose"},
		{"purpose not on consent", owner, "POST", base + ownerID + "/consents/heating-control", give, 400, "purpose"},
		{"bad decision", owner, "POST", base + ownerID + "/consents/energy-insights", `{"decision":"maybe","method":"app"}`, 400, "decision"},
		{"bad method", owner, "POST", base + ownerID + "/consents/energy-insights", `{"decision":"give","method":"fax"}`, 400, "method"},
		{"another adult's data", owner, "POST", base + adultID + "/consents/energy-insights", give, 403, ""},
		{"a child's, not the guardian", adult, "POST", base + kid + "/consents/energy-insights", give, 403, ""},
		{"another adult's settings", adult, "GET", base + ownerID + "/settings", "", 403, ""},
		{"unknown person", owner, "GET", base + "per_nobody/consents", "", 404, "person"},
		{"unknown feature", owner, "POST", base + ownerID + "/features/jetpack", `{"enabled":true}`, 404, "feature"},
		{"feature without enabled", owner, "POST", base + ownerID + "/features/energy-insights", `{}`, 400, "enabled"},
		{"unknown location", owner, "PUT", base + ownerID + "/settings", `{"location":"house-number"}`, 400, "location"},
		{"consent purpose in settings", owner, "PUT", base + ownerID + "/settings", `{"purposes":["energy-insights"]}`, 400, "purposes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problem(t, e.do(tt.method, tt.path, tt.caller, tt.body), tt.status)
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors = %+v, want one about %q", p.Errors, tt.field)
			}
		})
	}
	// Nothing half-applied: no consent, no receipt, no settings stored.
	for _, who := range []string{ownerID, adultID} {
		body := string(e.want(e.do("GET", base+who+"/consents/receipts", map[string]string{ownerID: owner, adultID: adult}[who], ""), 200).body)
		if !strings.Contains(body, `"receipts":[]`) {
			t.Errorf("receipts of %s after refused calls = %s, want none", who, body)
		}
	}
	// The guardian decides for the child; a refusal is not asked again
	// within the cool-off (CONSENT-CHILD, CONSENT-NO-NAG).
	e.want(e.do("POST", base+kid+"/consents/energy-insights", owner, `{"decision":"refuse","method":"app"}`), 200)
	p := problem(t, e.do("GET", base+kid+"/consents/energy-insights/request", owner, ""), 429)
	if !strings.Contains(p.Detail, "not be asked again before") {
		t.Errorf("cool-off detail = %q, want the date it may be asked again", p.Detail)
	}
}

// CONSENT-MOMENTS, USAGE-CHANGE: switching a feature on returns its
// implications and the consent requests it still needs; its consent-based
// purpose stays off until consented.
func TestFeatureNotice(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("Owner")
	hh := e.household(owner)
	base := "/v1/households/" + hh + "/people/" + ownerID
	n := e.want(e.do("POST", base+"/features/energy-insights", owner, `{"enabled":true}`), 200).json(t)
	if imp, _ := n["implications"].(string); !strings.Contains(imp, "history") {
		t.Errorf("implications = %q, want the manifest's text", imp)
	}
	needed, _ := n["consents_needed"].([]any)
	if len(needed) != 1 || needed[0].(map[string]any)["purpose"] != "energy-insights" ||
		needed[0].(map[string]any)["request"] != base+"/consents/energy-insights/request" {
		t.Fatalf("consents_needed = %v, want the energy-insights request", needed)
	}
	if ps := n["purposes"].([]any); len(ps) != 1 || ps[0].(map[string]any)["active"] != false {
		t.Errorf("purposes = %v, want energy-insights inactive until consented", ps)
	}
	req := e.want(e.do("GET", base+"/consents/energy-insights/request", owner, ""), 200).json(t)
	if req["withdraw"] == "" || req["controller"].(map[string]any)["name"] != "Ember Home Ltd" {
		t.Errorf("request = %v, want who asks and how to withdraw", req)
	}
	e.want(e.do("POST", base+"/consents/energy-insights", owner, `{"decision":"give","method":"app"}`), 200)
	n = e.want(e.do("POST", base+"/features/energy-insights", owner, `{"enabled":true}`), 200).json(t)
	if ps := n["purposes"].([]any); ps[0].(map[string]any)["active"] != true || len(n["consents_needed"].([]any)) != 0 {
		t.Errorf("after consent: %v, want the purpose active and no request needed", n)
	}
	st := e.want(e.do("GET", base+"/settings", owner, ""), 200).json(t)
	if fs := st["features"].([]any); len(fs) != 1 || fs[0] != "energy-insights" || st["location"] != "off" {
		t.Errorf("settings = %v, want energy-insights on and location off (children likely)", st)
	}
	cs := e.want(e.do("GET", base+"/consents", owner, ""), 200).json(t)["consents"].(map[string]any)
	if got := cs["energy-insights"].(map[string]any)["status"]; got != "given" {
		t.Errorf("energy-insights status = %v, want given", got)
	}
}
