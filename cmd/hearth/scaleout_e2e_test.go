package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

const (
	streamMessages = 2000
	streamInFlight = 16 // unacknowledged QoS 1 publishes on the connection
)

// TestScaleOutE2E runs two real `hearth serve` nodes on one PostgreSQL
// store and drives them as a device and its owner would, each through a
// different node (issue 16):
//   - a session signed in on node B is valid on node A;
//   - a command issued through node B's API reaches the band connected to
//     node A (set-mode; LOCAL-ONLY), and switching back on B lets it in on A;
//   - a reading sent twice, through A and through B, is stored once;
//   - consent withdrawn through B refuses the next reading on A
//     (CONSENT-WITHDRAW);
//   - a credential revoked through B ends the device's session on A and the
//     old secret is refused on both (SEC-NO-DEFAULT-PW);
//   - node A killed with SIGKILL in the middle of a stream of QoS 1
//     publishes: the band reconnects to B, and every reading whose PUBACK
//     arrived is stored exactly once.
func TestScaleOutE2E(t *testing.T) {
	store := newPGStore(t)
	manifest := []string{"--manifest", fitnessManifest}
	creds, hh, email, pw := provisionIn(t, store.flags(), "stride-band-2", 2, "Scale-out home", manifest...)
	a, b := store.node(t, manifest...), store.node(t, manifest...)
	owner := signIn(t, b.HTTP, email, pw)
	h := &consentHome{p: a, hh: hh, owner: owner, band: creds[0]}
	h.ownerID = owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	onA := &api{t: t, base: a.HTTP, token: owner.token}
	if got := onA.call("GET", "/v1/me", nil, http.StatusOK)["person_id"]; got != h.ownerID {
		t.Fatalf("the session signed in on node B is person %v on node A, want %s", got, h.ownerID)
	}

	// LOCAL-ONLY: a mode switch issued on any node reaches the device.
	t.Run("command through B reaches the device on A", func(t *testing.T) {
		d := connectLive(t, a.MQTT, h.band)
		res := owner.call("PUT", "/v1/devices/"+h.band.ID+"/mode", map[string]string{"mode": "local-only"}, http.StatusOK)
		cmd := d.command(t)
		if cmd["type"] != "set-mode" || cmd["mode"] != "local-only" || res["command"].(map[string]any)["delivered"] != true {
			t.Errorf("command %v, answer %v: want set-mode local-only, delivered", cmd, res)
		}
		d.waitLost(t, "the switch to local-only mode through node B")
		if publishV5(t, a.MQTTAddr, h.band, deviceHealth("local-only")) {
			t.Error("node A stored a reading of a device switched to local-only through node B")
		}
		owner.call("PUT", "/v1/devices/"+h.band.ID+"/mode", map[string]string{"mode": "cloud"}, http.StatusOK)
		if !publishV5(t, a.MQTTAddr, h.band, deviceHealth("cloud-again")) {
			t.Error("node A refused a reading after the switch back to the cloud through node B")
		}
	})

	t.Run("a reading sent through both nodes is stored once", func(t *testing.T) {
		for _, n := range []*proc{a, b, a} {
			if !publishV5(t, n.MQTTAddr, h.band, deviceHealth("once")) {
				t.Fatalf("node %s refused the reading", n.MQTTAddr)
			}
		}
		if got := countFirmware(t, owner, hh, "once"); got != 1 {
			t.Errorf("the reading sent three times is stored %d times, want once", got)
		}
		if n := store.query(t, "SELECT msg_id FROM readings WHERE device_id = $1 AND msg_id = 'once'", h.band.ID); len(n) != 1 {
			t.Errorf("readings rows with the message ID: %d, want 1", len(n))
		}
	})

	// CONSENT-WITHDRAW, MIN-GATE: processing stops at once on every node.
	t.Run("consent withdrawn through B refuses the next reading on A", func(t *testing.T) {
		h.enableHealth(t, owner, h.ownerID)
		if !h.heartRate(t, "hr-given", h.ownerID) {
			t.Fatal("node A refused a heart-rate reading with consent given through node B")
		}
		h.consent(owner, h.ownerID, "health-insights", "withdraw", "", http.StatusOK)
		if h.heartRate(t, "hr-withdrawn", h.ownerID) {
			t.Error("node A stored a heart-rate reading after consent was withdrawn through node B")
		}
		if rs := store.query(t, "SELECT msg_id FROM readings WHERE device_id = $1 AND msg_id LIKE 'hr-%' ORDER BY msg_id", h.band.ID); fmt.Sprint(rs) != "[hr-given]" {
			t.Errorf("heart-rate readings stored %v, want [hr-given]", rs)
		}
	})

	// SEC-NO-DEFAULT-PW, SEC-AUTHZ: a revoked device credential stops working everywhere.
	t.Run("credential revoked through B ends the session on A", func(t *testing.T) {
		other := creds[1]
		o, lost := watchedDevice(t, a.MQTT, other)
		owner.call("DELETE", "/v1/devices/"+other.ID+"/credential", nil, http.StatusNoContent)
		select {
		case <-lost:
		case <-time.After(30 * time.Second):
			t.Fatal("the device's session on node A survived the revocation of its credential through node B")
		}
		wantNoReconnect(t, o)
		wantNoReconnect(t, paho.NewClientOptions().AddBroker(b.MQTT).SetClientID(other.ID).SetUsername(other.ID).SetPassword(other.Secret))
	})

	t.Run("node A killed mid-stream, the device goes on through B", func(t *testing.T) {
		streamThroughKill(t, store, a, b, owner, hh, h.band)
	})
}

