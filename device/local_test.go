package device

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitBound bounds every wait in these tests.
const waitBound = 30 * time.Second

// running is a Reference device running in a test.
type running struct {
	*Reference
	url  string
	done chan error // receives Run's result
	stop context.CancelFunc
}

// startRef opens a reference device in dir with cfg (Dir and Listen set
// here) and runs it until the test ends.
func startRef(t *testing.T, dir string, cfg ReferenceConfig) *running {
	t.Helper()
	cfg.Dir, cfg.Listen = dir, "127.0.0.1:0"
	if cfg.DeviceID == "" {
		cfg.DeviceID, cfg.Secret, cfg.Model = "dev_test1", "secret-of-the-test-device", "ember-t1"
	}
	cfg.Interval = cmpOr(cfg.Interval, 50*time.Millisecond)
	r, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &running{Reference: r, url: "http://" + r.LocalAddr().String(), done: make(chan error, 1), stop: cancel}
	go func() { rr.done <- r.Run(ctx) }()
	t.Cleanup(func() { rr.halt(t) })
	return rr
}

// halt stops the device, if it still runs, and returns Run's result.
func (rr *running) halt(t *testing.T) error {
	t.Helper()
	rr.stop()
	select {
	case err, ok := <-rr.done:
		if ok {
			close(rr.done)
		}
		return err
	case <-time.After(waitBound):
		t.Fatalf("the device did not stop within %v", waitBound)
		return nil
	}
}

// answer is a local API response.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends a request to the local API with token (if not "") and a
// JSON body (if not "").
func call(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: waitBound}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	json.Unmarshal(b, &a.body)
	return a
}

// pair pairs an app with the device's code and returns its token.
func pair(t *testing.T, rr *running) string {
	t.Helper()
	a := call(t, "POST", rr.url+"/local/v1/pair", "", `{"code":"`+rr.PairingCode()+`","name":"Test app"}`)
	if a.status != http.StatusCreated {
		t.Fatalf("pair: %d %s, want 201", a.status, a.raw)
	}
	tok, _ := a.body["token"].(string)
	if tok == "" || a.body["device_id"] != rr.DeviceID() {
		t.Fatalf("pair: %s, want a token and the device ID", a.raw)
	}
	return tok
}

// noBackend is a broker and API address where nothing listens.
func noBackend(t *testing.T) (broker, api string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "tcp://" + addr, "http://" + addr
}

// The local API pairs an app and lets it read and control the device with
// the backend down: state, readings, the target temperature, the cloud
// link; all of it kept in the state file across a restart (INT-LOCAL,
// LOCAL-ONLY, CORE-STABLE).
func TestLocalAPIWithoutBackend(t *testing.T) {
	dir := t.TempDir()
	broker, api := noBackend(t)
	rr := startRef(t, dir, ReferenceConfig{Broker: broker, API: api})
	if a := call(t, "GET", rr.url+"/local/v1/state", "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("state before pairing: %d, want 401", a.status)
	}
	tok := pair(t, rr)
	a := call(t, "GET", rr.url+"/local/v1/state", tok, "")
	if a.status != 200 || a.body["device_id"] != "dev_test1" || a.body["model"] != "ember-t1" || a.body["firmware"] != Firmware ||
		a.body["cloud"] != true || a.body["connected"] != false {
		t.Errorf("state: %d %s", a.status, a.raw)
	}
	waitFor(t, "readings kept locally", func() bool {
		a := call(t, "GET", rr.url+"/local/v1/readings?category=room-temperature&limit=5", tok, "")
		rs, _ := a.body["readings"].([]any)
		return a.status == 200 && len(rs) >= 2
	})
	if a := call(t, "PUT", rr.url+"/local/v1/settings", tok, `{"target_celsius":22.5}`); a.status != 200 {
		t.Errorf("set target: %d %s", a.status, a.raw)
	}
	waitFor(t, "a setpoint reading of 22.5 °C set by the app", func() bool {
		for _, r := range rr.Readings("setpoint", MaxLocalReadings) {
			if r.Values["celsius"] == 22.5 && r.Values["source"] == "app" {
				return true
			}
		}
		return false
	})
	if a := call(t, "PUT", rr.url+"/local/v1/cloud", tok, `{"enabled":false}`); a.status != 200 || a.body["cloud"] != false {
		t.Errorf("cloud off: %d %s", a.status, a.raw)
	}
	if err := rr.halt(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cloud || st.Settings.TargetCelsius != 22.5 || len(st.Pairings) != 1 || len(st.Readings) == 0 || st.Secret != "secret-of-the-test-device" {
		t.Errorf("state file after stop: cloud %v target %v pairings %d readings %d", st.Cloud, st.Settings.TargetCelsius, len(st.Pairings), len(st.Readings))
	}
	again := startRef(t, dir, ReferenceConfig{})
	a = call(t, "GET", again.url+"/local/v1/state", tok, "")
	if a.status != 200 || a.body["cloud"] != false {
		t.Errorf("state after restart with the same token: %d %s", a.status, a.raw)
	}
	if s, _ := a.body["settings"].(map[string]any); s["target_celsius"] != 22.5 {
		t.Errorf("target after restart: %v, want 22.5", a.body["settings"])
	}
}

// waitFor polls cond until it holds, failing the test after waitBound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitBound); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s", waitBound, what)
}

