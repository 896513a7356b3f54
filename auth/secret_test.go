package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// SEC-NO-DEFAULT-PW: every device secret is random and unique, stored hashed.
func TestNewDeviceSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		secret, hash := NewDeviceSecret()
		raw, err := base64.RawURLEncoding.DecodeString(secret)
		if err != nil {
			t.Fatalf("secret %q is not URL-safe base64: %v", secret, err)
		}
		if got, want := len(raw), 32; got != want {
			t.Fatalf("secret has %d bytes, want %d", got, want)
		}
		if seen[secret] {
			t.Fatalf("secret repeated after %d", len(seen))
		}
		seen[secret] = true
		want := sha256.Sum256([]byte(secret))
		if !bytes.Equal(hash, want[:]) || !bytes.Equal(HashDeviceSecret(secret), want[:]) {
			t.Fatalf("hash is not SHA-256 of the secret")
		}
	}
}

func TestNewToken(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if a == b {
		t.Fatalf("two tokens are equal: %q", a)
	}
	if got, want := len(a), 43; got != want {
		t.Errorf("len(token) = %d, want %d", got, want)
	}
	if !bytes.Equal(ha, HashToken(a)) {
		t.Errorf("HashToken(token) differs from the hash NewToken returned")
	}
}

func TestNewClaimCode(t *testing.T) {
	shape := regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$`)
	seen := map[string]bool{}
	for range 1000 {
		code, hash := NewClaimCode()
		if !shape.MatchString(code) {
			t.Fatalf("code %q does not have the shape XXXX-XXXX-XXXX-XXXX from the unambiguous alphabet", code)
		}
		if strings.ContainsAny(code, "IO01") {
			t.Fatalf("code %q has an ambiguous symbol", code)
		}
		if seen[code] {
			t.Fatalf("code repeated after %d", len(seen))
		}
		seen[code] = true
		if !bytes.Equal(hash, HashClaimCode(code)) {
			t.Fatalf("hash differs from HashClaimCode(code)")
		}
	}
}

func TestHashClaimCodeNormalises(t *testing.T) {
	want := HashClaimCode("7KQM-3XHD-P9TA-WNRE")
	for _, in := range []string{"7kqm-3xhd-p9ta-wnre", "7KQM 3XHD P9TA WNRE", "7kqm3xhdp9tawnre", " 7KQM-3XHD-P9TA-WNRE\t"} {
		t.Run(in, func(t *testing.T) {
			if got := HashClaimCode(in); !bytes.Equal(got, want) {
				t.Errorf("HashClaimCode(%q) differs from the canonical form's hash", in)
			}
		})
	}
	if bytes.Equal(HashClaimCode("7KQM-3XHD-P9TA-WNRF"), want) {
		t.Errorf("different codes hash the same")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(800, time.Hour, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				l.Fail("k")
				l.Allowed("k")
			}
		})
	}
	wg.Wait()
	if ok, _ := l.Allowed("k"); ok {
		t.Errorf("allowed after 8×100 concurrent failures with max 800, want refused (a lost update)")
	}
}
