package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// liveDevice is a device connected with paho (MQTT 3.1.1, no reconnect),
// subscribed to its commands topic: commands receives what the server
// sends it, lost receives once the server ends the connection.
type liveDevice struct {
	paho.Client
	commands chan []byte
	lost     chan error
}

func connectLive(t *testing.T, broker string, c cred) *liveDevice {
	t.Helper()
	d := &liveDevice{commands: make(chan []byte, 4), lost: make(chan error, 1)}
	o := paho.NewClientOptions().AddBroker(broker).SetClientID(c.ID).SetUsername(c.ID).SetPassword(c.Secret).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectionLostHandler(func(_ paho.Client, err error) { d.lost <- err })
	d.Client = paho.NewClient(o)
	if tok := d.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", c.ID, tok.Error())
	}
	t.Cleanup(func() { d.Disconnect(100) })
	tok := d.Subscribe("hearth/v1/devices/"+c.ID+"/commands", 1, func(_ paho.Client, m paho.Message) { d.commands <- m.Payload() })
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return d
}

// publish publishes a reading at QoS 1 and waits for its PUBACK, which
// comes once it is stored.
func (d *liveDevice) publish(t *testing.T, deviceID, msg string) {
	t.Helper()
	if tok := d.Publish(topic(deviceID), 1, false, msg); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: no PUBACK (%v)", tok.Error())
	}
}

// command waits for the next command and decodes it.
func (d *liveDevice) command(t *testing.T) map[string]string {
	t.Helper()
	select {
	case b := <-d.commands:
		var c map[string]string
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("command %s: %v", b, err)
		}
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("no command within 30s")
	}
	return nil
}

// waitLost fails unless the server ends the connection within 30s.
func (d *liveDevice) waitLost(t *testing.T, what string) {
	t.Helper()
	select {
	case <-d.lost:
	case <-time.After(30 * time.Second):
		t.Fatalf("the device's MQTT session survived %s", what)
	}
}

// celsiusOf returns the celsius values of readings, in order.
func celsiusOf(t *testing.T, rs []reading) []float64 {
	t.Helper()
	out := []float64{}
	for _, r := range rs {
		var v struct{ Celsius float64 }
		if err := json.Unmarshal(r.Values, &v); err != nil {
			t.Fatalf("values %s: %v", r.Values, err)
		}
		out = append(out, v.Celsius)
	}
	return out
}

// temperature is a room-temperature reading of celsius, about person ("" for the household).
func temperature(id string, celsius float64, person string) string {
	msg := string(payload(id, "room-temperature", map[string]any{"celsius": celsius}))
	if person == "" {
		return msg
	}
	return strings.Replace(msg, `"category"`, `"person":"`+person+`","category"`, 1)
}

