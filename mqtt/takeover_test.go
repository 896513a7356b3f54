package mqtt_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/mqtt"
)

// SessionStarted tells of every accepted CONNECT with its time; Sessions
// lists the connected devices as they connected; TakeOver
// ends a session that began before the time given (a newer connection of
// the device elsewhere) and leaves one that began after it alone.
func TestSessionStartedAndTakeOver(t *testing.T) {
	var mu sync.Mutex
	started := map[string]time.Time{}
	e := newEnvWith(t, true, func(c *mqtt.Config) {
		c.SessionStarted = func(id string, at time.Time) {
			mu.Lock()
			started[id] = at
			mu.Unlock()
		}
	})
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	c := e.connectV3(t, dev, secret)
	mu.Lock()
	at, ok := started[dev.ID]
	mu.Unlock()
	if !ok {
		t.Fatalf("SessionStarted not called for %s", dev.ID)
	}
	if ss := e.broker.Sessions(); len(ss) != 1 || ss[0].ID != dev.ID || !bytes.Equal(ss[0].CredentialHash, dev.CredentialHash) {
		t.Errorf("Sessions = %+v, want the one device as it connected", ss)
	}
	if e.broker.TakeOver(dev.ID, at) {
		t.Fatal("TakeOver ended a session that began at the time given, not before it")
	}
	if e.broker.TakeOver("dev_unknown", at.Add(time.Hour)) {
		t.Error("TakeOver of a device not connected reported a session ended")
	}
	if !e.broker.TakeOver(dev.ID, at.Add(time.Nanosecond)) {
		t.Fatal("TakeOver did not end a session that began before the time given")
	}
	c.waitLost(t)
}