// streamThroughKill publishes streamMessages device-health readings at QoS
// 1 from one connection that knows both nodes (node A first, as a device
// behind a load balancer would be sent there), with streamInFlight in
// flight, kills node A with SIGKILL after a random number of PUBACKs, and
// checks that the stream finishes through node B and that every
// acknowledged reading is stored exactly once: read back through node B's
// API and counted in the readings table.
func streamThroughKill(t *testing.T, store *pgStore, a, b *proc, owner *api, hh string, dev cred) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(a.MQTT).AddBroker(b.MQTT).SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(dev.Secret).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(50 * time.Millisecond).
		SetMaxReconnectInterval(200 * time.Millisecond).SetCleanSession(false)
	cl := paho.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to node A: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	var acked sync.Map
	var total, afterKill atomic.Int64
	killed := make(chan struct{})
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range streamMessages {
			next <- i
		}
	}()
	var wg sync.WaitGroup
	for range streamInFlight {
		wg.Go(func() {
			for i := range next {
				id := fmt.Sprintf("s-%d", i)
				if !publishUntilAcked(t, cl, dev.ID, id) {
					return
				}
				acked.Store(id, true)
				total.Add(1)
				select {
				case <-killed:
					afterKill.Add(1)
				default:
				}
			}
		})
	}
	at := int64(streamMessages/4 + rand.IntN(streamMessages/4))
	for total.Load() < at {
		time.Sleep(5 * time.Millisecond)
	}
	a.kill()
	close(killed)
	t.Logf("node A killed after %d acknowledged readings", total.Load())
	wg.Wait()
	if afterKill.Load() == 0 {
		t.Fatal("no reading was acknowledged after node A was killed: the device did not go on through node B")
	}
	checkStreamStored(t, store, owner, hh, dev.ID, &acked)
}