// Every bad request gets a problem document naming what is wrong, and
// changes nothing (INT-LOCAL).
func TestLocalAPIErrors(t *testing.T) {
	rr := startRef(t, t.TempDir(), ReferenceConfig{})
	tok := pair(t, rr)
	sensor := startRef(t, t.TempDir(), ReferenceConfig{DeviceID: "dev_sensor", Secret: "secret-of-the-sensor-01", Model: "ember-s1"})
	sensorTok := pair(t, sensor)
	for _, tt := range []struct {
		name, method, path, token, body string
		contentType                     string // "" sends application/json with a body
		status                          int
		typ, field                      string
	}{
		{"unknown route", "GET", "/local/v1/nope", tok, "", "", 404, "not_found", ""},
		{"wrong method", "DELETE", "/local/v1/state", tok, "", "", 405, "method_not_allowed", ""},
		{"no token", "GET", "/local/v1/readings", "", "", "", 401, "unauthorized", ""},
		{"unknown token", "GET", "/local/v1/state", "not-a-token", "", "", 401, "unauthorized", ""},
		{"pair wrong code", "POST", "/local/v1/pair", "", `{"code":"00000000","name":"x"}`, "", 403, "wrong_code", "code"},
		{"pair short code", "POST", "/local/v1/pair", "", `{"code":"123","name":"x"}`, "", 400, "invalid", "code"},
		{"pair no name", "POST", "/local/v1/pair", "", `{"code":"12345678"}`, "", 400, "invalid", "name"},
		{"pair unknown field", "POST", "/local/v1/pair", "", `{"code":"12345678","name":"x","admin":true}`, "", 400, "invalid", "admin"},
		{"pair text/plain", "POST", "/local/v1/pair", "", `{"code":"12345678","name":"x"}`, "text/plain", 415, "unsupported_media_type", ""},
		{"pair too large", "POST", "/local/v1/pair", "", `{"name":"` + strings.Repeat("x", 2000) + `"}`, "", 413, "too_large", ""},
		{"pair two objects", "POST", "/local/v1/pair", "", `{"code":"12345678","name":"x"}{}`, "", 400, "invalid", ""},
		{"pair malformed", "POST", "/local/v1/pair", "", `{"code":`, "", 400, "invalid", ""},
		{"pair array", "POST", "/local/v1/pair", "", `[]`, "", 400, "invalid", ""},
		{"empty body", "PUT", "/local/v1/settings", tok, "", "application/json", 400, "invalid", ""},
		{"target missing", "PUT", "/local/v1/settings", tok, `{}`, "", 400, "invalid", "target_celsius"},
		{"target too hot", "PUT", "/local/v1/settings", tok, `{"target_celsius":80}`, "", 400, "invalid", "target_celsius"},
		{"target a string", "PUT", "/local/v1/settings", tok, `{"target_celsius":"20"}`, "", 400, "invalid", "target_celsius"},
		{"target on a sensor", "PUT", "/local/v1/settings", sensorTok, `{"target_celsius":20}`, "", 409, "conflict", ""},
		{"cloud missing", "PUT", "/local/v1/cloud", tok, `{}`, "", 400, "invalid", "enabled"},
		{"secret short", "PUT", "/local/v1/credential", tok, `{"secret":"abc"}`, "", 400, "invalid", "secret"},
		{"secret with space", "PUT", "/local/v1/credential", tok, `{"secret":"abcdefgh ijklmnopq"}`, "", 400, "invalid", "secret"},
		{"readings limit", "GET", "/local/v1/readings?limit=0", tok, "", "", 400, "invalid", "limit"},
		{"readings category", "GET", "/local/v1/readings?category=location", tok, "", "", 400, "invalid", "category"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := rr.url
			if tt.token == sensorTok {
				base = sensor.url
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, base+tt.path, body)
			if ct := tt.contentType; ct != "" {
				req.Header.Set("Content-Type", ct)
			} else if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := (&http.Client{Timeout: waitBound}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p localProblem
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatalf("decode problem: %v", err)
			}
			if resp.StatusCode != tt.status || p.Status != tt.status || p.Type != localProblemBase+tt.typ ||
				resp.Header.Get("Content-Type") != "application/problem+json" || p.Detail == "" {
				t.Errorf("got %d %+v (%s), want %d type %s", resp.StatusCode, p, resp.Header.Get("Content-Type"), tt.status, tt.typ)
			}
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors %+v, want field %q", p.Errors, tt.field)
			}
		})
	}
	st := rr.Status()
	if st.Settings.TargetCelsius != 0 || !st.Cloud || st.Paired != 1 {
		t.Errorf("after the bad requests: %+v, want nothing changed", st)
	}
}

