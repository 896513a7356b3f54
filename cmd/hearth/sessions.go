package main

import (
	"context"
	"sync"
	"time"
)

// How the news of device sessions is batched: a node gathers the sessions
// begun within sessionLinger of the first into one bus message (at most
// maxSessionNotes each), so a crowd of devices reconnecting after a node
// stops costs a few notifications, not one each; at most maxPendingNotes
// wait, and more are dropped (those devices' older sessions elsewhere then
// end when they fall silent).
const (
	sessionLinger   = 50 * time.Millisecond
	maxSessionNotes = 2000    // about 120 KB of JSON, under postgres.MaxBusMessage
	maxPendingNotes = 100_000 // about 10 MB
)

// sessionNote is one device session begun on the sending node.
type sessionNote struct {
	Device string `json:"d"`
	At     int64  `json:"t"` // Unix ns, on the sender's clock
}

// sessionNotes are the sessions begun here and not yet told. It is safe
// for concurrent use.
type sessionNotes struct {
	mu      sync.Mutex
	pending []sessionNote
	dropped int
	kick    chan struct{} // signalled when pending becomes non-empty
}

func newSessionNotes() *sessionNotes { return &sessionNotes{kick: make(chan struct{}, 1)} }

// add queues a note; false if the queue was full and it was dropped.
func (n *sessionNotes) add(note sessionNote) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.pending) >= maxPendingNotes {
		n.dropped++
		return false
	}
	n.pending = append(n.pending, note)
	if len(n.pending) == 1 {
		select {
		case n.kick <- struct{}{}:
		default:
		}
	}
	return true
}

// take returns the queued notes and how many were dropped since, and
// empties the queue.
func (n *sessionNotes) take() ([]sessionNote, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, d := n.pending, n.dropped
	n.pending, n.dropped = nil, 0
	return p, d
}

// sessionStarted queues the news that a device connected here, for the
// other nodes to end an older session of it; mqtt.Config.SessionStarted.
// It does not wait.
func (cl *cluster) sessionStarted(deviceID string, at time.Time) {
	cl.sessions.add(sessionNote{Device: deviceID, At: at.UnixNano()})
}

// sendSessions publishes the queued session notes, sessionLinger after the
// first of a batch, until ctx ends.
func (cl *cluster) sendSessions(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-cl.sessions.kick:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(sessionLinger):
		}
		notes, dropped := cl.sessions.take()
		if dropped > 0 {
			cl.log.Warn("cluster bus: device sessions not told to the other nodes: too many at once", "dropped", dropped)
		}
		for len(notes) > 0 {
			n := min(len(notes), maxSessionNotes)
			pctx, cancel := context.WithTimeout(ctx, commandTimeout)
			cl.publish(pctx, chanSession, busMessage{Sessions: notes[:n]})
			cancel()
			notes = notes[n:]
		}
	}
}

// onSession ends this node's session of each device that connected to the
// sender after it connected here (a takeover, as one node does).
func (cl *cluster) onSession(m busMessage) {
	b := cl.broker.Load()
	if b == nil {
		return
	}
	for _, s := range m.Sessions {
		if b.TakeOver(s.Device, time.Unix(0, s.At)) {
			cl.log.Info("device session taken over: the device connected to another node", "device", s.Device)
		}
	}
}
