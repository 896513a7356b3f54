package main

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/sqlite"
)

// fitnessManifest is the example with a category used only by consent
// purposes: heart-rate (health-insights, insurer-sharing). The
// thermostat, the server's default, has none a device sends: its one
// consent-only category, home-area, is set in the app and no model lists it.
const fitnessManifest = "../../examples/fitness-tracker.yaml"

// consentHome is a running server on the fitness manifest with a household:
// the owner, an adult member, a child whose guardian is the owner, and a
// claimed band.
type consentHome struct {
	p                         *proc
	data, hh                  string
	owner, adult              *api
	ownerID, adultID, childID string
	band                      cred
}

func newConsentHome(t *testing.T) *consentHome {
	t.Helper()
	h := &consentHome{data: t.TempDir()}
	creds, _, _, _ := provisionDevices(t, h.data, "stride-band-2", 1, "", "--manifest", fitnessManifest)
	h.band = creds[0]
	h.p = startHearth(t, h.data, "--manifest", fitnessManifest)
	h.owner = signUp(t, h.p.HTTP, "owner@example.com")
	h.adult = signUp(t, h.p.HTTP, "adult@example.com")
	h.ownerID = h.owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	h.adultID = h.adult.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	h.hh = h.owner.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	h.owner.call("POST", "/v1/households/"+h.hh+"/devices", map[string]string{"code": h.band.Code}, http.StatusCreated)
	inv := h.owner.call("POST", "/v1/households/"+h.hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)["token"].(string)
	h.adult.call("POST", "/v1/invites/accept", map[string]string{"token": inv}, http.StatusOK)
	h.childID = h.owner.call("POST", "/v1/households/"+h.hh+"/people",
		map[string]string{"display_name": "Kid", "role": "child", "guardian_id": h.ownerID}, http.StatusCreated)["id"].(string)
	return h
}

// person returns the API path of a person's resources.
func (h *consentHome) person(id string) string { return "/v1/households/" + h.hh + "/people/" + id }

// heartRate publishes a heart-rate reading about person with the real
// mosquitto_pub at MQTT 5, QoS 1, and reports whether it was stored: the
// PUBACK comes only after the commit, and a refusal gets reason code 0x87.
func (h *consentHome) heartRate(t *testing.T, id, person string) bool {
	t.Helper()
	msg := string(payload(id, "heart-rate", map[string]any{"bpm": 64}))
	msg = strings.Replace(msg, `"category"`, `"person":"`+person+`","category"`, 1)
	return publishV5(t, h.p.MQTTAddr, h.band, msg)
}

// consent posts a consent decision for person's purpose as a.
func (h *consentHome) consent(a *api, person, purpose, decision, statement string, want int) map[string]any {
	return a.call("POST", h.person(person)+"/consents/"+purpose,
		map[string]string{"decision": decision, "method": "app", "statement": statement}, want)
}

// enableHealth switches on the health feature for person as a, and gives
// consent to health-insights with the statement its request shows.
func (h *consentHome) enableHealth(t *testing.T, a *api, person string) {
	t.Helper()
	n := a.call("POST", h.person(person)+"/features/health", map[string]bool{"enabled": true}, http.StatusOK)
	if needed, _ := n["consents_needed"].([]any); len(needed) != 1 {
		t.Fatalf("feature notice needs %v, want the health-insights consent (CONSENT-MOMENTS)", needed)
	}
	req := a.call("GET", h.person(person)+"/consents/health-insights/request", nil, http.StatusOK)
	h.consent(a, person, "health-insights", "give", req["statement"].(string), http.StatusOK)
}

