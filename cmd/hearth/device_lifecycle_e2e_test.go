package main

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The reference device through a device's life on a real `hearth serve`,
// driven from the owners' accounts: the owner switches it to local-only
// (a set-mode command): it leaves and publishes nothing while its local
// API answers and it keeps taking readings; switched back in the account
// and on the device, it publishes again. The owner transfers it: the new
// owner's app gives it the new secret through its local API, and its
// readings land in the new household only. The new owner factory-resets
// it from their account: it wipes its state file and stops (LOCAL-ONLY,
// CORE-STABLE, INT-LOCAL, OWN-TRANSFER, FACTORY-RESET).
func TestDeviceLifeAgainstServer(t *testing.T) {
	data := t.TempDir()
	creds, hhA, emailA, pwA := provisionDevices(t, data, "ember-t1", 1, "Home A")
	_, hhB, emailB, pwB := provisionDevices(t, data, "ember-s1", 1, "Home B")
	p := startHearth(t, data, "--metrics-addr", "127.0.0.1:0")
	a, b := signIn(t, p.HTTP, emailA, pwA), signIn(t, p.HTTP, emailB, pwB)
	dev := creds[0]
	d := startDevice(t, p, dev, t.TempDir())
	var paired struct{ Token string }
	if s := localCall(t, "POST", d.local+"/local/v1/pair", "", `{"code":"`+d.code+`","name":"e2e app"}`, &paired); s != 201 {
		t.Fatalf("pair: %d", s)
	}
	tok := paired.Token
	var st struct {
		Cloud, Connected bool
		Readings         int
	}
	state := func() { localCall(t, "GET", d.local+"/local/v1/state", tok, "", &st) }
	waitUntil(t, "the device to connect", func() bool { state(); return st.Connected })
	waitUntil(t, "household A to get its readings", func() bool { return len(readingsOf(a, hhA, dev.ID)) > 0 })

	// LOCAL-ONLY from the account.
	res := a.call("PUT", "/v1/devices/"+dev.ID+"/mode", map[string]string{"mode": "local-only"}, http.StatusOK)
	if c, _ := res["command"].(map[string]any); c["delivered"] != true {
		t.Errorf("set-mode answer %v, want the command delivered", res)
	}
	waitUntil(t, "the device to go local-only", func() bool { state(); return !st.Cloud && !st.Connected })
	waitUntil(t, "the device to leave the server", func() bool {
		return hasLine(get(t, p.Metrics), "hearth_connected_devices 0")
	})
	before := quietCount(t, p, func() int { state(); return st.Readings })
	if after := mqttReadings(t, p); after != before {
		t.Errorf("readings at the server while local-only: %v, then %v; want no change", before, after)
	}
	a.call("PUT", "/v1/devices/"+dev.ID+"/mode", map[string]string{"mode": "cloud"}, http.StatusOK)
	if s := localCall(t, "PUT", d.local+"/local/v1/cloud", tok, `{"enabled":true}`, nil); s != 200 {
		t.Fatalf("cloud on: %d", s)
	}
	waitUntil(t, "the device to connect again", func() bool { state(); return st.Connected })

	// OWN-TRANSFER: the new owner's app gives the device its new secret.
	started := a.call("POST", "/v1/devices/"+dev.ID+"/transfer", map[string]string{"readings": "keep"}, http.StatusCreated)
	accepted := b.call("POST", "/v1/households/"+hhB+"/transfers", map[string]any{"code": started["code"]}, http.StatusCreated)
	secret, _ := accepted["secret"].(string)
	waitUntil(t, "the old secret to stop working", func() bool { state(); return !st.Connected })
	if s := localCall(t, "PUT", d.local+"/local/v1/credential", tok, `{"secret":"`+secret+`"}`, nil); s != http.StatusNoContent {
		t.Fatalf("set credential: %d", s)
	}
	waitUntil(t, "the device to connect with its new secret", func() bool { state(); return st.Connected })
	waitUntil(t, "household B to get its readings", func() bool { return len(readingsOf(b, hhB, dev.ID)) > 0 })
	beforeA := len(readingsOf(a, hhA, dev.ID))
	waitUntil(t, "more readings in household B", func() bool { return len(readingsOf(b, hhB, dev.ID)) > 5 })
	if n := len(readingsOf(a, hhA, dev.ID)); n != beforeA {
		t.Errorf("household A's readings of the device after the transfer: %d, then %d; want no new ones (OWN-CLEAN)", beforeA, n)
	}

	// FACTORY-RESET from the new owner's account.
	res = b.call("POST", "/v1/devices/"+dev.ID+"/reset", map[string]string{"readings": "keep"}, http.StatusOK)
	if c, _ := res["command"].(map[string]any); c["delivered"] != true {
		t.Errorf("reset answer %v, want the command delivered", res)
	}
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("hearth device did not stop within 30s of a reset command; stderr:\n%s", d.stderr)
	}
	if d.err != nil {
		t.Errorf("hearth device after a reset command: %v, want exit 0", d.err)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "state.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file after a reset command: %v, want it gone", err)
	}
}

// readingsOf returns the readings of device id that household hh's core
// purposes read.
func readingsOf(a *api, hh, id string) []reading {
	var out []reading
	for _, r := range a.allReadings(hh) {
		if r.DeviceID == id {
			out = append(out, r)
		}
	}
	return out
}
