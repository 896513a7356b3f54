package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/mqtt"
)

// firmwareCommand is a firmware-update command as a device receives it.
type firmwareCommand struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Release  json.RawMessage `json:"release"`
	ImageURL string          `json:"image_url"`
}

// TestFirmwareRolloutEndToEnd drives a signed update as the manufacturer,
// the operator, the household and a device would: hearth firmware keygen,
// sign (substantial) and publish; a rollout recorded by hearth firmware
// rollout while the server runs; the household told what changes before
// the device gets the command over real MQTT; the device fetching the
// image with its credential, verifying it with the public key and
// reporting the install on its events topic; the household's device list
// showing the new version and the model's support period. A report from a
// device about a version it was never offered is refused, and so is a
// stranger's request to update the device, which hearth firmware refused
// lists.
// SEC-UPDATES FIRMWARE-NOTICE LIFETIME-CLEAR
func TestFirmwareRolloutEndToEnd(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 2, "Firmware home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, pw)
	key := filepath.Join(dir, "release")
	image := filepath.Join(dir, "ember-t1-1.2.0.bin")
	if err := os.WriteFile(image, bytes.Repeat([]byte("firmware 1.2.0 "), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	hearthOK(t, "firmware", "keygen", "--out", key)
	hearthOK(t, "firmware", "sign", "--key", key+".key", "--image", image, "--model", "ember-t1", "--version", "1.2.0",
		"--expires", "30d", "--substantial", "--notes", "Adds a holiday schedule.", "--out", filepath.Join(dir, "1.2.0.json"))
	out := hearthOK(t, "firmware", "publish", "--data", data, "--keys", key+".pub", "--metadata", filepath.Join(dir, "1.2.0.json"), "--image", image)
	if !strings.Contains(out, "published ember-t1 1.2.0") {
		t.Errorf("publish printed %q", out)
	}

	online, offline := creds[0], creds[1]
	cl := connect(t, p.MQTTAddr, online)
	commands := make(chan []byte, 4)
	if tok := cl.Subscribe(mqtt.CommandsTopic(online.ID), 1, func(_ paho.Client, m paho.Message) { commands <- m.Payload() }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	out = hearthOK(t, "firmware", "rollout", "--data", data, "--model", "ember-t1", "--version", "1.2.0")
	if !strings.Contains(out, "offered to 2 devices; 1 people notified beforehand") {
		t.Errorf("rollout printed %q", out)
	}

	var cmd firmwareCommand
	select {
	case b := <-commands:
		if err := json.Unmarshal(b, &cmd); err != nil || cmd.Type != "firmware-update" {
			t.Fatalf("command %s: %v", b, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the connected device got no firmware command within 30 s")
	}
	// The notice was stored by the rollout, before any offer existed.
	notes := owner.call("GET", "/v1/me/notifications", nil, http.StatusOK)
	if b, _ := json.Marshal(notes); !strings.Contains(string(b), "firmware-substantial") || !strings.Contains(string(b), "holiday schedule") {
		t.Errorf("the owner was not told what changes: %s", b)
	}

	// The device: fetch the image with its credential, verify, install, report.
	img := deviceGet(t, p.HTTP+cmd.ImageURL, online.Secret, http.StatusOK)
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := firmware.ParsePublicKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := firmware.Verify(trusted, cmd.Release, img, "1.0.0", time.Now()); err != nil {
		t.Fatalf("the device refuses the release: %v", err)
	}
	if tok := cl.Publish("hearth/v1/devices/"+online.ID+"/events", 1, false, `{"type":"firmware","status":"installed","version":"1.2.0"}`); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish event: %v", tok.Error())
	}
	deadline := time.Now().Add(30 * time.Second)
	for deviceOf(t, owner, hh, online.ID)["firmware"] != "1.2.0" {
		if time.Now().After(deadline) {
			t.Fatal("the device list does not show 1.2.0 installed after 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sup, _ := deviceOf(t, owner, hh, online.ID)["support"].(map[string]any)
	if sup["security_updates_until"] != "2031-12-31" || sup["service_lifetime"] != "12y" {
		t.Errorf("support = %v", sup)
	}

	// The device that was offline: its image is there for it, but a report
	// of a version it was never offered is refused and changes nothing.
	deviceGet(t, p.HTTP+"/v1/devices/"+offline.ID+"/firmware/1.2.0/image", offline.Secret, http.StatusOK)
	deviceGet(t, p.HTTP+"/v1/devices/"+offline.ID+"/firmware/1.3.0/image", offline.Secret, http.StatusNotFound)
	req, _ := http.NewRequest("POST", p.HTTP+"/v1/devices/"+offline.ID+"/events", strings.NewReader(`{"type":"firmware","status":"installed","version":"1.3.0"}`))
	req.Header.Set("Authorization", "Bearer "+offline.Secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "never offered") {
		t.Errorf("never-offered report: %d %s, want 400 saying so", res.StatusCode, body)
	}
	if fw := deviceOf(t, owner, hh, offline.ID)["firmware"]; fw != "1.0.0" {
		t.Errorf("offline device firmware = %v, want 1.0.0", fw)
	}

	// Someone else asks to update the household's device: 404, recorded.
	stranger := signUp(t, p.HTTP, "stranger@example.com")
	stranger.call("POST", "/v1/devices/"+online.ID+"/firmware/update", map[string]string{}, http.StatusNotFound)
	out = hearthOK(t, "firmware", "refused", "--data", data)
	if !strings.Contains(out, online.ID) || !strings.Contains(out, "no such device") {
		t.Errorf("hearth firmware refused:\n%s\nwant the stranger's request", out)
	}
}

// hearthOK runs a hearth command that must succeed and returns its output.
func hearthOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runHearth(t, t.Context(), args...)
	if code != 0 {
		t.Fatalf("hearth %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// deviceGet GETs url with a device's credential and returns the body.
func deviceGet(t *testing.T, url, secret string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", url, res.StatusCode, b, want)
	}
	return b
}

// deviceOf returns a device as its household's list shows it.
func deviceOf(t *testing.T, owner *api, hh, id string) map[string]any {
	t.Helper()
	for _, d := range owner.call("GET", "/v1/households/"+hh+"/devices", nil, http.StatusOK)["devices"].([]any) {
		if m := d.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("device %s not in its household's list", id)
	return nil
}

// TestUnsupportedDeviceNoticed: a server whose manifest says a model's
// security updates have ended tells every member of a household with such
// a device, when it starts, to take it off the network, and the device
// list says so too. SEC-UPDATES LIFETIME-CLEAR
func TestUnsupportedDeviceNoticed(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	src := strings.Replace(string(examples.Thermostat), `support_end: "2030-06-30"`, `support_end: "2024-06-30"`, 1)
	src = strings.Replace(src, `        until: "2030-06-30"`, `        until: "2024-06-30"`, 1)
	path := filepath.Join(dir, "ended.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, hh, email, pw := provisionDevices(t, data, "ember-s1", 1, "Old sensor home", "--manifest", path)
	p := startHearth(t, data, "--manifest", path)
	owner := signIn(t, p.HTTP, email, pw)
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := json.Marshal(owner.call("GET", "/v1/me/notifications", nil, http.StatusOK))
		if strings.Contains(string(b), "device-unsupported") {
			if !strings.Contains(string(b), "off your network") || !strings.Contains(string(b), creds[0].ID) {
				t.Errorf("notice %s does not say which device and what to do", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no device-unsupported notice within 30 s: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sup, _ := deviceOf(t, owner, hh, creds[0].ID)["support"].(map[string]any)
	if sup["security_updates_ended"] != true || !strings.Contains(sup["advice"].(string), "off your network") {
		t.Errorf("support = %v, want ended, with the advice", sup)
	}
}
