package main

import (
	"fmt"
	"net/http"
	"testing"
)

// TestOwnRightsAfterLeaving: a member who left their only household keeps
// their account and the readings about them, and still exercises their
// rights over them without a household (RIGHT-ACCESS, RIGHT-ERASE,
// RIGHT-REQUESTS): they download their export, which holds those
// readings; another account cannot use the link (404, SEC-AUTHZ); they
// erase a category, checked against the manifest and the devices their
// readings came from; and they list their requests, logged with no
// household.
func TestOwnRightsAfterLeaving(t *testing.T) {
	h := newLifecycleHome(t)
	hhPath := "/v1/households/" + h.hh
	for i := range 2 {
		httpPost(t, h.p.HTTP, h.dev, []byte(roomTemperature(fmt.Sprintf("mine-%d", i), h.adultID)), http.StatusCreated)
	}
	h.adult.call("POST", hhPath+"/people/"+h.adultID+"/requests", map[string]string{"type": "objection", "password": h.adultPW()}, http.StatusCreated)
	h.adult.call("DELETE", hhPath+"/members/"+h.adultID, nil, http.StatusNoContent)
	h.adult.call("GET", hhPath, nil, http.StatusNotFound)
	h.adult.call("POST", hhPath+"/people/"+h.adultID+"/exports", map[string]string{"password": h.adultPW()}, http.StatusNotFound)

	// Access: the export holds the readings about them.
	link := h.adult.call("POST", "/v1/me/exports", map[string]string{"password": h.adultPW()}, http.StatusCreated)["url"].(string)
	h.owner.raw("GET", link, nil, http.StatusNotFound) // another account
	x := readExport(t, h.adult.raw("GET", link, nil, http.StatusOK))
	for _, id := range []string{"mine-0", "mine-1"} {
		if _, ok := x.readings[id]; !ok {
			t.Errorf("the export lacks reading %s about the person; it holds %d readings", id, len(x.readings))
		}
	}
	h.adult.call("POST", "/v1/me/exports", map[string]string{"password": "wrong password, long enough"}, http.StatusForbidden)

	// Erasure: scopes are checked, a device even once it is removed from
	// the household, then a category goes.
	h.owner.call("DELETE", hhPath+"/devices/"+h.dev.ID, nil, http.StatusNoContent)
	for _, sc := range []map[string]any{
		{"category": "no-such-category"},
		{"device_id": "dev_not-a-device"},
	} {
		h.adult.call("POST", "/v1/me/erasure/preview", sc, http.StatusBadRequest)
	}
	pv := h.adult.call("POST", "/v1/me/erasure/preview", map[string]any{"category": "room-temperature", "device_id": h.dev.ID}, http.StatusOK)
	if pv["readings"] != float64(2) {
		t.Errorf("preview counts %v readings, want 2", pv["readings"])
	}
	h.adult.call("POST", "/v1/me/erasures", map[string]any{"category": "room-temperature", "password": h.adultPW()}, http.StatusBadRequest) // not confirmed
	res := h.adult.call("POST", "/v1/me/erasures", map[string]any{"category": "room-temperature", "confirm": true, "password": h.adultPW()}, http.StatusOK)
	if res["readings"] != float64(2) || res["key_destroyed"] != false {
		t.Errorf("erasure answered %v, want 2 readings erased and the key kept", res)
	}
	link = h.adult.call("POST", "/v1/me/exports", map[string]string{"password": h.adultPW()}, http.StatusCreated)["url"].(string)
	if x := readExport(t, h.adult.raw("GET", link, nil, http.StatusOK)); len(x.readings) != 0 {
		t.Errorf("the export after the erasure still holds %d readings", len(x.readings))
	}

	// Requests: the two exports and the erasure, done, with no household,
	// and the objection made in the household before; the owner's own list
	// holds none of them.
	rs := h.adult.call("GET", "/v1/me/requests", nil, http.StatusOK)["requests"].([]any)
	types := map[string]int{}
	for _, r := range rs {
		r := r.(map[string]any)
		types[r["type"].(string)]++
		if r["person"] != h.adultID || r["identity_check"] != "reauthenticated" {
			t.Errorf("request %v: want the person's own, re-authenticated", r)
		}
		if r["type"] == "objection" {
			if r["household"] != h.hh {
				t.Errorf("the objection made in the household lists household %v", r["household"])
			}
		} else if r["household"] != "" || r["status"] != "done" {
			t.Errorf("request %v: want done, with no household", r)
		}
	}
	if types["access"] != 2 || types["erasure"] != 1 || types["objection"] != 1 || len(rs) != 4 {
		t.Errorf("requests by type = %v, want 2 access, 1 erasure and the objection", types)
	}
	if n := len(h.owner.call("GET", "/v1/me/requests", nil, http.StatusOK)["requests"].([]any)); n != 0 {
		t.Errorf("the owner lists %d requests, want none of the other person's", n)
	}
}

// adultPW is the adult member's password (signUp's).
func (h *lifecycleHome) adultPW() string { return "correct horse battery staple adult@example.com" }
