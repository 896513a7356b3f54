package device

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
	"sync"
	"time"
)

// Pairing limits: a wrong pairing code costs one of PairBurst attempts,
// and one comes back every PairRefill, so at most 5 codes are tried a
// minute (7,200 a day: trying every 8-digit code takes 38 years). While none is left every pairing attempt, right or wrong, is
// answered 429 without looking at the code.
const (
	PairCodeDigits = 8
	PairBurst      = 5
	PairRefill     = 12 * time.Second
)

// newPairCode returns a random code of PairCodeDigits decimal digits: the
// code the device shows (prints at start) for pairing apps.
func newPairCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic("device: crypto/rand failed: " + err.Error())
	}
	s := n.String()
	for len(s) < PairCodeDigits {
		s = "0" + s
	}
	return s
}

// newToken returns a random bearer token for a paired app and its hash.
func newToken() (token string, hash []byte) {
	token = rand.Text()
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// sameCode compares a pairing code in constant time.
func sameCode(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// throttle is a token bucket of failed pairing attempts, shared by every
// client: a per-address limit would let a client with many addresses try
// many codes. Its methods are safe for concurrent use.
type throttle struct {
	mu     sync.Mutex
	now    func() time.Time
	burst  float64
	refill time.Duration
	tokens float64
	last   time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, burst: PairBurst, refill: PairRefill, tokens: PairBurst, last: now()}
}

// take takes one attempt, before the code is checked, so concurrent
// attempts cannot overdraw the bucket. If none is left it reports false and
// how long until one is.
func (t *throttle) take() (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fill()
	if t.tokens >= 1 {
		t.tokens--
		return true, 0
	}
	return false, time.Duration((1 - t.tokens) * float64(t.refill))
}

// refund gives back the attempt of a right code: only wrong codes count.
func (t *throttle) refund() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fill()
	t.tokens = min(t.burst, t.tokens+1)
}

func (t *throttle) fill() {
	now := t.now()
	if d := now.Sub(t.last); d > 0 {
		t.tokens = min(t.burst, t.tokens+float64(d)/float64(t.refill))
	}
	t.last = now
}