// OWN-TRANSFER, OWN-CLEAN, with real MQTT traffic before and after: the
// owner starts a transfer, the new owner accepts it with the one-time code;
// the device's open session ends and its old secret is refused; the new
// household sees none of the readings from before (the household's own
// or a member's), and the previous household none of those after.
func TestTransferIsolationE2E(t *testing.T) {
	h := newLifecycleHome(t)
	old := connectLive(t, h.p.MQTT, h.dev)
	old.publish(t, h.dev.ID, temperature("before-1", 10, ""))
	if !publishV5(t, h.p.MQTTAddr, h.dev, temperature("before-2", 11, h.adultID)) {
		t.Fatal("a reading about a member was refused before the transfer")
	}
	bob := signUp(t, h.p.HTTP, "bob@example.com")
	hhB := bob.call("POST", "/v1/households", map[string]string{"name": "Bob's"}, http.StatusCreated)["id"].(string)

	code := h.owner.call("POST", "/v1/devices/"+h.dev.ID+"/transfer", map[string]string{"readings": "keep"}, http.StatusCreated)["code"].(string)
	h.owner.call("POST", "/v1/households/"+h.hh+"/transfers", map[string]string{"code": code}, http.StatusConflict) // the current owner
	accepted := bob.call("POST", "/v1/households/"+hhB+"/transfers", map[string]string{"code": code}, http.StatusCreated)
	old.waitLost(t, "the transfer")
	o := paho.NewClientOptions().AddBroker(h.p.MQTT).SetClientID(h.dev.ID).SetUsername(h.dev.ID).SetPassword(h.dev.Secret)
	wantNoReconnect(t, o)
	httpPost(t, h.p.HTTP, h.dev, []byte(temperature("old-secret", 99, "")), http.StatusUnauthorized)

	moved := cred{ID: h.dev.ID, Secret: accepted["secret"].(string)}
	now := connectLive(t, h.p.MQTT, moved)
	now.publish(t, moved.ID, temperature("after-1", 30, ""))
	if !publishV5(t, h.p.MQTTAddr, moved, temperature("after-2", 31, "")) {
		t.Fatal("a reading was refused after the transfer")
	}
	if publishV5(t, h.p.MQTTAddr, moved, temperature("after-3", 32, h.adultID)) {
		t.Error("a reading about the previous household's member was stored in the new household")
	}
	bob.call("POST", "/v1/households/"+hhB+"/transfers", map[string]string{"code": code}, http.StatusConflict) // reused

	for _, c := range []struct {
		who  string
		a    *api
		hh   string
		want string
	}{
		{"previous owner", h.owner, h.hh, "[10]"},
		{"previous household's adult", h.adult, h.hh, "[10 11]"},
		{"new owner", bob, hhB, "[30 31]"},
	} {
		if got := fmt.Sprint(celsiusOf(t, c.a.allReadings(c.hh))); got != c.want {
			t.Errorf("%s reads %s, want %s", c.who, got, c.want)
		}
	}
	if devs := h.owner.call("GET", "/v1/households/"+h.hh+"/devices", nil, http.StatusOK)["devices"].([]any); len(devs) != 0 {
		t.Errorf("the previous household still lists %d devices", len(devs))
	}
	bob.call("GET", "/v1/households/"+h.hh, nil, http.StatusNotFound)
	h.owner.call("GET", "/v1/households/"+hhB+"/readings?purpose=heating-control", nil, http.StatusNotFound)
}

// FACTORY-RESET from both ends over MQTT: from the owner's account (the
// connected device receives the factory-reset command, then its session
// ends) and from the device itself (it announces its reset on its events
// topic and gets the PUBACK); either way the device is unbound, its secret
// revoked, and the readings it sent stay with the household.
func TestFactoryResetE2E(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 2, "Reset home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, pw)
	fromAccount, fromDevice := creds[0], creds[1]

	d := connectLive(t, p.MQTT, fromAccount)
	d.publish(t, fromAccount.ID, temperature("r1", 20, ""))
	res := owner.call("POST", "/v1/devices/"+fromAccount.ID+"/reset", map[string]string{"readings": "keep"}, http.StatusOK)
	cmd := d.command(t)
	if cmd["type"] != "factory-reset" || cmd["id"] == "" || res["command"].(map[string]any)["id"] != cmd["id"] || res["command"].(map[string]any)["delivered"] != true {
		t.Errorf("command %v, answer %v: want the factory-reset command, delivered, with the answer's ID", cmd, res)
	}
	d.waitLost(t, "its factory reset")
	httpPost(t, p.HTTP, fromAccount, []byte(temperature("r2", 21, "")), http.StatusUnauthorized)

	if !publishV5(t, p.MQTTAddr, fromDevice, temperature("r3", 22, "")) {
		t.Fatal("a reading was refused before the reset")
	}
	// The PUBACK comes first; then the server ends the session (DISCONNECT
	// 0x87), so mosquitto_pub's own DISCONNECT may find it gone.
	out, _ := mosquittoPubEvent(t, p.MQTTAddr, fromDevice, `{"type":"factory-reset"}`)
	if !strings.Contains(out, "received PUBACK (Mid: 1, RC:0)") {
		t.Fatalf("the reset announcement: output\n%s\nwant PUBACK success", out)
	}
	httpPost(t, p.HTTP, fromDevice, []byte(temperature("r4", 23, "")), http.StatusUnauthorized)

	if devs := owner.call("GET", "/v1/households/"+hh+"/devices", nil, http.StatusOK)["devices"].([]any); len(devs) != 0 {
		t.Errorf("the household still lists %d devices after both resets", len(devs))
	}
	if got := fmt.Sprint(celsiusOf(t, owner.allReadings(hh))); got != "[20 22]" {
		t.Errorf("household readings %s, want [20 22] (kept)", got)
	}
	// A stranger's reset is refused and recorded; the operator reads the log.
	signUp(t, p.HTTP, "stranger@example.com").call("POST", "/v1/devices/"+fromDevice.ID+"/reset", map[string]string{"readings": "keep"}, http.StatusNotFound)
	for dev, want := range map[string][]string{
		fromAccount.ID: {" factory-reset sent household=" + hh + " person=", " command=cmd_"},
		fromDevice.ID:  {" factory-reset done household=" + hh + "\n", " reset-refused not-owner person="},
	} {
		code, out, errOut := runHearth(t, t.Context(), "devices", "log", "--data", data, "--id", dev)
		for _, w := range want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("hearth devices log --id %s: exit %d, output:\n%s%s\nwant a line with %q", dev, code, out, errOut, w)
			}
		}
	}
}

