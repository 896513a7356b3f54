package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// payload returns a reading payload for the example thermostat manifest.
func payload(id, category string, values map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "time": time.Now().Format(time.RFC3339), "category": category, "values": values,
	})
	return b
}

func topic(deviceID string) string { return "hearth/v1/devices/" + deviceID + "/readings" }

// connect connects a paho client as a device, at MQTT 3.1.1.
func connect(t *testing.T, broker string, c cred) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(broker).SetClientID(c.ID).SetUsername(c.ID).SetPassword(c.Secret).
		SetProtocolVersion(4).SetAutoReconnect(true).SetCleanSession(false).
		SetConnectTimeout(5 * time.Second).SetMaxReconnectInterval(time.Second)
	cl := paho.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", c.ID, tok.Error())
	}
	t.Cleanup(func() { cl.Disconnect(100) })
	return cl
}

// mosquittoPub publishes one message with the real mosquitto_pub at QoS 1.
func mosquittoPub(t *testing.T, addr string, c cred, version string, msg []byte) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub not found (install mosquitto-clients; ./test.sh does): %v", err)
	}
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(bin, "-h", host, "-p", port, "-V", version, "-i", c.ID, "-u", c.ID, "-P", c.Secret,
		"-q", "1", "-t", topic(c.ID), "-m", string(msg))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub -V %s: %v\n%s", version, err, out)
	}
}

// TestEndToEnd drives the binary as a user would: sign up, create a
// household, claim a provisioned device, publish with mosquitto_pub (MQTT
// 3.1.1 and 5), with paho and over HTTP, and read everything back through
// the API (SEC-NO-DEFAULT-PW: each device has its own secret; MIN-GATE: an
// undeclared category is refused; INT-DEVICES).
func TestEndToEnd(t *testing.T) {
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "ember-t1", 2, "")
	p := startHearth(t, data)
	a := signUp(t, p.HTTP, "e2e@example.com")
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Test home"}, http.StatusCreated)["id"].(string)
	dev := creds[0]
	a.call("POST", "/v1/households/"+hh+"/devices", map[string]string{"code": dev.Code}, http.StatusCreated)
	a.call("POST", "/v1/households/"+hh+"/devices", map[string]string{"code": dev.Code}, http.StatusBadRequest) // used: one answer for used, unknown and expired (SEC-BRUTE)

	mosquittoPub(t, p.MQTTAddr, dev, "mqttv311", payload("mp-311", "room-temperature", map[string]any{"celsius": 20.5}))
	mosquittoPub(t, p.MQTTAddr, dev, "mqttv5", payload("mp-5", "humidity", map[string]any{"percent": 44}))

	cl := connect(t, p.MQTT, dev)
	tok := cl.Publish(topic(dev.ID), 1, false, payload("paho-1", "setpoint", map[string]any{"celsius": 21}))
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("paho publish: %v", tok.Error())
	}
	// An undeclared category is refused and never stored (MIN-GATE).
	cl.Publish(topic(dev.ID), 1, false, payload("paho-bad", "undeclared-audio", map[string]any{"clip": "x"})).WaitTimeout(2 * time.Second)

	httpPost(t, p.HTTP, dev, payload("http-1", "occupancy", map[string]any{"occupied": true}), http.StatusCreated)
	httpPost(t, p.HTTP, dev, payload("http-1", "occupancy", map[string]any{"occupied": true}), http.StatusOK)
	httpPost(t, p.HTTP, cred{ID: dev.ID, Secret: creds[1].Secret}, payload("http-2", "occupancy", map[string]any{"occupied": false}), http.StatusUnauthorized)

	got := map[string]string{}
	for _, r := range a.allReadings(hh) {
		got[r.Category] = string(r.Values)
	}
	want := map[string]string{
		"room-temperature": `{"celsius":20.5}`, "humidity": `{"percent":44}`,
		"setpoint": `{"celsius":21}`, "occupancy": `{"occupied":true}`,
	}
	for c, v := range want {
		if got[c] != v {
			t.Errorf("reading %s = %q, want %q", c, got[c], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("categories stored %v, want exactly %v", got, want)
	}
	other := signUp(t, p.HTTP, "other@example.com")
	other.call("GET", "/v1/households/"+hh+"/readings", nil, http.StatusNotFound) // SEC-AUTHZ
	if err := p.stop(t); err != nil {
		t.Errorf("graceful stop: %v, want exit 0; stderr:\n%s", err, p.stderr)
	}
}

// httpPost posts a reading over HTTP with the device's bearer secret.
func httpPost(t *testing.T, base string, c cred, body []byte, want int) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/devices/"+c.ID+"/readings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post reading: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("post reading %s: status %d, want %d", c.ID, resp.StatusCode, want)
	}
}

