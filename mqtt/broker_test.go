package mqtt_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/mqtt"
	"github.com/hearth-iot/hearth/sqlite"
)

// waitBound bounds waits for network round trips so a broken broker fails
// the test instead of hanging it; nothing is asserted about durations.
const waitBound = 30 * time.Second

type env struct {
	*ingesttest.Fixture
	db      *sqlite.DB
	metrics *metrics.Metrics
	ingest  *ingest.Service
	broker  *mqtt.Broker
	host    string
	port    string
}

// newEnv starts a real broker on 127.0.0.1:0 over a real SQLite store.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, true, nil)
}

// newEnvWith is newEnv with the broker's configuration changed by configure,
// if not nil, and with the ingest service started only if start is true: a
// service not started queues readings and commits none, so no PUBACK is
// sent until it is (env.ingest.Start).
func newEnvWith(t testing.TB, start bool, configure func(*mqtt.Config)) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := ingesttest.Provision(t, db)
	m := metrics.NewUnregistered()
	svc := ingest.New(ingest.Config{Store: db, Keys: f.Keys, Manifest: f.Manifest, Metrics: m})
	if start {
		svc.Start()
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	cfg := mqtt.Config{Addr: "127.0.0.1:0", Ingest: svc, Metrics: m}
	if configure != nil {
		configure(&cfg)
	}
	b, err := mqtt.New(cfg)
	if err != nil {
		t.Fatalf("mqtt.New: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	host, port, _ := strings.Cut(b.Addr().String(), ":")
	return &env{Fixture: f, db: db, metrics: m, ingest: svc, broker: b, host: host, port: port}
}

// stored returns the readings of device devID, by message ID.
func (e *env) stored(t *testing.T, devID string) map[string]hearth.Reading {
	t.Helper()
	rs, err := e.db.Readings(context.Background(), hearth.ReadingFilter{HouseholdID: e.Household, DeviceID: devID, Limit: 1000})
	if err != nil {
		t.Fatalf("Readings: %v", err)
	}
	out := map[string]hearth.Reading{}
	for _, r := range rs {
		if _, dup := out[r.MsgID]; dup {
			t.Errorf("message %s stored twice", r.MsgID)
		}
		out[r.MsgID] = r
	}
	return out
}

func (e *env) refusedCount(reason string) float64 {
	return testutil.ToFloat64(e.metrics.ReadingsRefused.WithLabelValues("mqtt", reason))
}

// connect connects a paho MQTT 3.1.1 client.
func (e *env) connect(t *testing.T, clientID, user, pass string) (paho.Client, error) {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker("tcp://" + e.broker.Addr().String()).
		SetClientID(clientID).SetUsername(user).SetPassword(pass).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false).SetCleanSession(true)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(waitBound) {
		t.Fatalf("connect: no CONNACK")
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c, nil
}

// mosquittoPub runs the real mosquitto_pub and returns its combined output
// and whether it exited 0.
func (e *env) mosquittoPub(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	path, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub is required (apt-get install mosquitto-clients): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	args = append([]string{"-h", e.host, "-p", e.port, "-d"}, args...)
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("mosquitto_pub did not finish: %s", out)
	}
	return string(out), err == nil
}

// QoS 1 is acknowledged only once the reading is stored (issue 2, item 6).
func TestPahoPublishStored(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c, err := e.connect(t, dev.ID, dev.ID, secret)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if got, want := testutil.ToFloat64(e.metrics.ConnectedDevices), 1.0; got != want {
		t.Errorf("connected devices = %v, want %v", got, want)
	}
	for _, id := range []string{"p-1", "p-2", "p-1"} { // p-1 resent
		tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload(id, "temperature", e.Member))
		if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			t.Fatalf("publish %s: no PUBACK (%v)", id, tok.Error())
		}
		if _, ok := e.stored(t, dev.ID)[id]; !ok {
			t.Fatalf("reading %s not stored when its PUBACK arrived", id)
		}
	}
	rs := e.stored(t, dev.ID)
	if got, want := len(rs), 2; got != want {
		t.Errorf("stored readings = %d, want %d", got, want)
	}
	r := rs["p-2"]
	plain, err := e.Keys.Open(context.Background(), r.Sealed, r.AAD())
	if err != nil || string(plain) != `{"v":"p-2"}` {
		t.Errorf("opened values = %s, %v; want {\"v\":\"p-2\"}", plain, err)
	}
}

