package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/mqtt"
)

// consentManifest is ingesttest.ManifestYAML with presence used only by a
// purpose on consent: with no consent given, the gate refuses presence
// readings (no_consent).
var consentManifest = strings.Replace(ingesttest.ManifestYAML, `  - id: heating
    basis: contract
    core: true
    categories: [temperature, presence]
`, `  - id: heating
    basis: contract
    core: true
    categories: [temperature]
  - id: insights
    name: Insights
    description: Tell you when rooms are used.
    basis: consent
    categories: [presence]
`, 1)

// withManifest points e at a second broker whose ingest service, on the
// same store and metrics, enforces manifestYAML.
func withManifest(t *testing.T, e *env, manifestYAML string) *env {
	t.Helper()
	m, err := manifest.Parse("test.yaml", []byte(manifestYAML))
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	e.Manifest = m
	e.ingest = ingest.New(ingest.Config{Store: e.db, Keys: e.Keys, Manifest: m, Metrics: e.metrics})
	e.ingest.Start()
	t.Cleanup(func() { e.ingest.Close(context.Background()) })
	if e.broker, err = mqtt.New(mqtt.Config{Addr: "127.0.0.1:0", Ingest: e.ingest, Metrics: e.metrics}); err != nil {
		t.Fatalf("mqtt.New: %v", err)
	}
	if err := e.broker.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { e.broker.Close() })
	e.host, e.port, _ = strings.Cut(e.broker.Addr().String(), ":")
	return e
}

// refusal is one row of docs/device-protocol.md's table of refused
// readings, as a publish on the device's own topic.
type refusal struct {
	name    string
	device  deviceMaker // default: a claimed cloud device; others refuse every reading
	payload func(e *env) []byte
	code    byte   // MQTT 5 PUBACK reason code
	reason  string // hearth_readings_refused_total reason
}

// at returns a payload with message ID id, category, values and time.
func at(id, category string, values string, tm time.Time) []byte {
	return fmt.Appendf(nil, `{"id":%q,"time":%q,"category":%q,"values":%s}`, id, tm.Format(time.RFC3339), category, values)
}

// refusals returns the publish refusals of docs/device-protocol.md, one
// per cause (MIN-GATE, RETENTION, CONSENT-OPTIN).
func refusals() []refusal {
	now := time.Now()
	device := func(claimed bool, mode hearth.DeviceMode) deviceMaker {
		return func(e *env, t *testing.T) (*hearth.Device, string) { return e.Device(t, claimed, mode) }
	}
	return []refusal{
		{name: "payload over 16 KiB", code: 0x95, reason: "too_large", payload: func(*env) []byte {
			return at("big", "temperature", fmt.Sprintf(`{"v":%q}`, strings.Repeat("x", hearth.MaxReadingSize)), now)
		}},
		{name: "malformed JSON", code: 0x99, reason: "malformed", payload: func(*env) []byte { return []byte(`{"id":`) }},
		{name: "unknown field", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte(`{"id":"uf","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"v":"x"},"extra":1}`)
		}},
		{name: "key twice", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte(`{"id":"k2","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"v":"x","v":"y"}}`)
		}},
		{name: "missing field", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte(`{"id":"mf","time":"2026-01-02T15:04:05Z","values":{"v":"x"}}`)
		}},
		{name: "field of the wrong type", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte(`{"id":5,"time":"2026-01-02T15:04:05Z","category":"temperature","values":{"v":"x"}}`)
		}},
		{name: "invalid UTF-8 in values", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte("{\"id\":\"u8\",\"time\":\"2026-01-02T15:04:05Z\",\"category\":\"temperature\",\"values\":{\"v\":\"\xff\xfe\"}}")
		}},
		{name: "bad id format", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return at("has space", "temperature", `{"v":"x"}`, now)
		}},
		{name: "bad time format", code: 0x99, reason: "malformed", payload: func(*env) []byte {
			return []byte(`{"id":"bt","time":"yesterday","category":"temperature","values":{"v":"x"}}`)
		}},
		{name: "time too far in the future", code: 0x99, reason: "future_time", payload: func(*env) []byte {
			return at("fut", "temperature", `{"v":"x"}`, now.Add(48*time.Hour))
		}},
		{name: "undeclared field", code: 0x87, reason: "undeclared_field", payload: func(*env) []byte {
			return at("uf2", "temperature", `{"w":"x"}`, now)
		}},
		{name: "wrong type", code: 0x87, reason: "wrong_type", payload: func(*env) []byte {
			return at("wt", "temperature", `{"v":5}`, now)
		}},
		{name: "past retention", code: 0x87, reason: "past_retention", payload: func(*env) []byte {
			return at("old", "temperature", `{"v":"x"}`, now.AddDate(0, 0, -31))
		}},
		{name: "category not declared for the model", code: 0x87, reason: "model_category", payload: func(*env) []byte {
			return at("loc", "location", `{"lat":1,"lon":2}`, now)
		}},
		{name: "device not claimed", code: 0x87, reason: "unclaimed", device: device(false, hearth.ModeCloud),
			payload: func(*env) []byte { return at("nc", "temperature", `{"v":"x"}`, now) }},
		{name: "person not in the household", code: 0x87, reason: "unknown_person", payload: func(e *env) []byte {
			return ingesttest.Payload("np", "presence", e.Stranger)
		}},
		{name: "no consent", code: 0x87, reason: "no_consent", payload: func(e *env) []byte {
			return ingesttest.Payload("cons", "presence", e.Member)
		}},
	}
}

