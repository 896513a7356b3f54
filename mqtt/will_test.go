package mqtt_test

import (
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/mqtt"
)

// SEC-AUTHZ: a will cannot carry a message to another device's topic, and
// the connected-device gauge follows disconnects.
func TestWillDiscarded(t *testing.T) {
	e := newEnv(t)
	victim, victimSecret := e.Device(t, true, hearth.ModeCloud)
	attacker, attackerSecret := e.Device(t, true, hearth.ModeCloud)
	var received atomic.Int32
	c, err := e.connect(t, victim.ID, victim.ID, victimSecret)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	subscribe := func() {
		tok := c.Subscribe(mqtt.CommandsTopic(victim.ID), 1, func(paho.Client, paho.Message) { received.Add(1) })
		if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			t.Fatalf("subscribe: %v", tok.Error())
		}
	}
	subscribe()

	path, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub is required (apt-get install mosquitto-clients): %v", err)
	}
	cmd := exec.Command(path, "-h", e.host, "-p", e.port, "-i", attacker.ID, "-u", attacker.ID, "-P", attackerSecret,
		"-t", mqtt.ReadingsTopic(attacker.ID), "-l", "--will-topic", mqtt.CommandsTopic(victim.ID), "--will-payload", "unlock")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mosquitto_pub: %v", err)
	}
	waitGauge(t, e, 2)
	cmd.Process.Kill() // no DISCONNECT: the broker would send the will
	cmd.Wait()
	waitGauge(t, e, 1)
	// The broker sends a will before it handles the disconnect; the victim's
	// packets are written in order, so after this SUBACK a will would be in.
	subscribe()
	if got := received.Load(); got != 0 {
		t.Errorf("victim received %d messages, want 0", got)
	}
}

// waitGauge polls until the connected-device gauge is want, failing after
// waitBound. It asserts a state, not a duration.
func waitGauge(t *testing.T, e *env, want float64) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for testutil.ToFloat64(e.metrics.ConnectedDevices) != want {
		if time.Now().After(deadline) {
			t.Fatalf("connected devices = %v, want %v", testutil.ToFloat64(e.metrics.ConnectedDevices), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