// Unpairing ends the app's token; an app paired after MaxPairings others
// unpairs the oldest.
func TestUnpair(t *testing.T) {
	rr := startRef(t, t.TempDir(), ReferenceConfig{})
	first := pair(t, rr)
	second := pair(t, rr)
	if a := call(t, "DELETE", rr.url+"/local/v1/pair", second, ""); a.status != http.StatusNoContent {
		t.Fatalf("unpair: %d %s", a.status, a.raw)
	}
	if a := call(t, "GET", rr.url+"/local/v1/state", second, ""); a.status != http.StatusUnauthorized {
		t.Errorf("state with an unpaired token: %d, want 401", a.status)
	}
	for range MaxPairings - 1 {
		pair(t, rr)
	}
	if a := call(t, "GET", rr.url+"/local/v1/state", first, ""); a.status != 200 {
		t.Errorf("the oldest of %d pairings: %d, want 200", MaxPairings, a.status)
	}
	pair(t, rr)
	if a := call(t, "GET", rr.url+"/local/v1/state", first, ""); a.status != http.StatusUnauthorized {
		t.Errorf("the oldest after a pairing over %d: %d, want 401", MaxPairings, a.status)
	}
}

// A factory reset from the device's end (its local API) wipes its state
// file, firmware image and any temporary copy, and stops it; with the backend down it says the
// reset was not announced (FACTORY-RESET).
func TestFactoryResetFromDevice(t *testing.T) {
	dir := t.TempDir()
	broker, api := noBackend(t)
	rr := startRef(t, dir, ReferenceConfig{Broker: broker, API: api})
	tok := pair(t, rr)
	for _, f := range []string{ImageFile, StateFile + ".crashed.tmp"} { // an image, and a copy a crash left
		if err := os.WriteFile(filepath.Join(dir, f), []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a := call(t, "POST", rr.url+"/local/v1/factory-reset", tok, "")
	if a.status != 200 || a.body["status"] != "wiped" || a.body["announced"] != false {
		t.Errorf("factory reset: %d %s, want wiped and not announced", a.status, a.raw)
	}
	if err := rr.halt(t); !errors.Is(err, ErrFactoryReset) {
		t.Errorf("Run: %v, want ErrFactoryReset", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the device's directory after a factory reset holds %v, want nothing", left)
	}
	for _, f := range []string{StateFile, ImageFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after a factory reset: %v, want it gone", f, err)
		}
	}
	if _, err := Open(ReferenceConfig{Dir: dir, Listen: "127.0.0.1:0"}); err == nil {
		t.Error("Open after a factory reset without a credential: no error, want first-start error")
	}
}

// Everything reachable before pairing is bounded. A flood of wrong
// pairing codes, sent at once, gets at most PairBurst codes checked and
// the rest 429 with Retry-After, also for the right code, until the
// throttle refills; an app paired before is served throughout; oversized
// bodies and headers are refused; a connection that sends nothing is
// closed (SEC-BRUTE, INT-LOCAL).
func TestLocalAPIFlood(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rr := startRef(t, t.TempDir(), ReferenceConfig{Now: clock})
	tok := pair(t, rr)

	const flood = 300
	var wg sync.WaitGroup
	counts := map[int]int{}
	var cmu sync.Mutex
	for i := range flood {
		wg.Go(func() {
			code := "0000000" + string(rune('0'+i%10))
			if code == rr.PairingCode() {
				code = "99999999"
			}
			a := call(t, "POST", rr.url+"/local/v1/pair", "", `{"code":"`+code+`","name":"attacker"}`)
			cmu.Lock()
			counts[a.status]++
			cmu.Unlock()
			if a.status == 429 && a.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
		if i%50 == 0 {
			if a := call(t, "GET", rr.url+"/local/v1/state", tok, ""); a.status != 200 {
				t.Errorf("paired app during the flood: %d, want 200", a.status)
			}
		}
	}
	wg.Wait()
	if counts[403] > PairBurst || counts[403]+counts[429] != flood {
		t.Errorf("flood answers %v: want at most %d codes checked (403), the rest 429", counts, PairBurst)
	}
	a := call(t, "POST", rr.url+"/local/v1/pair", "", `{"code":"`+rr.PairingCode()+`","name":"owner"}`)
	if a.status != 429 {
		t.Errorf("the right code while throttled: %d, want 429 (no code is checked)", a.status)
	}
	mu.Lock()
	now = now.Add(PairRefill)
	mu.Unlock()
	pair(t, rr)
	if st := rr.Status(); st.Paired != 2 {
		t.Errorf("paired apps after the flood: %d, want 2", st.Paired)
	}

	big := `{"code":"12345678","name":"` + strings.Repeat("a", 1<<20) + `"}`
	if a := call(t, "POST", rr.url+"/local/v1/pair", "", big); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MiB body: %d, want 413", a.status)
	}

	req, _ := http.NewRequest("GET", rr.url+"/local/v1/state", nil)
	req.Header.Set("X-Flood", strings.Repeat("h", 64<<10))
	if resp, err := (&http.Client{Timeout: waitBound}).Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %v %v, want 431", resp, err)
	} else {
		resp.Body.Close()
	}

	conn, err := net.Dial("tcp", rr.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(waitBound))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection that sends nothing: read %v, want it closed by the device before %v", err, waitBound)
	}
}

// MaxLocalConns bounds the open connections: while that many silent ones
// are held, a paired app waits, and is served once the device closes them
// for their missing request headers.
func TestLocalAPIConnectionLimit(t *testing.T) {
	rr := startRef(t, t.TempDir(), ReferenceConfig{})
	tok := pair(t, rr)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // the app must open a new connection
	var conns []net.Conn
	for range MaxLocalConns + 8 {
		c, err := net.Dial("tcp", rr.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	held := rr.ln.(*limitedListener).sem
	waitFor(t, "the device to hold its limit of connections", func() bool { return len(held) == MaxLocalConns })
	if a := call(t, "GET", rr.url+"/local/v1/state", tok, ""); a.status != 200 {
		t.Errorf("paired app after %d silent connections: %d, want 200", len(conns), a.status)
	}
}

// Once a factory reset has wiped the state file, nothing writes it again:
// every change is refused (FACTORY-RESET).
func TestNothingAfterReset(t *testing.T) {
	dir := t.TempDir()
	rr := startRef(t, dir, ReferenceConfig{})
	rr.FactoryReset()
	for name, err := range map[string]error{
		"SetTarget": rr.SetTarget(20), "SetCloud": rr.SetCloud(false), "SetCredential": rr.SetCredential("another-secret-of-it"),
	} {
		if !errors.Is(err, errResetting) {
			t.Errorf("%s after a reset: %v, want errResetting", name, err)
		}
	}
	rr.halt(t)
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the device's directory after a reset and stop holds %v, want nothing", left)
	}
}
