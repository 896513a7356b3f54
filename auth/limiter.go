package auth

import (
	"crypto/sha256"
	"net"
	"sync"
	"time"
)

// DefaultLimiterKeys is the number of keys a Limiter tracks at most.
const DefaultLimiterKeys = 20_000

// limiterSample is how many entries a full Limiter looks at to choose one
// to drop.
const limiterSample = 8

// Limiter counts failures (bad sign-ins, bad device credentials) per key,
// such as an e-mail address and client address pair, and locks a key out
// with progressive delays (SEC-BRUTE). A key's first max failures are free;
// the max-th locks it for window/16, and each further failure doubles the
// lock, up to window. A key is forgotten once two windows have passed
// since its last failure, so a key at the longest lock stays there while
// failures go on.
//
// Memory is bounded and flat whatever the keys: a key is stored as a
// 128-bit hash, so a 64 KiB key takes the space of a short one, and at most
// DefaultLimiterKeys keys are tracked. Forgotten entries are swept at
// least every window/2; when the table is still full, of a few
// entries sampled the one with the fewest failures is dropped, so the keys
// locked out are the last to go. A Limiter is safe for concurrent use.
//
// The counts are in the process's memory: several nodes of one service
// each count alone, so a client whose attempts are spread over N nodes
// gets up to N times max failures per window.
type Limiter struct {
	max     int
	window  time.Duration
	now     func() time.Time
	maxKeys int

	mu        sync.Mutex
	entries   map[limiterKey]limiterEntry
	lastSweep time.Time
}

type limiterKey [16]byte

type limiterEntry struct {
	failures int32
	last     int64 // Unix nanoseconds of the last failure
}

// NewLimiter returns a Limiter that allows max failures per key before
// locking it, with locks up to window. now is the clock; nil means
// time.Now.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max, window: window, now: now, maxKeys: DefaultLimiterKeys,
		entries: make(map[limiterKey]limiterEntry), lastSweep: now()}
}

func keyOf(key string) limiterKey {
	sum := sha256.Sum256([]byte(key))
	return limiterKey(sum[:16])
}

// Allowed reports whether key may try again. If not, retryAfter is how long
// until its lock ends.
func (l *Limiter) Allowed(key string) (ok bool, retryAfter time.Duration) {
	k := keyOf(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.entries[k]
	if !found {
		return true, 0
	}
	now := l.now()
	if l.expired(e, now) {
		delete(l.entries, k)
		return true, 0
	}
	if int(e.failures) < l.max {
		return true, 0
	}
	until := time.Unix(0, e.last).Add(l.lockFor(int(e.failures)))
	if !now.Before(until) {
		return true, 0
	}
	return false, until.Sub(now)
}

// lockFor is the lock after failures failures: window/16 at max, doubling
// with each further failure up to window.
func (l *Limiter) lockFor(failures int) time.Duration {
	shift := 4 - (failures - l.max)
	if shift <= 0 {
		return l.window
	}
	return l.window >> shift
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	k := keyOf(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	e, found := l.entries[k]
	if !found || l.expired(e, now) {
		l.makeRoom()
		e = limiterEntry{}
	}
	if e.failures < 1<<30 {
		e.failures++
	}
	e.last = now.UnixNano()
	l.entries[k] = e
}

// Reset forgets key's failures, for example after a successful sign-in.
func (l *Limiter) Reset(key string) {
	k := keyOf(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, k)
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *Limiter) expired(e limiterEntry, now time.Time) bool {
	return !now.Before(time.Unix(0, e.last).Add(2 * l.window))
}

// sweep drops expired entries if window/2 has passed since the last sweep;
// l.mu must be held.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.window/2 {
		return
	}
	l.lastSweep = now
	for k, e := range l.entries {
		if l.expired(e, now) {
			delete(l.entries, k)
		}
	}
}

// makeRoom keeps the table under maxKeys: of limiterSample entries (map
// order is random) it drops the one with the fewest failures, the oldest
// among equals; l.mu must be held.
func (l *Limiter) makeRoom() {
	for len(l.entries) >= l.maxKeys {
		var victim limiterKey
		var worst limiterEntry
		n := 0
		for k, e := range l.entries {
			if n == 0 || e.failures < worst.failures || (e.failures == worst.failures && e.last < worst.last) {
				victim, worst = k, e
			}
			if n++; n == limiterSample {
				break
			}
		}
		delete(l.entries, victim)
	}
}

// AddressKey returns the key a client address is limited by: an IPv4
// address as it is, an IPv6 address as its /64 network (one household or
// host usually has a whole /64, so counting single IPv6 addresses would let
// one client rotate through 2^64 keys), and anything that is not an IP
// address unchanged.
func AddressKey(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
