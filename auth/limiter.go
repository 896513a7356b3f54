package auth

import (
	"sync"
	"time"
)

// DefaultLimiterKeys is the number of keys a Limiter tracks at most.
const DefaultLimiterKeys = 100_000

// Limiter counts failures (bad sign-ins, bad device credentials) per key,
// such as an e-mail address or a client address, in a fixed window that
// starts at a key's first failure. Once a key has max failures in its
// window it is refused until the window ends (SEC-BRUTE).
//
// Memory is bounded: at most DefaultLimiterKeys keys are tracked. When the
// table is full, expired entries are swept; if it is still full, an
// arbitrary entry is dropped to make room. A Limiter is safe for concurrent
// use.
type Limiter struct {
	max     int
	window  time.Duration
	now     func() time.Time
	maxKeys int

	mu      sync.Mutex
	entries map[string]limiterEntry
}

type limiterEntry struct {
	failures int
	start    time.Time
}

// NewLimiter returns a Limiter that allows max failures per key per window.
// now is the clock; nil means time.Now.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max, window: window, now: now, maxKeys: DefaultLimiterKeys,
		entries: make(map[string]limiterEntry)}
}

// Allowed reports whether key may try again. If not, retryAfter is how long
// until its window ends.
func (l *Limiter) Allowed(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.entries[key]
	if !found {
		return true, 0
	}
	now := l.now()
	if l.expired(e, now) {
		delete(l.entries, key)
		return true, 0
	}
	if e.failures < l.max {
		return true, 0
	}
	return false, e.start.Add(l.window).Sub(now)
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e, found := l.entries[key]
	if !found || l.expired(e, now) {
		l.makeRoom()
		e = limiterEntry{start: now}
	}
	e.failures++
	l.entries[key] = e
}

// Reset forgets key's failures, for example after a successful sign-in.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

func (l *Limiter) expired(e limiterEntry, now time.Time) bool {
	return !now.Before(e.start.Add(l.window))
}

// makeRoom keeps the table under maxKeys; l.mu must be held.
func (l *Limiter) makeRoom() {
	if len(l.entries) < l.maxKeys {
		return
	}
	now := l.now()
	for k, e := range l.entries {
		if l.expired(e, now) {
			delete(l.entries, k)
		}
	}
	for k := range l.entries {
		if len(l.entries) < l.maxKeys {
			break
		}
		delete(l.entries, k)
	}
}
