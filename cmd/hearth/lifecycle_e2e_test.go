package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// roomTemperature returns a room-temperature reading payload about person
// ("" for the household).
func roomTemperature(id, person string) string { return temperature(id, 20.5, person) }

// publishV5 publishes msg from c with the real mosquitto_pub at MQTT 5,
// QoS 1, and reports whether it was stored: the PUBACK comes only after
// the commit, and a refusal gets reason code 0x87 not authorized.
func publishV5(t *testing.T, addr string, c cred, msg string) bool {
	t.Helper()
	bin, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub not found (install mosquitto-clients; ./test.sh does): %v", err)
	}
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command(bin, "-h", host, "-p", port, "-V", "mqttv5", "-i", c.ID, "-u", c.ID, "-P", c.Secret,
		"-q", "1", "-t", topic(c.ID), "-m", msg, "-d").CombinedOutput()
	refused := strings.Contains(string(out), "Not authorized")
	if err != nil && !refused {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	if !refused && !strings.Contains(string(out), "PUBACK") {
		t.Fatalf("mosquitto_pub got no PUBACK:\n%s", out)
	}
	return !refused
}

// watchedDevice connects a paho client (MQTT 3.1.1, no reconnect) as c and
// returns its options and a channel that receives when the server ends
// the connection.
func watchedDevice(t *testing.T, broker string, c cred) (*paho.ClientOptions, <-chan error) {
	t.Helper()
	lost := make(chan error, 1)
	o := paho.NewClientOptions().AddBroker(broker).SetClientID(c.ID).SetUsername(c.ID).SetPassword(c.Secret).
		SetAutoReconnect(false).SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err })
	cl := paho.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { cl.Disconnect(100) })
	return o, lost
}

// wantNoReconnect fails unless the options' credential is refused.
func wantNoReconnect(t *testing.T, o *paho.ClientOptions) {
	t.Helper()
	again := paho.NewClient(o.SetConnectionLostHandler(nil))
	if tok := again.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		again.Disconnect(100)
		t.Fatal("the device reconnects over MQTT with its old secret")
	}
}

// lifecycleHome is a running server with a household: its owner (signed
// in), an adult member and one claimed thermostat.
type lifecycleHome struct {
	p              *proc
	hh             string
	owner, adult   *api
	ownerEmail, pw string
	adultID        string
	dev            cred
}

func newLifecycleHome(t *testing.T) *lifecycleHome {
	t.Helper()
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Lifecycle home")
	h := &lifecycleHome{p: startHearth(t, data), hh: hh, ownerEmail: email, pw: pw, dev: creds[0]}
	h.owner = signIn(t, h.p.HTTP, email, pw)
	h.adult = signUp(t, h.p.HTTP, "adult@example.com")
	h.adultID = h.adult.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	inv := h.owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)["token"].(string)
	h.adult.call("POST", "/v1/invites/accept", map[string]string{"token": inv}, http.StatusOK)
	return h
}

// TestRemovedMemberLosesAccessAtOnce: once an owner removes a member, the
// member's session gets 404 on the household at once, and a reading
// attributed to them is refused at once over MQTT and HTTP, though the
// server held them in its caches a moment before (SEC-AUTHZ). The
// member's account and session still work elsewhere.
func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	h := newLifecycleHome(t)
	hhPath := "/v1/households/" + h.hh
	if !publishV5(t, h.p.MQTTAddr, h.dev, roomTemperature("before", h.adultID)) {
		t.Fatal("a reading about a member was refused before their removal")
	}
	me := hhPath + "/people/" + h.adultID
	paths := []string{hhPath, hhPath + "/members", hhPath + "/devices", hhPath + "/readings?purpose=heating-control",
		me + "/consents", me + "/settings", me + "/shares", me + "/requests"}
	for _, path := range paths {
		h.adult.call("GET", path, nil, http.StatusOK)
	}

	h.owner.call("DELETE", hhPath+"/members/"+h.adultID, nil, http.StatusNoContent)
	for _, path := range paths {
		h.adult.call("GET", path, nil, http.StatusNotFound)
	}
	h.adult.call("POST", hhPath+"/invites", map[string]string{"role": "adult"}, http.StatusNotFound)
	if publishV5(t, h.p.MQTTAddr, h.dev, roomTemperature("after", h.adultID)) {
		t.Error("a reading about the removed member was stored")
	}
	httpPost(t, h.p.HTTP, h.dev, []byte(roomTemperature("after-http", h.adultID)), http.StatusUnprocessableEntity)
	if !publishV5(t, h.p.MQTTAddr, h.dev, roomTemperature("household", "")) {
		t.Error("a household reading from the same device was refused")
	}
	// The removed member's reading stays stored, readable by nobody in the
	// household; the household's own readings are served as before.
	if rs := h.owner.allReadings(h.hh); len(rs) != 1 || rs[0].PersonID != "" {
		t.Errorf("owner's readings after the removal = %+v, want only the household's one", rs)
	}
	h.adult.call("GET", "/v1/me", nil, http.StatusOK)
	hs := h.adult.call("GET", "/v1/households", nil, http.StatusOK)["households"].([]any)
	if len(hs) != 0 {
		t.Errorf("the removed member still lists %d households", len(hs))
	}
}

