package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

func newThrottleService(t *testing.T, cfg Config) *Service {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Store = db
	return NewService(cfg)
}

// SEC-BRUTE: argon2id hashing (19 MiB each) is bounded: while every
// hashing slot is taken, a flood of sign-ups and sign-ins is refused with
// EUNAVAILABLE and a retry delay, no request hashing beyond the bound, and
// once a slot is free a good client is served.
func TestHashingBounded(t *testing.T) {
	ctx := context.Background()
	s := newThrottleService(t, Config{HashSlots: 2, HashWait: time.Millisecond})
	if _, _, err := s.SignUp(ctx, "ada@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	s.hashSlots <- struct{}{} // the test holds both slots, as two slow hashes would
	s.hashSlots <- struct{}{}
	const flood = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*flood)
	for i := range flood {
		wg.Go(func() {
			errs <- s.Register(ctx, "new"+string(rune('a'+i%26))+"@example.org", "correct horse battery staple", "N", "192.0.2.1")
		})
		wg.Go(func() {
			_, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "198.51.100.1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	busy := 0
	for err := range errs {
		if _, ok := IsRetryAfter(err); ok && hearth.ErrorCode(err) == hearth.EUNAVAILABLE {
			busy++
		} else if hearth.ErrorCode(err) != hearth.ETOOMANY { // sign-ups from one address are limited too
			t.Errorf("with every hashing slot taken: %v, want EUNAVAILABLE with a retry delay", err)
		}
	}
	if got := testutil.ToFloat64(s.metrics.AuthFailures.WithLabelValues("hashing", "busy")); int(got) != busy || busy < flood {
		t.Errorf("%d refused as busy, counted %v; want at least the %d sign-ins", busy, got, flood)
	}
	<-s.hashSlots
	<-s.hashSlots
	if _, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "198.51.100.1"); err != nil {
		t.Errorf("a good sign-in once a slot is free: %v", err)
	}
	if got := len(s.hashSlots); got != 0 {
		t.Errorf("%d slots still taken after every request ended, want 0", got)
	}
}

// SEC-BRUTE: sign-up is limited per client address, counted before any
// hashing: a flood from one address is refused with ETOOMANY after
// SignUpPerAddress attempts, another address is still served, and bad input
// is refused before it is counted.
func TestSignUpPerAddress(t *testing.T) {
	ctx := context.Background()
	s := newThrottleService(t, Config{})
	for i := range SignUpPerAddress {
		if err := s.Register(ctx, "flood"+string(rune('a'+i))+"@example.org", "correct horse battery staple", "F", "203.0.113.9"); err != nil {
			t.Fatalf("sign-up %d: %v", i+1, err)
		}
	}
	for range 100 {
		err := s.Register(ctx, "more@example.org", "correct horse battery staple", "F", "203.0.113.9")
		if _, ok := IsRetryAfter(err); !ok || hearth.ErrorCode(err) != hearth.ETOOMANY {
			t.Fatalf("sign-up past the limit: %v, want ETOOMANY with a retry delay", err)
		}
	}
	if got := s.signUps.Len(); got != 1 {
		t.Errorf("limiter holds %d keys after a flood from one address, want 1", got)
	}
	if err := s.Register(ctx, "not an address", "correct horse battery staple", "F", "192.0.2.50"); hearth.ErrorField(err) != "email" {
		t.Errorf("bad e-mail address: %v, want EINVALID on email", err)
	}
	if got := s.signUps.Len(); got != 1 {
		t.Errorf("bad input was counted: limiter holds %d keys, want 1", got)
	}
	if err := s.Register(ctx, "good@example.org", "correct horse battery staple", "G", "192.0.2.50"); err != nil {
		t.Errorf("a good sign-up from another address: %v", err)
	}
	if _, _, err := s.SignIn(ctx, "good@example.org", "correct horse battery staple", "192.0.2.50"); err != nil {
		t.Errorf("signing in to the new account: %v", err)
	}
}

// SEC-BRUTE: sign-up answers the same whether or not the e-mail address
// has an account; the existing account is unchanged and its owner is told,
// once a day however often it is tried.
func TestRegisterUniform(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s := newThrottleService(t, Config{Now: func() time.Time { return now }})
	if err := s.Register(ctx, "ada@example.org", "correct horse battery staple", "Ada", "192.0.2.1"); err != nil {
		t.Fatalf("Register a new address: %v", err)
	}
	for i := range 3 {
		if err := s.Register(ctx, "ADA@example.org", "another long passphrase", "Mallory", "203.0.113."+string(rune('1'+i))); err != nil {
			t.Fatalf("Register a taken address: %v, want the same nil answer", err)
		}
	}
	if _, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "192.0.2.1"); err != nil {
		t.Errorf("the owner's password after sign-up attempts on their address: %v", err)
	}
	if _, _, err := s.SignIn(ctx, "ada@example.org", "another long passphrase", "192.0.2.1"); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("the other sign-up's password: %v, want EUNAUTHORIZED", err)
	}
	acct, err := s.store.AccountByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s.store.Notifications(ctx, acct.PersonID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Kind != hearth.NotifySignUpAttempt {
		t.Errorf("owner's notifications = %+v, want one %s", ns, hearth.NotifySignUpAttempt)
	}
}
