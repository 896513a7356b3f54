package auth

import (
	"encoding/hex"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-iot/hearth"
)

// secondSteps holds the second-step tokens handed out after a right
// password, in memory: a restart only makes people enter their password
// again. At most MaxPendingSecondSteps are held; each lives SecondStepTTL
// and takes SecondStepAttempts wrong factors. It is safe for concurrent
// use.
type secondSteps struct {
	mu sync.Mutex
	m  map[string]*secondStep // by hex of the token's hash
}

// secondStep is one pending second step.
type secondStep struct {
	accountID string
	expires   time.Time
	attempts  int
	// done is set once the step opened a session: the token is kept until
	// it expires so a replay is told so, and recorded.
	done bool
	// passkey is the open passkey challenge, nil if none: each is used by
	// one assertion, right or wrong.
	passkey *webauthn.SessionData
}

func newSecondSteps() *secondSteps { return &secondSteps{m: make(map[string]*secondStep)} }

// start hands out a token for accountID, valid until the returned time.
func (ss *secondSteps) start(accountID string, now time.Time) (string, time.Time) {
	token, hash := NewToken()
	expires := now.Add(SecondStepTTL)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.makeRoom(now)
	ss.m[hex.EncodeToString(hash)] = &secondStep{accountID: accountID, expires: expires}
	return token, expires
}

// with runs fn on the unexpired step of token under the lock and returns
// fn's error; EUNAUTHORIZED if there is no such step (an expired one is
// removed).
func (ss *secondSteps) with(token string, now time.Time, fn func(st *secondStep) error) error {
	key := hex.EncodeToString(HashToken(token))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st, ok := ss.m[key]
	if !ok || !now.Before(st.expires) {
		delete(ss.m, key)
		return hearth.Errorf(hearth.EUNAUTHORIZED, msgStepUnknown)
	}
	return fn(st)
}

// drop removes token's step.
func (ss *secondSteps) drop(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, hex.EncodeToString(HashToken(token)))
}

// makeRoom removes expired steps when the table is full, then the ones
// closest to expiry; ss.mu must be held.
func (ss *secondSteps) makeRoom(now time.Time) {
	if len(ss.m) < MaxPendingSecondSteps {
		return
	}
	for k, st := range ss.m {
		if !now.Before(st.expires) {
			delete(ss.m, k)
		}
	}
	for len(ss.m) >= MaxPendingSecondSteps {
		var oldest string
		for k, st := range ss.m {
			if oldest == "" || st.expires.Before(ss.m[oldest].expires) {
				oldest = k
			}
		}
		delete(ss.m, oldest)
	}
}

// len returns the number of steps held.
func (ss *secondSteps) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}
