package device

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/events"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/mqtt"
	"github.com/hearth-iot/hearth/sqlite"
)

// backend is Hearth's real MQTT gateway on a real store, whose device
// events are recorded, and the provisioned device a reference device runs
// as.
type backend struct {
	db       *sqlite.DB
	broker   *mqtt.Broker
	deviceID string
	secret   string
	events   chan hearth.DeviceEvent
}

// startBackend starts the gateway with an events dispatcher that records
// every event type the device protocol has.
func startBackend(t *testing.T) *backend {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := ingesttest.Provision(t, db)
	svc := ingest.New(ingest.Config{Store: db, Keys: f.Keys, Manifest: f.Manifest, Metrics: metrics.NewUnregistered()})
	svc.Start()
	t.Cleanup(func() { svc.Close(context.Background()) })
	be := &backend{events: make(chan hearth.DeviceEvent, 16)}
	d := events.NewDispatcher()
	for _, typ := range []string{hearth.EventFactoryReset, hearth.EventFirmware, hearth.EventCommandRefused} {
		d.Register(typ, hearth.DeviceEventHandlerFunc(func(_ context.Context, id string, ev hearth.DeviceEvent) error {
			if id == be.deviceID {
				be.events <- ev
			}
			return nil
		}))
	}
	b, err := mqtt.New(mqtt.Config{Addr: "127.0.0.1:0", Ingest: svc, Events: d})
	if err != nil {
		t.Fatalf("mqtt.New: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	dev, secret := f.Device(t, true, hearth.ModeCloud)
	be.db, be.broker, be.deviceID, be.secret = db, b, dev.ID, secret
	return be
}

// command sends cmd to the device once it is connected and subscribed.
func (be *backend) command(t *testing.T, cmd string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		err := be.broker.Command(context.Background(), be.deviceID, []byte(cmd))
		if err == nil {
			return
		}
		if hearth.ErrorCode(err) != hearth.ENOTFOUND || time.Now().After(deadline) {
			t.Fatalf("Command: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// event waits for the device's next event at the backend.
func (be *backend) event(t *testing.T) hearth.DeviceEvent {
	t.Helper()
	select {
	case ev := <-be.events:
		return ev
	case <-time.After(waitBound):
		t.Fatalf("no event from the device within %v", waitBound)
		return hearth.DeviceEvent{}
	}
}

// startConnected runs a reference device as the backend's device, with a
// long interval (the test's store does not take its model's readings),
// and waits until it is connected.
func startConnected(t *testing.T, be *backend, cfg ReferenceConfig) *running {
	t.Helper()
	cfg.DeviceID, cfg.Secret, cfg.Model = be.deviceID, be.secret, "ember-t1"
	cfg.Broker = "tcp://" + be.broker.Addr().String()
	cfg.Interval = time.Hour
	rr := startRef(t, t.TempDir(), cfg)
	waitFor(t, "the device to connect", rr.Connected)
	return rr
}

// A command of a type the device does not know, or malformed, is refused
// with a command-refused event over MQTT, and changes nothing.
func TestCommandRefused(t *testing.T) {
	be := startBackend(t)
	rr := startConnected(t, be, ReferenceConfig{})
	for _, tt := range []struct{ cmd, command, reason string }{
		{`{"id":"c-1","type":"reboot"}`, "c-1", `unknown command type "reboot"`},
		{`{"id":"c-2","type":"set-mode","mode":"cloud"}`, "c-2", "set-mode mode"},
		{`{"id":"c 3","type":"factory-reset"}`, "-", "command id"},
		{`{"id":"c-4","type":"firmware-update","release":{}}`, "c-4", "image_url"},
		{`{"id":"c-5","type":"firmware-update","release":{},"image_url":"/x"}`, "c-5", "trusts no firmware signing key"},
	} {
		be.command(t, tt.cmd)
		ev := be.event(t)
		if ev.Type != hearth.EventCommandRefused || ev.Command != tt.command || !strings.Contains(ev.Reason, tt.reason) {
			t.Errorf("command %s: event %+v, want command-refused of %s with %q", tt.cmd, ev, tt.command, tt.reason)
		}
	}
	if st := rr.Status(); !st.Cloud || !st.Connected || st.Firmware != Firmware {
		t.Errorf("after refused commands: %+v, want nothing changed", st)
	}
}

// A set-mode local-only command disconnects the device and keeps it off
// the backend, across a restart, while it keeps taking readings and its
// local API answers (LOCAL-ONLY, CORE-STABLE).
func TestSetModeLocalOnlyCommand(t *testing.T) {
	be := startBackend(t)
	rr := startConnected(t, be, ReferenceConfig{})
	tok := pair(t, rr)
	be.command(t, `{"id":"m-1","type":"set-mode","mode":"local-only"}`)
	waitFor(t, "the device to leave the backend", func() bool {
		return hearth.ErrorCode(be.broker.Command(context.Background(), be.deviceID, []byte(`{}`))) == hearth.ENOTFOUND
	})
	a := call(t, "GET", rr.url+"/local/v1/state", tok, "")
	if a.status != 200 || a.body["cloud"] != false || a.body["connected"] != false {
		t.Errorf("local state after set-mode: %d %s", a.status, a.raw)
	}
	st, err := loadState(rr.cfg.Dir)
	if err != nil || st.Cloud {
		t.Errorf("state file after set-mode: %v, cloud %v; want local-only kept", err, st != nil && st.Cloud)
	}
}

// A factory-reset command wipes the device's state file, announces the
// reset over MQTT and stops the device (FACTORY-RESET).
func TestFactoryResetCommand(t *testing.T) {
	be := startBackend(t)
	rr := startConnected(t, be, ReferenceConfig{})
	be.command(t, `{"id":"r-1","type":"factory-reset"}`)
	if ev := be.event(t); ev.Type != hearth.EventFactoryReset {
		t.Errorf("event %+v, want factory-reset", ev)
	}
	if err := rr.halt(t); !errors.Is(err, ErrFactoryReset) {
		t.Errorf("Run: %v, want ErrFactoryReset", err)
	}
	if _, err := os.Stat(filepath.Join(rr.cfg.Dir, StateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file after a reset command: %v, want it gone", err)
	}
}

// imageServer serves firmware images at /v1/devices/{id}/firmware/{version}/image
// to the device's credential, as the backend's HTTP API does; gate, if
// not nil, holds every answer until it is closed.
func imageServer(t *testing.T, be *backend, images map[string][]byte, gate chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+be.secret {
			http.Error(w, "wrong credential", http.StatusUnauthorized)
			return
		}
		if gate != nil {
			<-gate
		}
		img, ok := images[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(img)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A firmware-update command installs a release signed by a trusted key
// and refuses, with the reason in a firmware event, an unsigned release,
// one signed by another key, a modified image, an older version and
// expired metadata; a refused release changes nothing (SEC-UPDATES).
func TestFirmwareUpdate(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	good := []byte("firmware 1.5.0 for ember-t1")
	sign := func(key ed25519.PrivateKey, version string, image []byte, expires time.Time) json.RawMessage {
		b, err := firmware.Sign(key, firmware.NewRelease("ember-t1", version, image, expires, false, ""))
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		return b
	}
	unsigned, _ := (&firmware.Metadata{Signed: firmware.NewRelease("ember-t1", "1.5.0", good, now.Add(time.Hour), false, "")}).MarshalJSON()
	be := startBackend(t)
	path := func(v string) string { return fmt.Sprintf("/v1/devices/%s/firmware/%s/image", be.deviceID, v) }
	images := map[string][]byte{path("1.5.0"): good, path("1.6.0"): []byte("firmware 1.6.0, changed in transit"), path("1.0.0"): []byte("old")}
	api := imageServer(t, be, images, nil)
	rr := startConnected(t, be, ReferenceConfig{API: api.URL, TrustedKeys: []ed25519.PublicKey{pub}, Now: func() time.Time { return now }})
	for _, tt := range []struct {
		name            string
		release         json.RawMessage
		version, reason string
	}{
		{"unsigned", unsigned, "1.5.0", "unsigned"},
		{"wrong key", sign(other, "1.5.0", good, now.Add(time.Hour)), "1.5.0", "wrong-key"},
		{"modified image", sign(priv, "1.6.0", []byte("firmware 1.6.0"), now.Add(time.Hour)), "1.6.0", "modified"},
		{"older version", sign(priv, "1.0.0", []byte("old"), now.Add(time.Hour)), "1.0.0", "older-version"},
		{"expired", sign(priv, "1.5.0", good, now.Add(-time.Second)), "1.5.0", "expired"},
		{"good", sign(priv, "1.5.0", good, now.Add(time.Hour)), "1.5.0", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd, _ := json.Marshal(Command{ID: "fw-" + strings.ReplaceAll(tt.name, " ", "-"), Type: CommandFirmwareUpdate, Release: tt.release, ImageURL: path(tt.version)})
			be.command(t, string(cmd))
			ev := be.event(t)
			want := hearth.DeviceEvent{Type: "firmware", Status: "refused", Version: tt.version, Reason: tt.reason, Detail: ev.Detail}
			if tt.reason == "" {
				want = hearth.DeviceEvent{Type: "firmware", Status: "installed", Version: tt.version}
			}
			if ev != want || (tt.reason != "" && ev.Detail == "") {
				t.Errorf("event %+v, want %+v with a detail", ev, want)
			}
			st := rr.Status()
			wantFW := Firmware
			if tt.reason == "" {
				wantFW = tt.version
			}
			if st.Firmware != wantFW || st.Update.Version != tt.version || st.Update.Reason != tt.reason {
				t.Errorf("state %+v, want firmware %s", st, wantFW)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(rr.cfg.Dir, ImageFile)); err != nil || string(b) != string(good) {
		t.Errorf("installed image %q, %v; want the good one", b, err)
	}
	if st, _ := loadState(rr.cfg.Dir); st == nil || st.Firmware != "1.5.0" {
		t.Errorf("state file firmware after the update: %+v, want 1.5.0", st)
	}
}

// The device keeps working during a firmware update: while the image
// download hangs, it keeps taking readings and its local API answers,
// showing the update in progress (SEC-UPDATES, CORE-STABLE).
func TestWorksDuringUpdate(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	image := []byte("firmware 2.0.0")
	release, err := firmware.Sign(priv, firmware.NewRelease("ember-t1", "2.0.0", image, time.Now().Add(time.Hour), false, ""))
	if err != nil {
		t.Fatal(err)
	}
	be := startBackend(t)
	path := "/v1/devices/" + be.deviceID + "/firmware/2.0.0/image"
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	defer open()
	api := imageServer(t, be, map[string][]byte{path: image}, gate)
	cfg := ReferenceConfig{API: api.URL, TrustedKeys: []ed25519.PublicKey{pub}}
	cfg.DeviceID, cfg.Secret, cfg.Model = be.deviceID, be.secret, "ember-t1"
	cfg.Broker = "tcp://" + be.broker.Addr().String()
	rr := startRef(t, t.TempDir(), cfg) // the default test interval: readings keep coming
	waitFor(t, "the device to connect", rr.Connected)
	tok := pair(t, rr)
	cmd, _ := json.Marshal(Command{ID: "fw-1", Type: CommandFirmwareUpdate, Release: release, ImageURL: path})
	be.command(t, string(cmd))
	waitFor(t, "the update to start", func() bool { return rr.Status().Update.Status == "in-progress" })
	before := rr.Status().Readings
	waitFor(t, "readings during the update", func() bool {
		a := call(t, "GET", rr.url+"/local/v1/state", tok, "")
		u, _ := a.body["update"].(map[string]any)
		n, _ := a.body["readings"].(float64)
		return a.status == 200 && u["status"] == "in-progress" && int(n) >= min(before+5, MaxLocalReadings)
	})
	open()
	if ev := be.event(t); ev.Type != "firmware" || ev.Status != "installed" || ev.Version != "2.0.0" {
		t.Errorf("event %+v, want firmware 2.0.0 installed", ev)
	}
}

// After the backend rotates the device's credential and ends its session
// (as an ownership transfer does), the device cannot connect with the old
// one; an app sets the new one through the local API, the device keeps it
// in its state file and connects with it (INT-LOCAL).
func TestSetCredential(t *testing.T) {
	be := startBackend(t)
	rr := startConnected(t, be, ReferenceConfig{})
	tok := pair(t, rr)
	secret, hash := auth.NewDeviceSecret()
	if err := be.db.SetCredential(context.Background(), be.deviceID, hash); err != nil {
		t.Fatal(err)
	}
	be.broker.Disconnect(be.deviceID)
	waitFor(t, "the device to lose its connection", func() bool { return !rr.Connected() })
	if a := call(t, "PUT", rr.url+"/local/v1/credential", tok, `{"secret":"`+secret+`"}`); a.status != http.StatusNoContent {
		t.Fatalf("set credential: %d %s", a.status, a.raw)
	}
	waitFor(t, "the device to connect with its new credential", rr.Connected)
	if st, err := loadState(rr.cfg.Dir); err != nil || st.Secret != secret {
		t.Errorf("state file after a new credential: %v, secret kept %v", err, st != nil && st.Secret == secret)
	}
}
