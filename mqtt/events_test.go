package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho5 "github.com/eclipse/paho.golang/paho"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/events"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// recorder is an event handler that records what it is handed and
// answers with err.
type recorder struct {
	mu   sync.Mutex
	got  []string // deviceID/type
	err  error
	then func(deviceID string)
}

func (r *recorder) HandleDeviceEvent(_ context.Context, deviceID string, ev hearth.DeviceEvent) error {
	r.mu.Lock()
	r.got = append(r.got, deviceID+"/"+ev.Type)
	then, err := r.then, r.err
	r.mu.Unlock()
	if then != nil {
		then(deviceID)
	}
	return err
}

func (r *recorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// eventsEnv is a broker whose events go to a dispatcher with a recorder
// for factory-reset and one answering EREFUSED for command-refused.
func eventsEnv(t *testing.T) (*env, *recorder) {
	t.Helper()
	rec := &recorder{}
	d := events.NewDispatcher()
	d.Register(hearth.EventFactoryReset, rec)
	d.Register(hearth.EventCommandRefused, hearth.DeviceEventHandlerFunc(func(context.Context, string, hearth.DeviceEvent) error {
		return hearth.Errorf(hearth.EREFUSED, "no such command")
	}))
	return newEnvWith(t, true, func(c *mqtt.Config) { c.Events = d }), rec
}

// A device publishes its events to its own events topic and gets the
// outcome as the PUBACK's reason code (MQTT 5): success once handled,
// 0x99 for a malformed or unknown event, 0x95 for one over the size
// limit, 0x87 for a refusal or another device's events topic (SEC-AUTHZ);
// no reading is stored for an event.
func TestEventsOverMQTT5(t *testing.T) {
	e, rec := eventsEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	tests := []struct {
		name, topic, payload string
		code                 byte
		handled              bool
	}{
		{"factory reset", mqtt.EventsTopic(dev.ID), `{"type":"factory-reset"}`, 0, true},
		{"unknown type", mqtt.EventsTopic(dev.ID), `{"type":"reboot"}`, 0x99, false},
		{"no type", mqtt.EventsTopic(dev.ID), `{}`, 0x99, false},
		{"malformed JSON", mqtt.EventsTopic(dev.ID), `{"type":`, 0x99, false},
		{"field its type does not take", mqtt.EventsTopic(dev.ID), `{"type":"factory-reset","version":"1"}`, 0x99, false},
		{"too large", mqtt.EventsTopic(dev.ID), `{"type":"` + strings.Repeat("x", hearth.MaxDeviceEventSize) + `"}`, 0x95, false},
		{"refused by its handler", mqtt.EventsTopic(dev.ID), `{"type":"command-refused","command":"c1","reason":"unknown type"}`, 0x87, false},
		{"another device's events topic", mqtt.EventsTopic(other.ID), `{"type":"factory-reset"}`, 0x87, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.calls())
			if code := c.publish(t, tt.topic, []byte(tt.payload)); code != tt.code {
				t.Errorf("PUBACK reason code = %#x, want %#x", code, tt.code)
			}
			calls := rec.calls()
			handled := len(calls) > before
			if handled != tt.handled {
				t.Errorf("handled = %v, want %v", handled, tt.handled)
			}
			if handled && calls[len(calls)-1] != dev.ID+"/factory-reset" {
				t.Errorf("handler got %q, want %q", calls[len(calls)-1], dev.ID+"/factory-reset")
			}
		})
	}
	if got := len(e.stored(t, dev.ID)) + len(e.stored(t, other.ID)); got != 0 {
		t.Errorf("readings stored = %d, want 0: events are not readings", got)
	}
}

// SEC-BRUTE: past events.MaxPerMinute events a minute from one device,
// its events get PUBACK 0x97 quota exceeded and are not handled.
func TestEventsBoundedOverMQTT5(t *testing.T) {
	e, rec := eventsEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	for i := range events.MaxPerMinute {
		if code := c.publish(t, mqtt.EventsTopic(dev.ID), []byte(`{"type":"factory-reset"}`)); code != 0 {
			t.Fatalf("event %d: PUBACK reason code %#x, want success", i+1, code)
		}
	}
	if code := c.publish(t, mqtt.EventsTopic(dev.ID), []byte(`{"type":"factory-reset"}`)); code != 0x97 {
		t.Errorf("event %d of the minute: PUBACK reason code %#x, want 0x97 quota exceeded", events.MaxPerMinute+1, code)
	}
	if got := len(rec.calls()); got != events.MaxPerMinute {
		t.Errorf("handled %d events, want %d", got, events.MaxPerMinute)
	}
}

// MQTT 3.1.1 has no refusal in PUBACK: a handled event is acknowledged, a
// refused one is not.
func TestEventsOverMQTT3(t *testing.T) {
	e, rec := eventsEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c, err := e.connect(t, dev.ID, dev.ID, secret)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	bad := c.Publish(mqtt.EventsTopic(dev.ID), 1, false, `{"type":"reboot"}`)
	good := c.Publish(mqtt.EventsTopic(dev.ID), 1, false, `{"type":"factory-reset"}`)
	if !good.WaitTimeout(waitBound) || good.Error() != nil {
		t.Fatalf("factory-reset event: no PUBACK (%v)", good.Error())
	}
	if bad.WaitTimeout(0) {
		t.Errorf("unknown event acknowledged, want no PUBACK")
	}
	if got := rec.calls(); len(got) != 1 || got[0] != dev.ID+"/factory-reset" {
		t.Errorf("handled %q, want one factory-reset", got)
	}
}