// TestConsentEnforcement drives consent through the API and readings
// through a real MQTT client against the running server.
func TestConsentEnforcement(t *testing.T) {
	h := newConsentHome(t)
	steps := []struct {
		name       string
		act        func(t *testing.T)
		person     string
		wantStored bool
	}{
		// CONSENT-OPTIN, MIN-GATE: nothing is on by default.
		{"no consent: dropped", nil, h.ownerID, false},
		// The feature alone is not consent: its consent purpose stays off.
		{"feature on, no consent: dropped", func(t *testing.T) {
			h.owner.call("POST", h.person(h.ownerID)+"/features/health", map[string]bool{"enabled": true}, http.StatusOK)
		}, h.ownerID, false},
		{"consent given: stored", func(t *testing.T) { h.enableHealth(t, h.owner, h.ownerID) }, h.ownerID, true},
		// CONSENT-MULTIUSER: A's consent does not cover B, and A cannot give B's.
		{"another member's data: dropped", func(t *testing.T) {
			h.consent(h.owner, h.adultID, "health-insights", "give", "", http.StatusForbidden)
		}, h.adultID, false},
		// CONSENT-WITHDRAW: the same call withdraws; the next message is dropped.
		{"withdrawn: next message dropped", func(t *testing.T) {
			h.consent(h.owner, h.ownerID, "health-insights", "withdraw", "", http.StatusOK)
		}, h.ownerID, false},
		// CONSENT-CHILD: a child's data needs the guardian's consent; another
		// adult cannot give it (nor can the child, who has no sign-in and
		// whom policy.MayConsent never lets consent).
		{"child without consent: dropped", func(t *testing.T) {
			h.adult.call("POST", h.person(h.childID)+"/features/health", map[string]bool{"enabled": true}, http.StatusForbidden)
			h.consent(h.adult, h.childID, "health-insights", "give", "", http.StatusForbidden)
		}, h.childID, false},
		{"child with the guardian's consent: stored", func(t *testing.T) { h.enableHealth(t, h.owner, h.childID) }, h.childID, true},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.act != nil {
				st.act(t)
			}
			if got := h.heartRate(t, "hr-"+string(rune('a'+i)), st.person); got != st.wantStored {
				t.Errorf("stored = %v, want %v", got, st.wantStored)
			}
		})
	}
	// Every read names its purpose: the owner's reading, stored while
	// consent was given, is withheld now it is withdrawn; the child's shows.
	rs, withheld := h.owner.readingsFor(h.hh, "health-insights")
	if len(rs) != 1 || rs[0].PersonID != h.childID {
		t.Errorf("health-insights readings = %+v, want the child's only", rs)
	}
	if withheld["consent_refused"] != 1 {
		t.Errorf("withheld = %v, want the owner's reading withheld as consent_refused", withheld)
	}
	if rs, _ := h.owner.readingsFor(h.hh, "activity-tracking"); len(rs) != 0 {
		t.Errorf("activity-tracking reads %d heart-rate readings, want none: it does not use them", len(rs))
	}
}

// CONSENT-LEDGER: consents given through the API are in the hash-chained
// ledger; altering one while the server is stopped, after dropping the
// append-only trigger as an attacker would, is detected by `hearth ledger
// verify`.
func TestConsentLedgerTampering(t *testing.T) {
	h := newConsentHome(t)
	h.enableHealth(t, h.owner, h.ownerID)
	h.consent(h.owner, h.ownerID, "health-insights", "withdraw", "", http.StatusOK)
	if err := h.p.stop(t); err != nil {
		t.Fatalf("stop hearth: %v", err)
	}
	code, out, errOut := runHearth(t, t.Context(), "ledger", "verify", "--data", h.data)
	if code != exitOK || !strings.Contains(out, "ledger intact") {
		t.Fatalf("verify before tampering: exit %d, %q %q; want 0 and intact", code, out, errOut)
	}
	db, err := sql.Open("sqlite", filepath.Join(h.data, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	for _, q := range []string{"DROP TRIGGER ledger_no_update",
		"UPDATE ledger SET type = 'consent-given' WHERE type = 'consent-withdrawn'"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	code, _, errOut = runHearth(t, t.Context(), "ledger", "verify", "--data", h.data)
	if code != exitError || !strings.Contains(errOut, "altered") {
		t.Errorf("verify after tampering: exit %d, stderr %q; want %d and the altered entry", code, errOut, exitError)
	}
}
