package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

const (
	crashClients  = 20
	crashInFlight = 16 // unacknowledged QoS 1 publishes per connection
	crashMessages = 10000
	crashKills    = 3
)

// TestCrashSafety publishes 10,000 QoS 1 messages from several devices,
// each with many in flight on its connection, while the server is killed
// with SIGKILL at random points and restarted on the same data directory
// and ports. Every message whose PUBACK arrived
// must be stored, and none twice: QoS 1 is acknowledged only after the
// durable commit, and a resend is stored once.
func TestCrashSafety(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", crashClients, "Crash home")
	p := startHearth(t, data)
	httpAddr, mqttAddr := hostPort(p.HTTP), p.MQTTAddr
	var acked sync.Map // message ID -> true
	var total atomic.Int64
	var wg sync.WaitGroup
	for i, c := range creds {
		wg.Go(func() { publishAll(t, p.MQTT, c, i, &acked, &total) })
	}
	kills := killPoints()
	for k, at := range kills {
		for total.Load() < at {
			time.Sleep(5 * time.Millisecond)
		}
		p.kill()
		t.Logf("kill %d after %d acknowledged messages", k+1, total.Load())
		p = startHearth(t, data, "--http", httpAddr, "--mqtt", mqttAddr)
	}
	wg.Wait()
	if err := p.stop(t); err != nil {
		t.Fatalf("graceful stop: %v; stderr:\n%s", err, p.stderr)
	}
	p = startHearth(t, data, "--http", httpAddr, "--mqtt", mqttAddr)
	checkStored(t, signIn(t, p.HTTP, email, pw).allReadings(hh), &acked)
}

// killPoints returns crashKills increasing random message counts at which
// to kill the server.
func killPoints() []int64 {
	pts := make([]int64, crashKills)
	for i := range pts {
		lo := int64(crashMessages * (i + 1) / (crashKills + 2))
		pts[i] = lo + rand.Int64N(crashMessages/(crashKills+2))
	}
	return pts
}

// publishAll publishes this client's share of the messages with
// crashInFlight of them in flight at once on the one connection (the
// gateway reads on and acknowledges each after its batch is durable, so
// a kill lands while many are queued and unacknowledged), retrying a
// message (same ID) until it is acknowledged, as a device would.
func publishAll(t *testing.T, broker string, c cred, client int, acked *sync.Map, total *atomic.Int64) {
	o := paho.NewClientOptions().AddBroker(broker).SetClientID(c.ID).SetUsername(c.ID).SetPassword(c.Secret).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(50 * time.Millisecond).
		SetMaxReconnectInterval(200 * time.Millisecond).SetCleanSession(false)
	cl := paho.NewClient(o)
	cl.Connect().WaitTimeout(30 * time.Second)
	defer cl.Disconnect(100)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range crashMessages / crashClients {
			next <- i
		}
	}()
	var wg sync.WaitGroup
	for range crashInFlight {
		wg.Go(func() {
			for i := range next {
				id := fmt.Sprintf("c%d-%d", client, i)
				if !publishAcked(t, cl, c.ID, id) {
					return
				}
				acked.Store(id, true)
				total.Add(1)
			}
		})
	}
	wg.Wait()
}

// publishAcked publishes message id at QoS 1 until it is acknowledged,
// for up to 2 minutes; it reports whether it was.
func publishAcked(t *testing.T, cl paho.Client, deviceID, id string) bool {
	msg := payload(id, "setpoint", map[string]any{"celsius": 20, "source": id})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tok := cl.Publish(topic(deviceID), 1, false, msg)
		if tok.WaitTimeout(3*time.Second) && tok.Error() == nil {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("message %s not acknowledged within 2 minutes: %v", id, tok.Error())
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStored checks that every acknowledged message is stored once.
func checkStored(t *testing.T, rs []reading, acked *sync.Map) {
	t.Helper()
	count := map[string]int{}
	for _, r := range rs {
		var v struct{ Source string } // the message ID, in the setpoint's source
		if err := json.Unmarshal(r.Values, &v); err != nil {
			t.Fatalf("values %s: %v", r.Values, err)
		}
		count[v.Source]++
	}
	missing := 0
	acked.Range(func(k, _ any) bool {
		if count[k.(string)] == 0 {
			missing++
		}
		return true
	})
	for id, n := range count {
		if n > 1 {
			t.Errorf("message %s stored %d times, want once", id, n)
		}
	}
	if missing > 0 {
		t.Errorf("%d acknowledged messages are not stored, want 0", missing)
	}
	if got := len(count); got != crashMessages {
		t.Errorf("stored %d distinct messages, want %d", got, crashMessages)
	}
}

// hostPort returns the host:port of a URL such as http://127.0.0.1:8080.
func hostPort(u string) string {
	_, hp, _ := strings.Cut(u, "://")
	return hp
}