// mosquittoPubEvent publishes an event with the real mosquitto_pub at MQTT
// 5, QoS 1, and returns its debug output and whether it exited 0.
func mosquittoPubEvent(t *testing.T, addr string, c cred, event string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub not found (install mosquitto-clients; ./test.sh does): %v", err)
	}
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command(bin, "-h", host, "-p", port, "-V", "mqttv5", "-i", c.ID, "-u", c.ID, "-P", c.Secret,
		"-q", "1", "-t", "hearth/v1/devices/"+c.ID+"/events", "-m", event, "-d").CombinedOutput()
	if err != nil {
		out = append(out, "\n"+err.Error()...)
	}
	return string(out), err == nil
}

// LOCAL-ONLY over MQTT: the owner switches the device's link off; the
// connected device receives the set-mode command and its session ends; the
// backend refuses its CONNECT (CONNACK 0x87 not authorized) until the
// owner switches it back.
func TestLocalOnlyE2E(t *testing.T) {
	h := newLifecycleHome(t)
	d := connectLive(t, h.p.MQTT, h.dev)
	res := h.owner.call("PUT", "/v1/devices/"+h.dev.ID+"/mode", map[string]string{"mode": "local-only"}, http.StatusOK)
	if cmd := d.command(t); cmd["type"] != "set-mode" || cmd["mode"] != "local-only" || res["command"].(map[string]any)["delivered"] != true {
		t.Errorf("command %v, answer %v: want set-mode local-only, delivered", cmd, res)
	}
	d.waitLost(t, "the switch to local-only mode")
	out, ok := mosquittoPubEvent(t, h.p.MQTTAddr, h.dev, `{"type":"factory-reset"}`)
	if ok || !strings.Contains(out, "CONNACK (135)") {
		t.Errorf("a local-only device connecting: exit ok=%v, output:\n%s\nwant CONNACK (135) not authorized", ok, out)
	}
	httpPost(t, h.p.HTTP, h.dev, []byte(temperature("local", 20, "")), http.StatusForbidden)

	h.owner.call("PUT", "/v1/devices/"+h.dev.ID+"/mode", map[string]string{"mode": "cloud"}, http.StatusOK)
	if !publishV5(t, h.p.MQTTAddr, h.dev, temperature("cloud", 21, "")) {
		t.Error("a reading was refused after switching back to the cloud")
	}
	if got := fmt.Sprint(celsiusOf(t, h.owner.allReadings(h.hh))); got != "[21]" {
		t.Errorf("household readings %s, want [21]", got)
	}
}