// A handler that ends the device's session (a factory reset revokes the
// credential) does not cost the device its PUBACK: it gets the PUBACK,
// then DISCONNECT 0x87 (MQTT 5).
func TestEventHandlerDisconnects(t *testing.T) {
	e, rec := eventsEnv(t)
	rec.then = func(id string) { e.broker.Disconnect(id) }
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV5(t, dev, secret)
	if code := c.publish(t, mqtt.EventsTopic(dev.ID), []byte(`{"type":"factory-reset"}`)); code != 0 {
		t.Errorf("PUBACK reason code = %#x, want 0", code)
	}
	if code := c.waitDisconnect(t); code != 0x87 {
		t.Errorf("DISCONNECT reason code = %#x, want 0x87", code)
	}
}

// LOCAL-ONLY: the backend refuses the connection of a device its owner
// switched to local-only mode, even with the right secret: MQTT 5 CONNACK
// 0x87 not authorized (a wrong secret is 0x86), MQTT 3.1.1 CONNACK 0x05.
// It is not counted as a failed authentication.
func TestLocalOnlyRefusedAtConnect(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeLocalOnly)
	failures := testutil.ToFloat64(e.metrics.AuthFailures.WithLabelValues("device", "bad_credential"))
	if _, err := e.connect(t, dev.ID, dev.ID, secret); err == nil || !strings.Contains(err.Error(), "not Authorized") {
		t.Errorf("MQTT 3.1.1: connect error = %v, want not authorized", err)
	}
	_, ack, err := e.dialV5(t, dev.ID, dev.ID, secret, 60)
	if err == nil || ack == nil || ack.ReasonCode != 0x87 {
		t.Errorf("MQTT 5: CONNACK %+v, error %v; want 0x87 not authorized", ack, err)
	}
	if got := testutil.ToFloat64(e.metrics.AuthFailures.WithLabelValues("device", "bad_credential")); got != failures {
		t.Errorf("bad_credential failures = %v, want %v", got, failures)
	}
	if got := testutil.ToFloat64(e.metrics.ConnectedDevices); got != 0 {
		t.Errorf("connected devices = %v, want 0", got)
	}
}

// Broker.Command is the hearth.DeviceCommander services send commands
// with: a subscribed device receives it on its commands topic; a device
// not connected gets ENOTFOUND.
func TestCommander(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	var cmd hearth.DeviceCommander = e.broker
	if err := cmd.Command(context.Background(), dev.ID, []byte(`{"id":"c1","type":"factory-reset"}`)); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Command to a device not connected: %v, want ENOTFOUND", err)
	}
	c := e.connectV5(t, dev, secret)
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if _, err := c.Subscribe(ctx, &paho5.Subscribe{Subscriptions: []paho5.SubscribeOptions{{Topic: mqtt.CommandsTopic(dev.ID), QoS: 1}}}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := cmd.Command(ctx, dev.ID, []byte(`{"id":"c1","type":"factory-reset"}`)); err != nil {
		t.Fatalf("Command: %v", err)
	}
	select {
	case p := <-c.received:
		if p.Topic != mqtt.CommandsTopic(dev.ID) || string(p.Payload) != `{"id":"c1","type":"factory-reset"}` || p.QoS != 1 {
			t.Errorf("received %q %s QoS %d, want the command on %q at QoS 1", p.Topic, p.Payload, p.QoS, mqtt.CommandsTopic(dev.ID))
		}
	case <-time.After(waitBound):
		t.Fatalf("no command within %v", waitBound)
	}
}

// OWN-CLEAN: a connection keeps no household of its own. Readings its
// session sent before the device changed hands, still waiting for their
// commit when the transfer is stored, land in neither household: they are
// refused (PUBACK 0x87) and counted as device_unbound. (The ingest service
// starts after the transfer, so those readings are certainly waiting; the
// PINGRESP shows the gateway has handed them all to it.)
func TestReadingsOfASessionThatOutlivedATransfer(t *testing.T) {
	e := newEnvWith(t, false, nil)
	ctx := context.Background()
	c, dev, _ := e.rawDevice(t, 5, 60)
	for i := 1; i <= 3; i++ {
		c.write(publish(mqtt.ReadingsTopic(dev.ID), 1, uint16(i), ingesttest.Payload(fmt.Sprintf("stale-%d", i), "temperature", "")))
	}
	c.write(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}})
	c.expect(packets.Pingresp)

	to := &hearth.Household{ID: hearth.NewID("hh_"), Name: "New home", Created: time.Now()}
	if err := e.db.CreateHousehold(ctx, to, &hearth.Member{HouseholdID: to.ID, PersonID: e.Stranger, Role: hearth.RoleOwner, Added: time.Now()}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	tr := &hearth.Transfer{CodeHash: []byte("code"), DeviceID: dev.ID, FromHousehold: e.Household, StartedBy: e.Owner,
		Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := e.db.CreateTransfer(ctx, tr); err != nil {
		t.Fatalf("CreateTransfer: %v", err)
	}
	if _, err := e.db.AcceptTransfer(ctx, tr.CodeHash, to.ID, []byte("new credential"), time.Now()); err != nil {
		t.Fatalf("AcceptTransfer: %v", err)
	}
	e.ingest.Start()
	for i := 1; i <= 3; i++ {
		if ack := c.expect(packets.Puback); ack.PacketID != uint16(i) || ack.ReasonCode != 0x87 {
			t.Errorf("PUBACK %d reason %#x, want packet %d refused with 0x87", ack.PacketID, ack.ReasonCode, i)
		}
	}
	for _, hh := range []string{e.Household, to.ID} {
		if rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: hh}); err != nil || len(rs) != 0 {
			t.Errorf("household %s holds %d readings (%v), want none", hh, len(rs), err)
		}
	}
	if got := e.refusedCount("device_unbound"); got != 3 {
		t.Errorf("refused{reason=device_unbound} = %v, want 3", got)
	}
}