// TestLastOwnerAndLeaving: the last owner cannot leave, be demoted or be
// removed while other members remain (409 with what to do); a non-member
// gets 404 on every lifecycle route; a member may leave, and their access
// ends at once (SEC-AUTHZ).
func TestLastOwnerAndLeaving(t *testing.T) {
	h := newLifecycleHome(t)
	stranger := signUp(t, h.p.HTTP, "stranger@example.com")
	hhPath := "/v1/households/" + h.hh
	ownerID := h.owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)

	got := h.owner.call("DELETE", hhPath+"/members/"+ownerID, nil, http.StatusConflict)
	if d, _ := got["detail"].(string); !strings.Contains(d, "owner") {
		t.Errorf("refusal detail %q does not say an owner is needed", d)
	}
	h.owner.call("PATCH", hhPath+"/members/"+ownerID, map[string]string{"role": "adult"}, http.StatusConflict)
	h.adult.call("DELETE", hhPath+"/members/"+ownerID, nil, http.StatusForbidden)
	h.adult.call("PATCH", hhPath+"/members/"+h.adultID, map[string]string{"role": "owner"}, http.StatusForbidden)

	stranger.call("DELETE", hhPath+"/members/"+h.adultID, nil, http.StatusNotFound)
	stranger.call("PATCH", hhPath+"/members/"+h.adultID, map[string]string{"role": "guest"}, http.StatusNotFound)
	stranger.call("DELETE", hhPath+"/devices/"+h.dev.ID, nil, http.StatusNotFound)

	// A second owner lets the first leave; their access ends at once.
	m := h.owner.call("PATCH", hhPath+"/members/"+h.adultID, map[string]string{"role": "owner"}, http.StatusOK)
	if m["role"] != "owner" || m["controls"] == "" || m["person_id"] != h.adultID {
		t.Errorf("role change answered %v, want the member as owner with the role's controls", m)
	}
	h.owner.call("PATCH", hhPath+"/members/"+h.adultID, map[string]string{"role": "child"}, http.StatusBadRequest) // a child needs a guardian
	h.owner.call("DELETE", hhPath+"/members/"+ownerID, nil, http.StatusNoContent)
	h.owner.call("GET", hhPath, nil, http.StatusNotFound)
	h.adult.call("GET", hhPath, nil, http.StatusOK)
}

// TestRemovedDeviceDisconnected: an owner removes a connected device from
// the household; its MQTT session ends at once, its secret no longer
// connects over MQTT or HTTP, and the household no longer lists it; the
// reading it sent before stays with the household (SEC-AUTHZ).
func TestRemovedDeviceDisconnected(t *testing.T) {
	h := newLifecycleHome(t)
	if !publishV5(t, h.p.MQTTAddr, h.dev, roomTemperature("kept", "")) {
		t.Fatal("a reading was refused before the removal")
	}
	o, lost := watchedDevice(t, h.p.MQTT, h.dev)

	h.adult.call("DELETE", "/v1/households/"+h.hh+"/devices/"+h.dev.ID, nil, http.StatusForbidden)
	h.owner.call("DELETE", "/v1/households/"+h.hh+"/devices/"+h.dev.ID, nil, http.StatusNoContent)
	select {
	case <-lost:
	case <-time.After(30 * time.Second):
		t.Fatal("the removed device's MQTT session survived its removal")
	}
	wantNoReconnect(t, o)
	httpPost(t, h.p.HTTP, h.dev, payload("after-removal", "room-temperature", map[string]any{"celsius": 20}), http.StatusUnauthorized)
	devs := h.owner.call("GET", "/v1/households/"+h.hh+"/devices", nil, http.StatusOK)["devices"].([]any)
	if len(devs) != 0 {
		t.Errorf("the household lists %d devices after the removal, want 0", len(devs))
	}
	h.owner.call("DELETE", "/v1/households/"+h.hh+"/devices/"+h.dev.ID, nil, http.StatusNotFound)
	if rs := h.owner.allReadings(h.hh); len(rs) != 1 || rs[0].DeviceID != h.dev.ID {
		t.Errorf("household readings after the removal = %+v, want the one the device sent before", rs)
	}
}

// TestPasswordChangeAndSignOutEverywhere: changing the password needs the
// current one, ends every other session at once and keeps the current
// one; signing out everywhere ends them all (SEC-AUTHZ, SEC-NO-DEFAULT-PW).
func TestPasswordChangeAndSignOutEverywhere(t *testing.T) {
	h := newLifecycleHome(t)
	elsewhere := signIn(t, h.p.HTTP, h.ownerEmail, h.pw)
	const next = "a fresh and rather long passphrase"
	h.owner.call("POST", "/v1/me/password", map[string]string{"current_password": "wrong guess at it", "new_password": next}, http.StatusForbidden)
	bad := h.owner.call("POST", "/v1/me/password", map[string]string{"current_password": h.pw, "new_password": "password"}, http.StatusBadRequest)
	if errs, _ := bad["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "new_password" {
		t.Errorf("a blocklisted new password: errors %v, want one on new_password", bad["errors"])
	}
	elsewhere.call("GET", "/v1/me", nil, http.StatusOK) // refused changes end nothing

	h.owner.call("POST", "/v1/me/password", map[string]string{"current_password": h.pw, "new_password": next}, http.StatusNoContent)
	elsewhere.call("GET", "/v1/me", nil, http.StatusUnauthorized)
	h.owner.call("GET", "/v1/households/"+h.hh, nil, http.StatusOK)
	(&api{t: t, base: h.p.HTTP}).call("POST", "/v1/sessions", map[string]string{"email": h.ownerEmail, "password": h.pw}, http.StatusUnauthorized)
	third := signIn(t, h.p.HTTP, h.ownerEmail, next)

	h.owner.call("DELETE", "/v1/sessions", nil, http.StatusNoContent)
	h.owner.call("GET", "/v1/me", nil, http.StatusUnauthorized)
	third.call("GET", "/v1/me", nil, http.StatusUnauthorized)
	h.adult.call("GET", "/v1/me", nil, http.StatusOK) // another account is untouched
}
