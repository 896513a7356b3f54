package main

import (
	"net/http"
	"strings"
	"testing"
)

// speakerManifest is the example whose purposes include advertising
// (personalised-ads, on consent) and a legitimate-interest core purpose
// (device-security, the only one using device-health).
const speakerManifest = "../../examples/smart-speaker.yaml"

// TestRestrictionAndObjection drives restriction, objection and the
// marketing switch through the API against a running server, with readings
// sent by the real mosquitto_pub: each change applies to the very next
// reading and to reads of readings already stored, and each is a rights
// request in the person's log.
func TestRestrictionAndObjection(t *testing.T) {
	h := newRightsHome(t, "lark-one", "--manifest", speakerManifest)
	owner, pw, hh := h.owner, h.password, h.hh
	person := "/v1/households/" + hh + "/people/" + h.me
	n := 0
	send := func(category string, values map[string]any) bool {
		n++
		return h.send(t, "m"+string(rune('a'+n)), category, values)
	}
	health := map[string]any{"wifi_dbm": -60}
	listen := map[string]any{"seconds": 42}

	// RIGHT-RESTRICT: restricting a purpose stops the next reading for it,
	// and withholds what it stored; lifting it lets readings in again.
	if !send("device-health", health) {
		t.Fatalf("device-health before any restriction: refused, want stored")
	}
	owner.call("POST", person+"/restrictions", map[string]any{"purpose": "device-security", "restrict": true, "password": "not my password at all"}, http.StatusForbidden)
	res := owner.call("POST", person+"/restrictions", map[string]any{"purpose": "device-security", "restrict": true, "password": pw}, http.StatusOK)
	if rq := res["request"].(map[string]any); rq["type"] != "restriction" || rq["status"] != "done" || rq["identity_check"] != "reauthenticated" {
		t.Errorf("restriction request = %v, want a done restriction, identity re-authenticated", rq)
	}
	if send("device-health", health) {
		t.Errorf("device-health after restricting device-security: stored, want refused")
	}
	if rs, withheld := owner.readingsFor(hh, "device-security"); len(rs) != 0 || withheld["restricted"] != 1 {
		t.Errorf("device-security reads %d readings, withheld %v; want the stored one withheld as restricted", len(rs), withheld)
	}
	owner.call("POST", person+"/restrictions", map[string]any{"purpose": "device-security", "restrict": false, "password": pw}, http.StatusOK)
	if !send("device-health", health) {
		t.Errorf("device-health after lifting the restriction: refused, want stored")
	}
	// Restricting everything stops the core purpose too: kept, not used.
	owner.call("POST", person+"/restrictions", map[string]any{"all": true, "restrict": true, "password": pw}, http.StatusOK)
	if send("device-health", health) {
		t.Errorf("device-health with all processing restricted: stored, want refused")
	}
	owner.call("POST", person+"/restrictions", map[string]any{"all": true, "restrict": false, "password": pw}, http.StatusOK)

	// RIGHT-OBJECT: an objection to a contract purpose is refused with the
	// reason; one to a legitimate-interest purpose stops it.
	prob := owner.call("POST", person+"/objections", map[string]any{"purpose": "answer-requests", "object": true, "password": pw}, 422)
	if d, _ := prob["detail"].(string); !strings.Contains(d, "no right to object") {
		t.Errorf("objection to a contract purpose: detail %q, want the policy's reason", d)
	}
	owner.call("POST", person+"/objections", map[string]any{"purpose": "device-security", "object": true, "password": pw}, http.StatusOK)
	if send("device-health", health) {
		t.Errorf("device-health after objecting to device-security: stored, want refused")
	}
	owner.call("POST", person+"/objections", map[string]any{"purpose": "device-security", "object": false, "password": pw}, http.StatusOK)

	// RIGHT-OBJECT-MKT: with consent, advertising uses listening history;
	// the one marketing switch stops it, whatever the consent.
	owner.call("POST", person+"/features/sponsored-content", map[string]bool{"enabled": true}, http.StatusOK)
	owner.call("POST", person+"/consents/personalised-ads", map[string]string{"decision": "give", "method": "app"}, http.StatusOK)
	if !send("listening-history", listen) {
		t.Fatalf("listening-history with consent to personalised-ads: refused, want stored")
	}
	owner.call("POST", person+"/objections/marketing", map[string]any{"object": true, "password": pw}, http.StatusOK)
	if send("listening-history", listen) {
		t.Errorf("listening-history after the marketing switch: stored, want refused")
	}
	if rs, withheld := owner.readingsFor(hh, "personalised-ads"); len(rs) != 0 || withheld["objected_marketing"] != 1 {
		t.Errorf("personalised-ads reads %d readings, withheld %v; want the stored one withheld as objected_marketing", len(rs), withheld)
	}
	ctl := owner.call("GET", person+"/controls", nil, http.StatusOK)
	if ctl["object_marketing"] != true {
		t.Errorf("controls = %v, want object_marketing on", ctl)
	}

	// RIGHT-REQUESTS: every change is in the person's log, the refused
	// objection with its reason.
	rs := owner.call("GET", person+"/requests", nil, http.StatusOK)["requests"].([]any)
	types := map[string]int{}
	for _, r := range rs {
		r := r.(map[string]any)
		types[r["type"].(string)+"/"+r["status"].(string)]++
	}
	want := map[string]int{"restriction/done": 4, "objection/done": 3, "objection/refused": 1}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("requests by type/status = %v, want %v", types, want)
			break
		}
	}
}
