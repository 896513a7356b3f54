package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

// TestSecondStepsBounded: a flood of right passwords holds at most the
// service's bound (MaxPendingSecondSteps, lowered here) of second steps in
// the store; the newest stay usable
// and the oldest go first; none is usable after SecondStepTTL
// (SEC-BRUTE).
func TestSecondStepsBounded(t *testing.T) {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	s := NewService(Config{Store: db, Now: func() time.Time { return now }})
	if s.maxSteps != MaxPendingSecondSteps {
		t.Fatalf("a new service holds %d second steps, want MaxPendingSecondSteps (%d)", s.maxSteps, MaxPendingSecondSteps)
	}
	// The bound is the store's (CreateAuthCeremony's max, tested on both
	// adapters in storetest); a lower one here shows the service passes it
	// and evicts the oldest, without 10,000 commits.
	s.maxSteps = 100
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Flood", Created: now}
	a := &hearth.Account{ID: hearth.NewID("acc_"), Email: "flood@example.org", PasswordHash: "x", PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := db.CreateAccount(t.Context(), a, p); err != nil {
		t.Fatal(err)
	}
	start := func() string {
		t.Helper()
		token, _, err := s.startStep(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Millisecond)
		return token
	}
	first := start()
	var last string
	for range s.maxSteps + 50 {
		last = start()
	}
	if n, err := db.CountAuthCeremonies(t.Context(), hearth.CeremonySecondStep); err != nil || n > s.maxSteps {
		t.Errorf("%d second steps held (%v), want at most %d", n, err, s.maxSteps)
	}
	if _, err := s.step(t.Context(), last); err != nil {
		t.Errorf("newest step: %v, want usable", err)
	}
	if _, err := s.step(t.Context(), first); err == nil {
		t.Error("oldest step still held after the table filled")
	}
	now = now.Add(SecondStepTTL)
	if _, err := s.step(t.Context(), last); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("step after SecondStepTTL: %v, want EUNAUTHORIZED", err)
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