// TestStorageScan ingests readings carrying a marker string over MQTT and
// HTTP, and checks that the marker's bytes appear in no file of the data
// directory, while running and after shutdown: data is sealed at rest
// (SEC-ENCRYPT).
func TestStorageScan(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Scan home")
	p := startHearth(t, data)
	marker := "MARKER-7f3a9c-plaintext-must-not-be-stored"
	cl := connect(t, p.MQTT, creds[0])
	for i := range 50 {
		tok := cl.Publish(topic(creds[0].ID), 1, false, payload(fmt.Sprintf("m-%d", i), "setpoint", map[string]any{"celsius": 21, "source": marker}))
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	httpPost(t, p.HTTP, creds[0], payload("h-1", "setpoint", map[string]any{"celsius": 21, "source": marker}), http.StatusCreated)
	a := signIn(t, p.HTTP, email, pw)
	if n := len(a.allReadings(hh)); n != 51 {
		t.Fatalf("stored %d readings, want 51", n)
	}
	scanFor(t, data, marker)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	scanFor(t, data, marker)
}

// scanFor fails if any file under dir contains marker.
func scanFor(t *testing.T, dir, marker string) {
	t.Helper()
	files := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		files++
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s contains the plaintext marker", path)
		}
		return nil
	})
	if files < 2 {
		t.Errorf("scanned %d files, want at least the two databases", files)
	}
}

// TestServeRefuses checks the secure defaults and precise errors: plaintext
// on a non-loopback address, a bad manifest with line-numbered problems, a
// bad flag (SEC-ENCRYPT: TLS unless explicitly insecure).
func TestServeRefuses(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("format: 1\nversion: \"1\"\ncontroller: {name: X}\nmodels:\n  - id: m\n    support_end: someday\n    categories: [c]\ncategories:\n  - id: c\n    kind: personal\n    retention: forever\n"), 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"plaintext on all interfaces", []string{"serve", "--http", "0.0.0.0:0"}, 2, []string{`--http "0.0.0.0:0": refusing plaintext on a non-loopback address`}},
		{"plaintext mqtt", []string{"serve", "--mqtt", ":1883"}, 2, []string{"--mqtt", "refusing plaintext"}},
		{"bad manifest", []string{"serve", "--manifest", bad}, 1, []string{
			bad + `:6: models[0].support_end: "someday" is not a date`,
			bad + `:11: categories[0].retention: "forever" is not a retention period`}},
		{"unknown flag", []string{"serve", "--colour", "red"}, 2, []string{"flag provided but not defined: -colour"}},
		{"half TLS", []string{"serve", "--tls-cert", "c.pem"}, 2, []string{"--tls-cert and --tls-key: give both or neither"}},
		{"unknown command", []string{"srv"}, 2, []string{`unknown command "srv"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--data", t.TempDir())
			if tt.name == "unknown command" {
				args = tt.args
			}
			code, _, stderr := runHearth(t, context.Background(), args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr %s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runHearth(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(stdout, "hearth ") {
		t.Errorf("version: exit %d, output %q; want 0 and \"hearth ...\"", code, stdout)
	}
}

// TestRevokeDisconnects revokes a connected device's credential through the
// API: its MQTT session ends at once and the old secret no longer works over
// MQTT or HTTP (SEC-NO-DEFAULT-PW, SEC-AUTHZ).
func TestRevokeDisconnects(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Revoke home")
	p := startHearth(t, data)
	a := signIn(t, p.HTTP, email, pw)
	dev := creds[0]
	o, lost := watchedDevice(t, p.MQTT, dev)
	a.call("DELETE", "/v1/devices/"+dev.ID+"/credential", nil, http.StatusNoContent)
	select {
	case <-lost:
	case <-time.After(30 * time.Second):
		t.Fatal("the device's MQTT session survived the revocation of its credential")
	}
	wantNoReconnect(t, o)
	httpPost(t, p.HTTP, dev, payload("after-revoke", "room-temperature", map[string]any{"celsius": 20}), http.StatusUnauthorized)
	if n := len(a.allReadings(hh)); n != 0 {
		t.Errorf("%d readings stored after revocation, want 0", n)
	}
}
