package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/webhook"
)

// personPayload returns a reading payload about person.
func personPayload(id, person, category string, values map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "time": time.Now().Format(time.RFC3339), "person": person, "category": category, "values": values,
	})
	return b
}

// downRecipient is a recipient's erasure endpoint (an outside service)
// that is down: it answers 503 to every notice, after checking its
// signature.
type downRecipient struct {
	secret []byte
	mu     sync.Mutex
	calls  int
	bad    int
}

func (d *downRecipient) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if webhook.Verify(d.secret, r.Header.Get("Hearth-Signature"), body, time.Now(), time.Hour) != nil {
		d.bad++
	}
	w.WriteHeader(http.StatusServiceUnavailable)
}

// TestErasureEndToEnd: with the real binary, SQLite and MQTT, a person
// erases everything: afterwards no API returns a reading about them, and a
// marker planted in their readings' values appears nowhere in hearth.db,
// keys.db, their write-ahead logs, or the server's logs; a recipient whose
// endpoint is down does not hold the erasure up, and the notice's state is
// visible to the person. Another adult's data gets 403, a non-member 404
// (RIGHT-ERASE, SEC-AUTHZ).
func TestErasureEndToEnd(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Erase home")
	rec := &downRecipient{secret: []byte("e2e-shared-secret-0123456789")}
	recSrv := httptest.NewServer(rec)
	defer recSrv.Close()
	recipients := filepath.Join(t.TempDir(), "recipients")
	if err := os.WriteFile(recipients, []byte("cloud-host "+recSrv.URL+"/erasure "+string(rec.secret)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startHearth(t, data, "--recipients", recipients, "--log-level", "debug")
	owner := signIn(t, p.HTTP, email, pw)
	// Markers in the adult's e-mail address, display name and reading values.
	const (
		adultEmail = "erase.marker.91c2@example.com"
		adultPW    = "correct horse battery staple erase"
		adultName  = "MarkerName-erase-48d1"
		marker     = "MARKER-erase-5d1c-plaintext"
	)
	(&api{t: t, base: p.HTTP}).call("POST", "/v1/accounts", map[string]string{"email": adultEmail, "password": adultPW, "display_name": adultName}, http.StatusAccepted)
	adult := signIn(t, p.HTTP, adultEmail, adultPW)
	me := adult.person()
	inv := owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)
	adult.call("POST", "/v1/invites/accept", map[string]string{"token": inv["token"].(string)}, http.StatusOK)
	adult.call("PUT", "/v1/households/"+hh+"/people/"+me+"/settings", map[string]any{
		"features": []string{"weather-compensation"}, "purposes": []string{}, "location": "city",
		"feature_location": map[string]string{"weather-compensation": "city"}}, http.StatusOK)
	cl := connect(t, p.MQTT, creds[0])
	for i := range 30 {
		tok := cl.Publish(topic(creds[0].ID), 1, false, personPayload(fmt.Sprintf("e-%d", i), me, "setpoint", map[string]any{"celsius": 21, "source": marker}))
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	httpPost(t, p.HTTP, creds[0], personPayload("h-1", me, "device-health", map[string]any{"firmware": marker}), http.StatusCreated)
	if n := countAbout(adult.allReadings(hh), me); n != 31 {
		t.Fatalf("stored %d readings about the person, want 31 (the test proves nothing otherwise)", n)
	}
	path := "/v1/households/" + hh + "/people/" + me

	// Another adult's data: 403; a non-member: 404; nothing erased.
	owner.call("POST", path+"/erasures", map[string]any{"everything": true, "confirm": true, "password": pw}, http.StatusForbidden)
	stranger := signUp(t, p.HTTP, "stranger@example.com")
	strangerID := stranger.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	strangerPW := "correct horse battery staple stranger@example.com"
	stranger.call("POST", path+"/erasures", map[string]any{"everything": true, "confirm": true, "password": strangerPW}, http.StatusNotFound)
	stranger.call("POST", "/v1/households/"+hh+"/people/"+strangerID+"/erasures", map[string]any{"everything": true, "confirm": true, "password": strangerPW}, http.StatusNotFound)

	// A partial erasure: the recipient of device-health is down, so its
	// notice stays pending and is retried; the erasure itself is done, and
	// the person sees the notice's state.
	res := adult.call("POST", path+"/erasures", map[string]any{"category": "device-health", "confirm": true, "password": adultPW}, http.StatusOK)
	if res["readings"] != 1.0 || len(res["notices"].([]any)) != 1 {
		t.Errorf("erasure of device-health = %v, want 1 reading and 1 notice", res)
	}
	if n := countAbout(adult.allReadings(hh), me); n != 30 {
		t.Errorf("%d readings about the person after erasing device-health, want 30", n)
	}
	cloud := waitNotice(t, adult, path, "cloud-host")
	if cloud["state"] != "pending" || cloud["last_error"] != "recipient answered HTTP 503" {
		t.Errorf("cloud-host notice = %v, want pending after a 503", cloud)
	}
	rec.mu.Lock()
	if rec.bad != 0 || rec.calls == 0 {
		t.Errorf("recipient got %d notices, %d badly signed; want some, none bad", rec.calls, rec.bad)
	}
	rec.mu.Unlock()

	// A backup of hearth.db taken before the erasure.
	backup := filepath.Join(t.TempDir(), "before-erasure.db")
	if code, _, stderr := runHearth(t, context.Background(), "backup", "--data", data, "--out", backup); code != 0 {
		t.Fatalf("backup: exit %d; stderr:\n%s", code, stderr)
	}

	pv := adult.call("POST", path+"/erasure/preview", map[string]any{"everything": true}, http.StatusOK)
	for _, want := range []string{"30 readings", "destroyed first", "Backups", "Northwind Cloud Ltd", "Deleting the app"} {
		if !strings.Contains(pv["text"].(string), want) {
			t.Errorf("preview lacks %q: %s", want, pv["text"])
		}
	}
	res = adult.call("POST", path+"/erasures", map[string]any{"everything": true, "confirm": true, "password": adultPW}, http.StatusOK)
	if res["key_destroyed"] != true || res["readings"] != 30.0 || res["log_cleared"] != true {
		t.Errorf("erasure = %v, want key destroyed, 30 readings, log cleared", res)
	}
	adult.call("GET", "/v1/me", nil, http.StatusUnauthorized) // everything includes the account
	adult.call("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", nil, http.StatusUnauthorized)
	if n := countAbout(owner.allReadings(hh), me); n != 0 {
		t.Errorf("%d readings about the person after erasure, want 0", n)
	}
	markers := []string{marker, adultEmail, "erase.marker", adultName}
	scanAll(t, data, p, markers)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	scanAll(t, data, p, markers)

	// The backup from before still holds the person's rows, sealed with the
	// destroyed key; restored, the journal erases them again at start.
	if n := countRows(t, backup, "SELECT count(*) FROM persons WHERE id = ?", me); n != 1 {
		t.Fatalf("the backup holds %d rows of the person, want 1 (the test proves nothing otherwise)", n)
	}
	if n := countRows(t, filepath.Join(data, sqlite.KeysFile), "SELECT count(*) FROM keys WHERE subject = ?", me); n != 0 {
		t.Errorf("keys.db still holds %d keys of the person: the backup would be readable", n)
	}
	if code, _, stderr := runHearth(t, context.Background(), "restore", "--data", data, "--force", backup); code != 0 {
		t.Fatalf("restore: exit %d; stderr:\n%s", code, stderr)
	}
	p = startHearth(t, data, "--recipients", recipients)
	(&api{t: t, base: p.HTTP}).call("POST", "/v1/sessions", map[string]string{"email": adultEmail, "password": adultPW}, http.StatusUnauthorized)
	owner = signIn(t, p.HTTP, email, pw)
	members := owner.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK)
	if b, _ := json.Marshal(members); strings.Contains(string(b), me) || strings.Contains(string(b), adultName) {
		t.Errorf("the restored household still lists the erased person: %s", b)
	}
	scanAll(t, data, p, markers)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, q := range []string{"SELECT count(*) FROM persons WHERE id = ?", "SELECT count(*) FROM accounts WHERE person_id = ?",
		"SELECT count(*) FROM readings WHERE person_id = ?", "SELECT count(*) FROM settings WHERE person_id = ?"} {
		if n := countRows(t, filepath.Join(data, sqlite.DataFile), q, me); n != 0 {
			t.Errorf("after restore and start: %s = %d, want 0", q, n)
		}
	}
	scanAll(t, data, p, markers)
}

// scanAll fails if a marker is in a file of the data directory or in the
// server's logs.
func scanAll(t *testing.T, data string, p *proc, markers []string) {
	t.Helper()
	for _, m := range markers {
		scanFor(t, data, m)
		if strings.Contains(strings.ToLower(p.stderr.String()), strings.ToLower(m)) {
			t.Errorf("the server's logs contain %q", m)
		}
	}
}

// countRows runs a count query with one argument on a database file, read-only.
func countRows(t *testing.T, file, query, arg string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, arg).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", query, file, err)
	}
	return n
}