// The Debian mosquitto_pub client publishes at QoS 1 with both protocol versions.
func TestMosquittoPub(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	for _, version := range []string{"mqttv311", "mqttv5"} {
		t.Run(version, func(t *testing.T) {
			id := "mp-" + version
			out, ok := e.mosquittoPub(t, "-V", version, "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", secret,
				"-t", mqtt.ReadingsTopic(dev.ID), "-m", string(ingesttest.Payload(id, "temperature", "")))
			if !ok {
				t.Fatalf("mosquitto_pub failed:\n%s", out)
			}
			if _, ok := e.stored(t, dev.ID)[id]; !ok {
				t.Errorf("reading %s not stored after mosquitto_pub returned", id)
			}
		})
	}
}

// SEC-BRUTE / SEC-NO-DEFAULT-PW: only the device's own secret, under its
// own ID, connects. Every cause gets the same refusal: CONNACK 0x05 not
// authorized for MQTT 3.1.1 (paho.mqtt.golang), 0x86 bad user name or
// password for MQTT 5 (paho.golang), as docs/device-protocol.md says.
func TestConnectRefused(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, otherSecret := e.Device(t, true, hearth.ModeCloud)
	throttled, throttledSecret := e.Device(t, true, hearth.ModeCloud)
	for range ingest.AuthFailureLimit + 1 {
		e.ingest.AuthenticateDevice(context.Background(), throttled.ID, "wrong")
	}
	tests := []struct {
		name, clientID, user, pass string
	}{
		{"wrong password", dev.ID, dev.ID, "wrong"},
		{"another device's secret", dev.ID, dev.ID, otherSecret},
		{"client ID is not the username", other.ID, dev.ID, secret},
		{"unknown device", "dev_unknown", "dev_unknown", secret},
		{"no username", dev.ID, "", secret},
		{"too many failed authentications", throttled.ID, throttled.ID, "wrong again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.connect(t, tt.clientID, tt.user, tt.pass)
			if err == nil || !strings.Contains(err.Error(), "not Authorized") {
				t.Errorf("MQTT 3.1.1: connect error = %v, want not authorized", err)
			}
			_, ack, err := e.dialV5(t, tt.clientID, tt.user, tt.pass, 60)
			if err == nil || ack == nil || ack.ReasonCode != 0x86 {
				t.Errorf("MQTT 5: CONNACK %+v, error %v; want 0x86 bad user name or password", ack, err)
			}
		})
	}
	out, ok := e.mosquittoPub(t, "-V", "mqttv5", "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", "wrong",
		"-t", mqtt.ReadingsTopic(dev.ID), "-m", "{}")
	if ok || !strings.Contains(out, "CONNACK (134)") {
		t.Errorf("mosquitto_pub -V mqttv5 with a wrong password: exit ok=%v, output:\n%s\nwant CONNACK (134) bad user name or password", ok, out)
	}
	if got := testutil.ToFloat64(e.metrics.ConnectedDevices); got != 0 {
		t.Errorf("connected devices = %v, want 0", got)
	}
	// SEC-BRUTE: the strangers' wrong secrets did not lock the real device out.
	c, err := e.connect(t, throttled.ID, throttled.ID, throttledSecret)
	if err != nil {
		t.Fatalf("the throttled device with its right secret: %v, want connected", err)
	}
	c.Disconnect(0)
}

