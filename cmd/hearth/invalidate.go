package main

import (
	"bytes"
	"context"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/mqtt"
)

// tell sends m on channel to every other node listening and waits until
// each has applied it and said so (on chanReply), or ackTimeout passes: a
// change returns to its caller only once no other node can decide with
// what it changed. A node that does not confirm in time is logged as an
// error; it may be cut off without knowing it yet, and trusts its caches
// until its bus finds the connection lost (within about two pings).
func (cl *cluster) tell(ctx context.Context, channel string, m busMessage) {
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	others, err := cl.others(ctx)
	if err != nil {
		cl.log.Error("cluster bus: the other nodes not told", "channel", channel, "err", err)
		return
	}
	if others == 0 {
		return
	}
	m.ID = hearth.NewID("tell_")
	replies, done := cl.expect(m.ID, others)
	defer done()
	if cl.publish(ctx, channel, m) != nil {
		return
	}
	for got := 0; got < others; got++ {
		select {
		case <-replies:
		case <-ctx.Done():
			cl.log.Error("cluster bus: not every node confirmed an invalidation in time",
				"channel", channel, "confirmed", got, "nodes", others)
			return
		}
	}
}

// confirm answers a message sent by tell, on a goroutine of its own so the
// bus reads on.
func (cl *cluster) confirm(m busMessage) {
	if m.ID == "" {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		cl.publish(ctx, chanReply, busMessage{To: m.From, ID: m.ID})
	}()
}

// trusted reports whether this node hears the other nodes' invalidations
// now, so that its subject cache may be used (subject.Config.Trusted). A
// process that does not listen (a command-line tool) never trusts it.
func (cl *cluster) trusted() bool { return cl.listening.Load() }

// lost stops trusting this node's caches when its bus stops listening:
// from then on it may miss invalidations, so it decides from the store.
func (cl *cluster) lost() {
	cl.listening.Store(false)
	cl.forgetAll()
}

// reconnected trusts this node's caches again once its bus listens, after
// dropping them, and checks its device sessions against the store (on a
// goroutine of its own), ending those whose credential, household or mode
// changed: the session ends it may have missed.
func (cl *cluster) reconnected() {
	cl.forgetAll()
	cl.listening.Store(true)
	if b := cl.broker.Load(); b != nil && cl.devices != nil {
		go cl.recheckSessions(b)
	}
}

// forgetAll drops every cached subject and data key.
func (cl *cluster) forgetAll() {
	if cl.subjects != nil {
		cl.subjects.Forget("")
	}
	if cl.keys != nil {
		cl.keys.Forget("")
	}
}

// recheckSessions ends each session of b whose device changed in the
// store since it connected (or is gone).
func (cl *cluster) recheckSessions(b *mqtt.Broker) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ended := 0
	for _, was := range b.Sessions() {
		now, err := cl.devices.Device(ctx, was.ID)
		if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
			cl.log.Error("cluster bus: device sessions not checked after reconnecting", "err", err)
			return
		}
		if err != nil || !bytes.Equal(now.CredentialHash, was.CredentialHash) || now.HouseholdID != was.HouseholdID || now.Mode != was.Mode {
			if b.Disconnect(was.ID) {
				ended++
			}
		}
	}
	if ended > 0 {
		cl.log.Info("device sessions ended after reconnecting: their device changed meanwhile", "sessions", ended)
	}
}

// subjectInvalidated tells the other nodes to forget a person's cached
// subject ("" for everyone's) and waits until they have;
// subject.Config.Invalidated.
func (cl *cluster) subjectInvalidated(person string) {
	cl.tell(context.Background(), chanSubject, busMessage{Person: person})
}

func (cl *cluster) onSubject(m busMessage) {
	if cl.subjects != nil {
		cl.subjects.Forget(m.Person)
	}
	cl.confirm(m)
}

// credentialChanged tells the other nodes to end the device's session and
// waits until they have.
func (cl *cluster) credentialChanged(deviceID string) {
	if cl == nil {
		return
	}
	cl.tell(context.Background(), chanDisconnect, busMessage{Device: deviceID})
}

func (cl *cluster) onDisconnect(m busMessage) {
	if b := cl.broker.Load(); b != nil && b.Disconnect(m.Device) {
		cl.log.Info("device session ended: its credential changed on another node", "device", m.Device)
	}
	cl.confirm(m)
}

// clusterKeys is the key store the keyring uses on PostgreSQL: it tells
// the other nodes when a subject's key is shredded, so that they forget
// their unwrapped copy (RIGHT-ERASE), and waits until they have.
type clusterKeys struct {
	hearth.KeyStore
	cl *cluster
}

// DeleteKey deletes the subject's keys, then tells the other nodes.
func (k clusterKeys) DeleteKey(ctx context.Context, subject string) error {
	if err := k.KeyStore.DeleteKey(ctx, subject); err != nil {
		return err
	}
	k.cl.tell(ctx, chanKey, busMessage{Person: subject})
	return nil
}

func (cl *cluster) onKey(m busMessage) {
	if cl.keys != nil && m.Person != "" {
		cl.keys.Forget(m.Person)
	}
	cl.confirm(m)
}