// A refused reading is never stored, is counted by its reason, and an
// MQTT 5 client (paho.golang) gets the documented PUBACK reason code
// (docs/device-protocol.md, "Refusals"; MIN-GATE, CONSENT-OPTIN, RETENTION).
func TestPaho5Refusals(t *testing.T) {
	e := withManifest(t, newEnv(t), consentManifest)
	for _, tt := range refusals() {
		t.Run(tt.name, func(t *testing.T) {
			dev, secret := tt.device.or(e, t)
			c := e.connectV5(t, dev, secret)
			before := e.refusedCount(tt.reason)
			if got := c.publish(t, mqtt.ReadingsTopic(dev.ID), tt.payload(e)); got != tt.code {
				t.Errorf("PUBACK %#x, want %#x", got, tt.code)
			}
			if got := e.refusedCount(tt.reason) - before; got != 1 {
				t.Errorf("refused{reason=%s} grew by %v, want 1", tt.reason, got)
			}
			if tt.device == nil { // the connection stays usable: the next reading is stored
				if got := c.publish(t, mqtt.ReadingsTopic(dev.ID), ingesttest.Payload("next", "temperature", "")); got != 0 {
					t.Errorf("publish after the refusal: PUBACK %#x, want 0", got)
				}
			}
			for id := range e.stored(t, dev.ID) {
				if id != "next" {
					t.Errorf("refused reading %s stored", id)
				}
			}
		})
	}
}

// An MQTT 3.1.1 client (paho.mqtt.golang) gets no PUBACK for a refused
// reading: the PUBACK of the reading published after it arrives (PUBACKs
// go out in the order of the PUBLISHes) while the refused one stays
// unacknowledged. Nothing refused is stored; each is counted.
func TestPaho3Refusals(t *testing.T) {
	e := withManifest(t, newEnv(t), consentManifest)
	for _, tt := range refusals() {
		t.Run(tt.name, func(t *testing.T) {
			if tt.device != nil {
				return // nothing this device publishes is acknowledged; see TestPaho3RefusedDevice
			}
			dev, secret := e.Device(t, true, hearth.ModeCloud)
			c, err := e.connect(t, dev.ID, dev.ID, secret)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			before := e.refusedCount(tt.reason)
			refused := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, tt.payload(e))
			next := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("next", "temperature", ""))
			if !next.WaitTimeout(waitBound) || next.Error() != nil {
				t.Fatalf("publish after the refused one: no PUBACK (%v)", next.Error())
			}
			select {
			case <-refused.Done():
				t.Errorf("refused publish completed (%v), want no PUBACK", refused.Error())
			default:
			}
			if got := e.refusedCount(tt.reason) - before; got != 1 {
				t.Errorf("refused{reason=%s} grew by %v, want 1", tt.reason, got)
			}
			if rs := e.stored(t, dev.ID); len(rs) != 1 {
				t.Errorf("stored readings = %v, want only next", keys(rs))
			}
		})
	}
}

// A device not claimed connects with MQTT 3.1.1, but none of its QoS 1
// readings is acknowledged or stored. (A device in local-only mode is
// refused at CONNECT: TestLocalOnlyRefusedAtConnect.)
func TestPaho3RefusedDevice(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name    string
		claimed bool
		mode    hearth.DeviceMode
		reason  string
	}{
		{"not claimed", false, hearth.ModeCloud, "unclaimed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dev, secret := e.Device(t, tt.claimed, tt.mode)
			c, err := e.connect(t, dev.ID, dev.ID, secret)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			before := e.refusedCount(tt.reason)
			tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("r", "temperature", ""))
			waitCount(t, e, tt.reason, before+1)
			select {
			case <-tok.Done():
				t.Errorf("refused publish completed (%v), want no PUBACK", tok.Error())
			default:
			}
			if got := len(e.stored(t, dev.ID)); got != 0 {
				t.Errorf("stored readings = %d, want 0", got)
			}
		})
	}
}

// deviceMaker makes a device for a test and returns it with its secret.
type deviceMaker func(*env, *testing.T) (*hearth.Device, string)

// or returns a new claimed cloud device, or what d makes when not nil.
func (d deviceMaker) or(e *env, t *testing.T) (*hearth.Device, string) {
	if d == nil {
		return e.Device(t, true, hearth.ModeCloud)
	}
	return d(e, t)
}

// waitCount polls until refused{reason} is want, failing after waitBound.
func waitCount(t *testing.T, e *env, reason string, want float64) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for e.refusedCount(reason) != want {
		if time.Now().After(deadline) {
			t.Fatalf("refused{reason=%s} = %v, want %v", reason, e.refusedCount(reason), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
