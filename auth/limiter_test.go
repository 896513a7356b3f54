package auth

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// SEC-BRUTE: after max failures a key is locked, for longer with each
// further failure (window/16 doubling up to window), and forgotten two
// windows after its last failure.
func TestLimiterProgressive(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	const window = 16 * time.Minute
	l := NewLimiter(3, window, clk.Now)
	for i := range 3 {
		if ok, _ := l.Allowed("a"); !ok {
			t.Fatalf("refused after %d failures, want allowed", i)
		}
		l.Fail("a")
	}
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 16 * time.Minute} {
		ok, retry := l.Allowed("a")
		if ok || retry != want {
			t.Fatalf("after %d failures: allowed %v, retry after %v; want refused for %v", l.entries[keyOf("a")].failures, ok, retry, want)
		}
		if ok, _ := l.Allowed("b"); !ok {
			t.Errorf("key b refused because of key a's failures")
		}
		clk.Advance(want)
		if ok, _ := l.Allowed("a"); !ok {
			t.Fatalf("refused after its lock of %v ended", want)
		}
		l.Fail("a")
	}
	clk.Advance(2 * window)
	if ok, _ := l.Allowed("a"); !ok || l.Len() != 0 {
		t.Errorf("two windows after the last failure: allowed %v, %d keys kept; want allowed and forgotten", ok, l.Len())
	}
	for range 5 {
		l.Fail("a")
	}
	l.Reset("a")
	if ok, _ := l.Allowed("a"); !ok {
		t.Errorf("refused after Reset, want allowed")
	}
}

// SEC-BRUTE: a flood of failures under distinct, long keys (e-mail
// addresses of 64 KiB, as a body could carry) keeps the table at its bound
// and the heap flat, the entries of the keys with the most failures stay
// (so the flood cannot wash a locked key out), and expired entries are
// swept without waiting for the table to fill.
func TestLimiterFlood(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(5, time.Minute, clk.Now)
	l.maxKeys = 1000
	for range 6 {
		l.Fail("victim")
	}
	long := strings.Repeat("x", 64<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 50_000 {
		l.Fail(fmt.Sprintf("%d%s", i, long[:len(long)-8]))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := l.Len(); got > l.maxKeys {
		t.Errorf("tracked %d keys, want at most %d", got, l.maxKeys)
	}
	// 1,000 entries take well under 1 MiB; 50,000 keys of 64 KiB would be 3 GiB.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("heap grew by %d bytes after the flood, want under 1 MiB", grew)
	}
	if ok, _ := l.Allowed("victim"); ok {
		t.Errorf("the locked key was dropped by the flood of single failures")
	}
	clk.Advance(3 * time.Minute) // over two windows after every failure
	l.Fail("one more")
	if got := l.Len(); got != 1 {
		t.Errorf("after the window: %d keys kept, want 1 (expired ones swept)", got)
	}
}

func TestAddressKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"pipe", "pipe"},
	} {
		if got := AddressKey(tt.in); got != tt.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
