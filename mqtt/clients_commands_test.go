package mqtt_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho5 "github.com/eclipse/paho.golang/paho"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/mqtt"
)

// publishCommand sends payload to device devID with Broker.Publish,
// retrying while the device is not yet connected and subscribed
// (ENOTFOUND), for up to waitBound.
func (e *env) publishCommand(t *testing.T, devID string, payload []byte) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		err := e.broker.Publish(devID, payload)
		if err == nil {
			return
		}
		if hearth.ErrorCode(err) != hearth.ENOTFOUND || time.Now().After(deadline) {
			t.Fatalf("Publish: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// commandToSub starts mosquitto_sub -C 1 with args (after -h, -p and -d)
// for device devID's commands topic, sends it command with
// Broker.Publish once it has subscribed, and returns mosquitto_sub's
// output once it has exited, failing the test if it failed.
func (e *env) commandToSub(t *testing.T, devID string, command []byte, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("mosquitto_sub")
	if err != nil {
		t.Fatalf("mosquitto_sub is required (apt-get install mosquitto-clients): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, append([]string{"-h", e.host, "-p", e.port, "-d", "-C", "1", "-t", mqtt.CommandsTopic(devID)}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mosquitto_sub: %v", err)
	}
	e.publishCommand(t, devID, command)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mosquitto_sub: %v, output:\n%s", err, out.String())
	}
	return out.String()
}

// Commands reach a subscribed mosquitto_sub at QoS 1, with MQTT 3.1.1
// and 5 (docs/device-protocol.md: "subscribe for commands").
func TestMosquittoSubCommand(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	for _, v := range mosquittoVersions {
		t.Run(v, func(t *testing.T) {
			command := `{"set":"eco-` + v + `"}`
			out := e.commandToSub(t, dev.ID, []byte(command), "-V", v, "-q", "1", "-i", dev.ID, "-u", dev.ID, "-P", secret)
			if !strings.Contains(out, "received PUBLISH (d0, q1") || !strings.Contains(out, command) {
				t.Errorf("mosquitto_sub output:\n%s\nwant the command received at QoS 1", out)
			}
		})
	}
}

// A paho.golang client subscribed to its commands topic receives a command
// at QoS 1; Publish to a device that is not connected, or connected and not
// subscribed, returns ENOTFOUND.
func TestPaho5Command(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	if err := e.broker.Publish(dev.ID, []byte("{}")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Publish to a device not connected: %v, want code %s", err, hearth.ENOTFOUND)
	}
	c := e.connectV5(t, dev, secret)
	if err := e.broker.Publish(dev.ID, []byte("{}")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Publish to a device not subscribed: %v, want code %s", err, hearth.ENOTFOUND)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if _, err := c.Subscribe(ctx, &paho5.Subscribe{Subscriptions: []paho5.SubscribeOptions{{Topic: mqtt.CommandsTopic(dev.ID), QoS: 1}}}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := e.broker.Publish(dev.ID, []byte(`{"set":"away"}`)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	select {
	case p := <-c.received:
		if p.Topic != mqtt.CommandsTopic(dev.ID) || p.QoS != 1 || string(p.Payload) != `{"set":"away"}` {
			t.Errorf("received %s at QoS %d on %s, want {\"set\":\"away\"} at QoS 1 on %s", p.Payload, p.QoS, p.Topic, mqtt.CommandsTopic(dev.ID))
		}
	case <-time.After(waitBound):
		t.Fatalf("no command within %v", waitBound)
	}
}
