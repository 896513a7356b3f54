package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/sqlite"
)

// TestRectification drives RIGHT-RECTIFY against a running server with a
// reading sent over real MQTT: its value is corrected (the API shows the new
// one, and after the server stops the old sealed value is in neither
// hearth.db nor its log), it is re-attributed to the profile it is really
// about, marked disputed, and a profile's name corrected; each correction
// is a rights request.
func TestRectification(t *testing.T) {
	h := newRightsHome(t, "ember-t1")
	p, data, owner, pw, me, hh := h.p, h.data, h.owner, h.password, h.me, h.hh
	gran := owner.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Gran", "role": "guest"}, http.StatusCreated)["id"].(string)

	if !h.send(t, "r1", "room-temperature", map[string]any{"celsius": 31.5}) {
		t.Fatalf("room temperature refused, want stored")
	}
	rs, _ := owner.readingsFor(hh, "heating-control")
	if len(rs) != 1 {
		t.Fatalf("readings = %+v, want the one sent", rs)
	}
	id := rs[0].ID
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, sqlite.DataFile)+"?mode=ro")
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	var oldSealed []byte
	if err := db.QueryRow("SELECT sealed FROM readings WHERE id = ?", id).Scan(&oldSealed); err != nil {
		t.Fatalf("read the sealed value: %v", err)
	}
	db.Close()

	rectify := func(body map[string]any, want int) map[string]any {
		body["password"] = pw
		return owner.call("POST", fmt.Sprintf("/v1/households/%s/readings/%d/rectification", hh, id), body, want)
	}
	rectify(map[string]any{"action": "correct", "values": "21.5"}, http.StatusBadRequest) // not an object
	res := rectify(map[string]any{"action": "correct", "values": map[string]any{"celsius": 21.5}}, http.StatusOK)
	if rq := res["request"].(map[string]any); rq["type"] != "rectification" || rq["status"] != "done" || strings.Contains(fmt.Sprint(rq), "31.5") {
		t.Errorf("correction request = %v, want a done rectification without the old value", rq)
	}
	rs, _ = owner.readingsFor(hh, "heating-control")
	if len(rs) != 1 || string(rs[0].Values) != `{"celsius":21.5}` {
		t.Errorf("after the correction: %+v, want the corrected value", rs)
	}

	rectify(map[string]any{"action": "reattribute", "person": gran}, http.StatusOK)
	rectify(map[string]any{"action": "dispute"}, http.StatusOK)
	rs, _ = owner.readingsFor(hh, "heating-control")
	if len(rs) != 1 || rs[0].PersonID != gran || string(rs[0].Values) != `{"celsius":21.5}` {
		t.Errorf("after re-attribution: %+v, want Gran's reading, the same value", rs)
	}
	page := owner.call("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", nil, http.StatusOK)
	if r := page["readings"].([]any)[0].(map[string]any); r["disputed"] != true {
		t.Errorf("reading %v, want disputed", r)
	}

	owner.call("PUT", "/v1/households/"+hh+"/people/"+gran+"/display-name", map[string]any{"display_name": "Granny", "password": pw}, http.StatusOK)
	for _, m := range owner.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK)["members"].([]any) {
		if m := m.(map[string]any); m["person_id"] == gran && m["display_name"] != "Granny" {
			t.Errorf("member %v, want the corrected name", m)
		}
	}
	// The correction and the re-attribution were asked about the owner's
	// reading; the dispute and the rename about Gran's data.
	for person, want := range map[string]int{me: 2, gran: 2} {
		reqs := owner.call("GET", "/v1/households/"+hh+"/people/"+person+"/requests", nil, http.StatusOK)["requests"].([]any)
		if len(reqs) != want {
			t.Errorf("requests about %s: %d, want %d", person, len(reqs), want)
		}
	}

	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, f := range []string{sqlite.DataFile, sqlite.DataFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", f, err)
		}
		if bytes.Contains(b, oldSealed) {
			t.Errorf("%s still holds the old sealed value after the correction", f)
		}
	}
}