// publishUntilAcked publishes a device-health reading with message ID id
// at QoS 1 until it is acknowledged (resending the same ID, as a device
// does), for up to 2 minutes; it reports whether it was.
func publishUntilAcked(t *testing.T, cl paho.Client, deviceID, id string) bool {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tok := cl.Publish(topic(deviceID), 1, false, deviceHealth(id))
		if tok.WaitTimeout(3*time.Second) && tok.Error() == nil {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("reading %s not acknowledged within 2 minutes: %v", id, tok.Error())
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStreamStored checks that every acknowledged stream reading is
// stored once, both as node B's API lists them and in the readings table,
// and that none is stored twice.
func checkStreamStored(t *testing.T, store *pgStore, owner *api, hh, deviceID string, acked *sync.Map) {
	t.Helper()
	viaAPI := firmwareCounts(t, owner, hh)
	inTable := map[string]int{}
	for _, id := range store.query(t, "SELECT msg_id FROM readings WHERE device_id = $1 AND msg_id LIKE 's-%'", deviceID) {
		inTable[id]++
	}
	missing, n := 0, 0
	acked.Range(func(k, _ any) bool {
		n++
		if viaAPI[k.(string)] == 0 || inTable[k.(string)] == 0 {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Errorf("%d of %d acknowledged readings are not stored, want 0", missing, n)
	}
	for _, counts := range []map[string]int{viaAPI, inTable} {
		for id, c := range counts {
			if c > 1 && strings.HasPrefix(id, "s-") {
				t.Errorf("reading %s stored %d times, want once", id, c)
			}
		}
	}
	if n != streamMessages {
		t.Errorf("%d readings acknowledged, want %d", n, streamMessages)
	}
}

// deviceHealth is a device-health reading (a technical category, read by
// the core purpose device-security, no consent) whose firmware field
// carries its message ID, so a reading read back names its message.
func deviceHealth(id string) string {
	return string(payload(id, "device-health", map[string]any{"battery_percent": 80, "firmware": id}))
}

// firmwareCounts reads the household's device-health readings through the
// API and counts them by message ID (their firmware field).
func firmwareCounts(t *testing.T, a *api, hh string) map[string]int {
	t.Helper()
	rs, _ := a.readingsFor(hh, "device-security")
	counts := map[string]int{}
	for _, r := range rs {
		var v struct{ Firmware string }
		if err := json.Unmarshal(r.Values, &v); err != nil {
			t.Fatalf("values %s: %v", r.Values, err)
		}
		counts[v.Firmware]++
	}
	return counts
}

// countFirmware returns how many device-health readings of message id the
// API lists.
func countFirmware(t *testing.T, a *api, hh, id string) int {
	t.Helper()
	return firmwareCounts(t, a, hh)[id]
}

// TestScaleOutJobsRunOnce checks that the scheduled jobs run on one node
// of several (issue 16; RETENTION). Node A starts alone and takes the
// jobs' lease; its first retention pass erases a reading already past its
// retention (as a store left a month holds), which shows that pass is
// done. Readings an hour from the end of their retention are then stored
// through node A: its next pass is an hour away. Node B starts on the same
// store and, not holding the lease, does not run the retention pass a
// leader runs at once: the readings stay. Node A is killed with SIGKILL;
// node B takes the lease and its first pass erases them.
func TestScaleOutJobsRunOnce(t *testing.T) {
	store := newPGStore(t)
	creds, hh, _, _ := provisionIn(t, store.flags(), "ember-t1", 1, "Jobs home")
	past := time.Now().Add(-40 * 24 * time.Hour).UnixNano() // occupancy is kept 30 days
	store.exec(t, `INSERT INTO readings (device_id, household_id, category, msg_id, time, received, inferred, sealed)
		VALUES ($1, $2, 'occupancy', 'past', $3, $3, false, '\x00')`, creds[0].ID, hh, past)
	a := store.node(t)
	waitUntil(t, "node A, alone, leads the scheduled jobs", func() bool { return logged(a, msgLeading) })
	waitUntil(t, "node A's first retention pass", func() bool { return logged(a, msgRetention) })
	if got := store.query(t, "SELECT msg_id FROM readings WHERE msg_id = 'past'"); len(got) != 0 {
		t.Fatalf("node A's first retention pass left the reading past its retention: %v", got)
	}
	for i := range 3 {
		if !publishV5(t, a.MQTTAddr, creds[0], expiringOccupancy(fmt.Sprintf("old-%d", i))) {
			t.Fatal("node A refused a reading 30 days less 30 minutes old")
		}
	}
	old := "SELECT msg_id FROM readings WHERE msg_id LIKE 'old-%'"
	if got := store.query(t, old); len(got) != 3 {
		t.Fatalf("%d of the 3 readings near the end of their retention are stored, want 3", len(got))
	}
	b := store.node(t)
	waitUntil(t, "node B waits for the lease", func() bool { return logged(b, msgFollowing) })
	if logged(b, msgLeading) || logged(b, msgRetention) {
		t.Fatalf("node B leads the scheduled jobs or ran a retention pass while node A holds the lease; stderr:\n%s", b.stderr)
	}
	if got := store.query(t, old); len(got) != 3 {
		t.Fatalf("%d of the 3 readings near the end of their retention are stored once node B runs, want 3: a node that does not lead ran the retention pass", len(got))
	}
	a.kill()
	waitUntil(t, "node B takes the lease after node A is killed", func() bool { return logged(b, msgLeading) })
	waitUntil(t, "node B's retention pass erases the readings near the end of their retention", func() bool { return len(store.query(t, old)) == 0 })
	// The pass logs once its deletions are committed: after the rows are gone.
	waitUntil(t, "node B logs its retention pass", func() bool { return logged(b, msgRetention) })
}

// The log messages of a node that takes, or waits for, the scheduled
// jobs' lease (cmd/hearth/jobs.go, postgres.Lease).
const (
	msgLeading   = "scheduled jobs: leading"
	msgFollowing = "scheduled jobs: another node leads"
	// msgRetention is logged by a retention pass that erased readings
	// (erasure.Service.RunRetention).
	msgRetention = "retention pass"
)

// logged reports whether the node logged a line with message msg.
func logged(p *proc, msg string) bool {
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var l struct{ Msg string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == msg {
			return true
		}
	}
	return false
}

// expiringOccupancy is an occupancy reading (kept 30 days) taken 30 days
// less 30 minutes ago: admitted now, and erased by the next retention
// pass, which erases what would outlive its retention before the pass
// after it, an hour later (erasure.RunRetention).
func expiringOccupancy(id string) string {
	b, _ := json.Marshal(map[string]any{"id": id, "time": time.Now().Add(-30*24*time.Hour + 30*time.Minute).Format(time.RFC3339),
		"category": "occupancy", "values": map[string]any{"occupied": true}})
	return string(b)
}
