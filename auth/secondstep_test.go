package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestSecondStepsBounded: a flood of right passwords holds at most
// MaxPendingSecondSteps second steps in memory; the newest stay usable and
// the oldest go first (SEC-BRUTE).
func TestSecondStepsBounded(t *testing.T) {
	ss := newSecondSteps()
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	first, _ := ss.start("acc_first", now)
	var last string
	for i := range MaxPendingSecondSteps + 500 {
		last, _ = ss.start("acc_flood", now.Add(time.Duration(i+1)*time.Millisecond))
	}
	if n := ss.len(); n > MaxPendingSecondSteps {
		t.Errorf("%d second steps held, want at most %d", n, MaxPendingSecondSteps)
	}
	if err := ss.with(last, now.Add(time.Second), func(*secondStep) error { return nil }); err != nil {
		t.Errorf("newest step: %v, want usable", err)
	}
	if err := ss.with(first, now.Add(time.Second), func(*secondStep) error { return nil }); err == nil {
		t.Error("oldest step still held after the table filled")
	}
	if err := ss.with(last, now.Add(SecondStepTTL+time.Minute), func(*secondStep) error { return nil }); err == nil {
		t.Error("step usable after SecondStepTTL")
	}
}

// TestMatchTOTP: the current code and one step either side match, with
// the step they belong to; older, newer and malformed codes do not
// (SEC-MFA).
func TestMatchTOTP(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 12, 1, 6, 0, 10, 0, time.UTC)
	base := now.Unix() / totpPeriod
	code := func(d time.Duration) string {
		c, err := generateForTest(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name   string
		code   string
		ok     bool
		stepOf int64
	}{
		{"current", code(0), true, base},
		{"previous step", code(-30 * time.Second), true, base - 1},
		{"next step", code(30 * time.Second), true, base + 1},
		{"two steps old", code(-60 * time.Second), false, 0},
		{"spaces around", " " + code(0) + " ", true, base},
		{"too short", "12345", false, 0},
		{"letters", "abcdef", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := matchTOTP(secret, tt.code, now)
			if ok != tt.ok || (ok && step != tt.stepOf) {
				t.Errorf("matchTOTP(%q) = %d, %v, want %d, %v", tt.code, step, ok, tt.stepOf, tt.ok)
			}
		})
	}
}

// TestRecoveryCodes: codes are distinct, and match their hash whatever the
// case, spaces and dashes (SEC-MFA).
func TestRecoveryCodes(t *testing.T) {
	codes, hashes := newRecoveryCodes()
	seen := map[string]bool{}
	for i, c := range codes {
		if seen[c] || len(c) != 11 || c[5] != '-' {
			t.Errorf("code %q: want distinct codes shaped xxxxx-xxxxx", c)
		}
		seen[c] = true
		for _, typed := range []string{c, " " + c[:5] + " " + c[6:], strings.ToUpper(c)} {
			if string(hashCode(typed)) != string(hashes[i]) {
				t.Errorf("hash of %q differs from the stored hash of %q", typed, c)
			}
		}
	}
}

func generateForTest(secret string, at time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, at, totpOpts)
}