// SEC-AUTHZ: a device publishes only to its own readings topic and
// subscribes only to its own commands topic.
func TestOtherDevicesTopics(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	c, err := e.connect(t, dev.ID, dev.ID, secret)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	for _, filter := range []string{mqtt.CommandsTopic(other.ID), mqtt.ReadingsTopic(dev.ID), "hearth/v1/devices/+/commands", "#"} {
		tok := c.Subscribe(filter, 1, nil)
		if !tok.WaitTimeout(waitBound) {
			t.Fatalf("subscribe %s: no SUBACK", filter)
		}
		if got := tok.(*paho.SubscribeToken).Result()[filter]; got != 0x80 {
			t.Errorf("subscribe %s: SUBACK %#x, want 0x80 (refused)", filter, got)
		}
	}
	tok := c.Subscribe(mqtt.CommandsTopic(dev.ID), 1, nil)
	if !tok.WaitTimeout(waitBound) || tok.(*paho.SubscribeToken).Result()[mqtt.CommandsTopic(dev.ID)] != 1 {
		t.Errorf("subscribe to own commands topic refused")
	}
	out, _ := e.mosquittoPub(t, "-V", "mqttv5", "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", secret,
		"-t", mqtt.ReadingsTopic(other.ID), "-m", string(ingesttest.Payload("x-1", "temperature", "")))
	if !strings.Contains(out, "Not authorized") {
		t.Errorf("mosquitto_pub to another device's topic: output\n%s\nwant Not authorized", out)
	}
	for _, id := range []string{dev.ID, other.ID} {
		if got := len(e.stored(t, id)); got != 0 {
			t.Errorf("device %s: %d readings stored, want 0", id, got)
		}
	}
}

// MIN-GATE: an undeclared category is refused, counted and never stored;
// MQTT 5 clients get a reason code.
func TestRefusedReadings(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	big := `{"id":"big","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"a":"` +
		strings.Repeat("x", hearth.MaxReadingSize) + `"}}`
	tests := []struct {
		name, msgID, payload, wantOutput, reason string
	}{
		{"undeclared category", "u-1", string(ingesttest.Payload("u-1", "heartbeat", "")), "Not authorized", "undeclared_category"},
		{"person of another household", "s-1", string(ingesttest.Payload("s-1", "presence", e.Stranger)), "Not authorized", "unknown_person"},
		{"malformed", "", `{"id":`, "Payload format invalid", "malformed"},
		{"too large", "big", big, "Packet too large", "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.refusedCount(tt.reason)
			out, _ := e.mosquittoPub(t, "-V", "mqttv5", "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", secret,
				"-t", mqtt.ReadingsTopic(dev.ID), "-m", tt.payload)
			if !strings.Contains(out, tt.wantOutput) {
				t.Errorf("mosquitto_pub output:\n%s\nwant %q", out, tt.wantOutput)
			}
			if got := e.refusedCount(tt.reason) - before; got != 1 {
				t.Errorf("refused{reason=%s} grew by %v, want 1", tt.reason, got)
			}
		})
	}
	t.Run("mqtt 3.1.1", func(t *testing.T) {
		c, err := e.connect(t, dev.ID, dev.ID, secret)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		before := e.refusedCount("undeclared_category")
		c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("u-311", "heartbeat", ""))
		// The broker handles one client's packets in order, so once the next
		// publish is acknowledged the refused one has been handled.
		tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("ok-311", "temperature", ""))
		if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			t.Fatalf("publish after a refused one: no PUBACK (%v)", tok.Error())
		}
		if got := e.refusedCount("undeclared_category") - before; got != 1 {
			t.Errorf("refused{reason=undeclared_category} grew by %v, want 1", got)
		}
	})
	rs := e.stored(t, dev.ID)
	if got, want := len(rs), 1; got != want {
		t.Errorf("stored readings = %d, want %d (only ok-311)", got, want)
	}
	if _, ok := rs["ok-311"]; !ok {
		t.Errorf("reading ok-311 not stored")
	}
}

// A packet over the gateway's limit closes the connection of an MQTT 3.1.1
// client (which is not told the limit); nothing is stored. An MQTT 5
// client is told the limit in CONNACK (mosquitto_pub then does not send
// the packet), and TestRawOversize shows it gets DISCONNECT 0x95.
func TestOversizedPacket(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	huge := fmt.Sprintf(`{"id":"huge","time":"2026-01-02T15:04:05Z","category":"temperature","values":{"a":%q}}`,
		strings.Repeat("x", 4*mqtt.MaxPacketSize))
	out, ok := e.mosquittoPub(t, "-V", "mqttv311", "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", secret,
		"-t", mqtt.ReadingsTopic(dev.ID), "-m", huge)
	if ok {
		t.Errorf("mosquitto_pub of a %d-byte packet succeeded, want a failure:\n%s", len(huge), out)
	}
	if got := len(e.stored(t, dev.ID)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
}
