package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deviceProc is a running `hearth device`.
type deviceProc struct {
	cmd    *exec.Cmd
	local  string // http://host:port of its local API
	code   string // its pairing code
	dir    string
	lines  chan string // the rest of its stdout
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

// startDevice runs `hearth device` in dir against server p with cred c (a
// first start) and extra flags, and reads its local API address and
// pairing code.
func startDevice(t *testing.T, p *proc, c cred, dir string, extra ...string) *deviceProc {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(c.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &deviceProc{dir: dir, lines: make(chan string, 16), stderr: &lockedBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(buildBinary(t), append([]string{"device", "--dir", dir, "--listen", "127.0.0.1:0",
		"--broker", p.MQTT, "--api", p.HTTP, "--id", c.ID, "--secret-file", secret, "--model", "ember-t1",
		"--interval", "100ms"}, extra...)...)
	d.cmd.Env = cleanEnv()
	d.cmd.Stderr = d.stderr
	out, _ := d.cmd.StdoutPipe()
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start hearth device: %v", err)
	}
	t.Cleanup(func() { d.cmd.Process.Signal(syscall.SIGKILL); <-d.done })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
		io.Copy(io.Discard, out)
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	for d.local == "" || d.code == "" {
		select {
		case l, ok := <-d.lines:
			if !ok {
				t.Fatalf("hearth device exited before it listened; stderr:\n%s", d.stderr)
			}
			if _, a, ok := strings.Cut(l, " local API listening on "); ok {
				d.local = a
			}
			if c, ok := strings.CutPrefix(l, "hearth device: pairing code "); ok {
				d.code = c
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("hearth device printed no address and code in 60s; stderr:\n%s", d.stderr)
		}
	}
	return d
}

// localCall sends a request to a device's local API and decodes the JSON
// answer into out (if not nil), returning the status.
func localCall(t *testing.T, method, url, token, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// mqttReadings returns the readings the server received over MQTT, as
// /metrics counts them: accepted, duplicate and refused.
func mqttReadings(t *testing.T, p *proc) float64 {
	t.Helper()
	var n float64
	for l := range strings.SplitSeq(get(t, p.Metrics), "\n") {
		name, rest, _ := strings.Cut(l, "{")
		switch name {
		case "hearth_readings_accepted_total", "hearth_readings_duplicate_total", "hearth_readings_refused_total":
		default:
			continue
		}
		if !strings.Contains(rest, `transport="mqtt"`) {
			continue
		}
		f := strings.Fields(l)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		n += v
	}
	return n
}

// quietCount returns the server's MQTT reading count once a local-only
// device, whose local reading count is local(), has taken five more
// readings since it left the server (a reading it published just before
// may still be committing then), and waits for ten more: the caller
// checks the server's count has not moved meanwhile.
func quietCount(t *testing.T, p *proc, local func() int) float64 {
	t.Helper()
	start := local()
	waitUntil(t, "five readings kept locally", func() bool { return local() >= min(start+5, 500) })
	before := mqttReadings(t, p)
	start = local()
	waitUntil(t, "ten more readings kept locally", func() bool { return local() >= min(start+10, 500) })
	return before
}

// waitUntil polls cond for up to 30 s, failing the test with what.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after 30s waiting for %s", what)
}

// The reference device (`hearth device`) against a real `hearth serve`: it
// publishes over MQTT; an app pairs with its code through the local API
// and switches the cloud link off; the device then publishes nothing (the
// server's count stays put) while it keeps taking readings and its local
// API answers; switched back on, it publishes again; a factory reset from
// its local API wipes its state file, is announced to the server, which
// unbinds the device from its household, and stops it (INT-LOCAL,
// LOCAL-ONLY, CORE-STABLE, FACTORY-RESET).
func TestDeviceLocalOnlyAgainstServer(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Local home")
	p := startHearth(t, data, "--metrics-addr", "127.0.0.1:0")
	d := startDevice(t, p, creds[0], t.TempDir())
	waitUntil(t, "the device's readings at the server", func() bool { return mqttReadings(t, p) > 0 })

	var paired struct{ Token string }
	if s := localCall(t, "POST", d.local+"/local/v1/pair", "", `{"code":"`+d.code+`","name":"e2e app"}`, &paired); s != 201 || paired.Token == "" {
		t.Fatalf("pair: %d, want 201 and a token", s)
	}
	tok := paired.Token
	type status struct {
		Cloud, Connected bool
		Readings         int
	}
	var st status
	if s := localCall(t, "PUT", d.local+"/local/v1/cloud", tok, `{"enabled":false}`, &st); s != 200 || st.Cloud {
		t.Fatalf("cloud off: %d %+v", s, st)
	}
	waitUntil(t, "the device to leave the server", func() bool {
		return hasLine(get(t, p.Metrics), "hearth_connected_devices 0")
	})
	before := quietCount(t, p, func() int {
		localCall(t, "GET", d.local+"/local/v1/state", tok, "", &st)
		return st.Readings
	})
	if after := mqttReadings(t, p); after != before {
		t.Errorf("readings at the server while local-only: %v, then %v; want no change", before, after)
	}
	if st.Cloud || st.Connected {
		t.Errorf("local-only state: %+v, want cloud off, not connected", st)
	}

	if s := localCall(t, "PUT", d.local+"/local/v1/cloud", tok, `{"enabled":true}`, &st); s != 200 || !st.Cloud {
		t.Fatalf("cloud on: %d %+v", s, st)
	}
	waitUntil(t, "readings at the server again", func() bool { return mqttReadings(t, p) > before })

	var reset map[string]any
	waitUntil(t, "the device to connect again", func() bool {
		return localCall(t, "GET", d.local+"/local/v1/state", tok, "", &st) == 200 && st.Connected
	})
	if s := localCall(t, "POST", d.local+"/local/v1/factory-reset", tok, "", &reset); s != 200 || reset["status"] != "wiped" || reset["announced"] != true {
		t.Errorf("factory reset: %d %v, want wiped and announced", s, reset)
	}
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("hearth device did not stop within 30s of a factory reset; stderr:\n%s", d.stderr)
	}
	if d.err != nil {
		t.Errorf("hearth device after a factory reset: %v, want exit 0; stderr:\n%s", d.err, d.stderr)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "state.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file after a factory reset: %v, want it gone", err)
	}
	owner := signIn(t, p.HTTP, email, pw)
	for _, dev := range owner.call("GET", "/v1/households/"+hh+"/devices", nil, http.StatusOK)["devices"].([]any) {
		if dev.(map[string]any)["id"] == creds[0].ID {
			t.Errorf("the household still lists the device after its announced reset: %v", dev)
		}
	}
}

// `hearth device` refuses a bad command line with the flag named: no
// directory, a first start without the credential, an unreadable key file.
func TestDeviceCommandLine(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("a-secret-of-the-device"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"device"}, 2, "--dir"},
		{[]string{"device", "--dir", dir, "--interval", "1ms"}, 2, "--interval"},
		{[]string{"device", "--dir", dir, "--listen", "127.0.0.1:0"}, 1, "first start: device ID, secret and model are required"},
		{[]string{"device", "--dir", dir, "--listen", "127.0.0.1:0", "--id", "dev_x", "--secret-file", secret, "--model", "ember-t1", "--firmware", "1.2"}, 1, "firmware version"},
		{[]string{"device", "--dir", dir, "--trusted-keys", filepath.Join(dir, "none.pem")}, 1, "--trusted-keys"},
		{[]string{"device", "--dir", dir, "--listen", "127.0.0.1:0", "--id", "dev_x", "--secret-file", filepath.Join(dir, "none"), "--model", "ember-t1"}, 1, "--secret-file"},
	} {
		code, _, stderr := runHearth(t, t.Context(), tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("hearth %v: exit %d, stderr %q; want exit %d naming %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// The reference device (`hearth device --trusted-keys`) takes a release
// rolled out by the operator through a real `hearth serve`: it fetches the
// image with its credential, verifies and installs it, and reports it, so
// the household's device list shows the new version. A device with a
// newer version refuses it as older-version; a later release signed by a
// key the devices do not trust is refused with reason wrong-key; each
// keeps its installed version (SEC-UPDATES).
func TestDeviceFirmwareAgainstServer(t *testing.T) {
	data, keys := t.TempDir(), t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 2, "Firmware device home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, pw)
	trusted, stranger := filepath.Join(keys, "trusted"), filepath.Join(keys, "stranger")
	hearthOK(t, "firmware", "keygen", "--out", trusted)
	hearthOK(t, "firmware", "keygen", "--out", stranger)
	release := func(key, version string) {
		image := filepath.Join(keys, version+".bin")
		if err := os.WriteFile(image, []byte("ember-t1 firmware "+version), 0o644); err != nil {
			t.Fatal(err)
		}
		meta := filepath.Join(keys, version+".json")
		hearthOK(t, "firmware", "sign", "--key", key+".key", "--image", image, "--model", "ember-t1", "--version", version,
			"--expires", "30d", "--notes", "Fixes.", "--out", meta)
		hearthOK(t, "firmware", "publish", "--data", data, "--keys", key+".pub", "--metadata", meta, "--image", image)
		hearthOK(t, "firmware", "rollout", "--data", data, "--model", "ember-t1", "--version", version)
	}
	type state struct {
		Firmware  string
		Connected bool
		Update    struct{ Status, Version, Reason string }
	}
	// start runs a device and returns it, paired, once it is connected.
	start := func(c cred, installed string) (*deviceProc, string) {
		d := startDevice(t, p, c, t.TempDir(), "--trusted-keys", trusted+".pub", "--firmware", installed)
		var paired struct{ Token string }
		if s := localCall(t, "POST", d.local+"/local/v1/pair", "", `{"code":"`+d.code+`","name":"e2e app"}`, &paired); s != 201 {
			t.Fatalf("pair: %d", s)
		}
		var st state
		waitUntil(t, "the device to connect", func() bool {
			return localCall(t, "GET", d.local+"/local/v1/state", paired.Token, "", &st) == 200 && st.Connected
		})
		return d, paired.Token
	}
	d, token := start(creds[0], "1.0.0")
	newer, newerToken := start(creds[1], "2.0.0") // a device with a newer version than the release
	var st state

	release(trusted, "1.2.0")
	waitUntil(t, "the household's list to show 1.2.0 installed", func() bool { return deviceOf(t, owner, hh, creds[0].ID)["firmware"] == "1.2.0" })
	localCall(t, "GET", d.local+"/local/v1/state", token, "", &st)
	if st.Firmware != "1.2.0" || st.Update.Status != "installed" {
		t.Errorf("device state after the update: %+v, want 1.2.0 installed", st)
	}
	img, err := os.ReadFile(filepath.Join(d.dir, "firmware.img"))
	if err != nil || string(img) != "ember-t1 firmware 1.2.0" {
		t.Errorf("installed image %q, %v", img, err)
	}
	waitUntil(t, "the newer device to refuse 1.2.0", func() bool {
		return localCall(t, "GET", newer.local+"/local/v1/state", newerToken, "", &st) == 200 && st.Update.Status == "refused"
	})
	if st.Update.Reason != "older-version" || st.Firmware != "2.0.0" {
		t.Errorf("the newer device's state after 1.2.0: %+v, want older-version refused, 2.0.0 kept", st)
	}

	release(stranger, "1.3.0")
	waitUntil(t, "the device to refuse 1.3.0", func() bool {
		return localCall(t, "GET", d.local+"/local/v1/state", token, "", &st) == 200 && st.Update.Version == "1.3.0" && st.Update.Status == "refused"
	})
	if st.Update.Reason != "wrong-key" || st.Firmware != "1.2.0" {
		t.Errorf("device state after a release by another key: %+v, want wrong-key refused, 1.2.0 kept", st)
	}
	if fw := deviceOf(t, owner, hh, creds[0].ID)["firmware"]; fw != "1.2.0" {
		t.Errorf("the household's list after the refusal: firmware %v, want 1.2.0", fw)
	}
}