// countAbout counts the readings about person.
func countAbout(rs []reading, person string) int {
	n := 0
	for _, r := range rs {
		if r.PersonID == person {
			n++
		}
	}
	return n
}

// waitNotice polls the person's erasure notices until the recipient's has
// had a delivery attempt, and returns it.
func waitNotice(t *testing.T, a *api, path, recipient string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ns := a.call("GET", path+"/erasure-notices", nil, http.StatusOK)["notices"].([]any)
		for _, n := range ns {
			m := n.(map[string]any)
			if m["recipient_id"] == recipient && m["attempts"].(float64) >= 1 {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no delivery attempt to %s within 30s", recipient)
	return nil
}

// TestCloseAccountEndToEnd: closing an account ends its sessions at once,
// readings naming the person are refused on the device side, and the last
// owner of a household with other members must hand over first
// (RIGHT-ERASE).
func TestCloseAccountEndToEnd(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Close home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, pw)
	adult := signUp(t, p.HTTP, "adult@example.com")
	adultID := adult.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	inv := owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)
	adult.call("POST", "/v1/invites/accept", map[string]string{"token": inv["token"].(string)}, http.StatusOK)
	httpPost(t, p.HTTP, creds[0], personPayload("before", adultID, "occupancy", map[string]any{"occupied": true}), http.StatusCreated)

	owner.call("POST", "/v1/me/close", map[string]any{"password": pw, "confirm": true}, http.StatusConflict)
	adult.call("POST", "/v1/me/close", map[string]any{"password": "not the password at all", "confirm": true}, http.StatusForbidden)
	adult.call("POST", "/v1/me/close", map[string]any{"password": "correct horse battery staple adult@example.com", "confirm": true}, http.StatusOK)
	adult.call("GET", "/v1/me", nil, http.StatusUnauthorized)
	if n := countAbout(owner.allReadings(hh), adultID); n != 0 {
		t.Errorf("%d readings about the closed account, want 0", n)
	}
	req, _ := http.NewRequest("POST", p.HTTP+"/v1/devices/"+creds[0].ID+"/readings",
		bytes.NewReader(personPayload("after", adultID, "occupancy", map[string]any{"occupied": true})))
	req.Header.Set("Authorization", "Bearer "+creds[0].Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		t.Errorf("a reading naming the closed account was stored")
	}
	// Now alone, the owner may close too: the household's device loses its
	// credential and its MQTT session ends at once.
	lost := make(chan error, 1)
	o := paho.NewClientOptions().AddBroker(p.MQTT).SetClientID(creds[0].ID).SetUsername(creds[0].ID).SetPassword(creds[0].Secret).
		SetAutoReconnect(false).SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err })
	cl := paho.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	owner.call("POST", "/v1/me/close", map[string]any{"password": pw, "confirm": true}, http.StatusOK)
	owner.call("GET", "/v1/households", nil, http.StatusUnauthorized)
	select {
	case <-lost:
	case <-time.After(30 * time.Second):
		t.Fatal("the device's MQTT session survived the closing of its household's last account")
	}
	httpPost(t, p.HTTP, creds[0], payload("after-close", "room-temperature", map[string]any{"celsius": 20}), http.StatusUnauthorized)
}
