package auth

import (
	"context"
	"runtime"
	"time"

	"github.com/hearth-iot/hearth"
)

// Defaults for the argon2id bound (SEC-BRUTE).
const (
	// DefaultHashWait is how long a request waits for a free hashing slot
	// before it is refused with EUNAVAILABLE (503 with Retry-After).
	DefaultHashWait = 2 * time.Second
	// hashRetryAfter is the delay suggested to a request refused for want
	// of a hashing slot.
	hashRetryAfter = 2 * time.Second
	msgHashBusy    = "the server is busy checking other passwords: try again in a moment"
)

// defaultHashSlots is the number of argon2id hashes run at once by default:
// one per CPU, at most 8, so at most 8 × 19 MiB of hashing memory.
func defaultHashSlots() int { return min(8, max(1, runtime.GOMAXPROCS(0))) }

// withHashSlot runs fn, an argon2id hash or verification (19 MiB each),
// once one of the service's hashing slots is free. If none frees within
// the configured wait, or ctx ends first, it returns EUNAVAILABLE wrapping a
// *RetryAfterError and fn does not run, so a flood of sign-ups or sign-ins
// cannot run unbounded hashing in parallel (SEC-BRUTE).
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	select {
	case s.hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(s.hashWait)
		defer t.Stop()
		select {
		case s.hashSlots <- struct{}{}:
		case <-t.C:
			return s.hashBusy()
		case <-ctx.Done():
			return s.hashBusy()
		}
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}

func (s *Service) hashBusy() error {
	s.metrics.AuthFailures.WithLabelValues("hashing", "busy").Inc()
	return &hearth.Error{Code: hearth.EUNAVAILABLE, Message: msgHashBusy, Err: &RetryAfterError{After: hashRetryAfter}}
}

// throttleKeys returns the limiter keys of an attempt: the pair of what is
// attempted (kind and subject, such as "sign-in" and an e-mail address) and
// the client's address, and the client's address alone.
func throttleKeys(kind, subject, clientAddr string) (pair, addr string) {
	addr = AddressKey(clientAddr)
	return kind + "\x00" + subject + "\x00" + addr, addr
}

// Throttled returns ETOOMANY wrapping a *RetryAfterError if an attempt of
// kind (such as "sign-in", "totp" or "recovery-code") on subject (an e-mail
// address or account ID) from clientAddr must wait, and nil if it may go
// ahead (SEC-BRUTE).
//
// Failures are counted per subject and client address pair
// (SignInPerAccount, then progressive locks up to SignInWindow) and per
// client address (SignInPerAddress): a stranger's wrong guesses lock out
// only the stranger's own address, never the subject's owner signing in
// from elsewhere. Call Failed after a wrong attempt and Succeeded after a
// right one.
func (s *Service) Throttled(kind, subject, clientAddr string) error {
	pair, addr := throttleKeys(kind, subject, clientAddr)
	ok1, after1 := s.perAccount.Allowed(pair)
	ok2, after2 := s.perAddress.Allowed(addr)
	if ok1 && ok2 {
		return nil
	}
	s.metrics.AuthFailures.WithLabelValues(kind, "rate_limited").Inc()
	return &hearth.Error{Code: hearth.ETOOMANY, Message: msgSignInThrottled, Err: &RetryAfterError{After: max(after1, after2)}}
}

// Failed counts a wrong attempt of kind on subject from clientAddr (see
// Throttled).
func (s *Service) Failed(kind, subject, clientAddr string) {
	pair, addr := throttleKeys(kind, subject, clientAddr)
	s.perAccount.Fail(pair)
	s.perAddress.Fail(addr)
	s.metrics.AuthFailures.WithLabelValues(kind, "bad_credential").Inc()
}

// Succeeded forgets the failures of the subject and client address pair
// after a right attempt (see Throttled). The address's own count stays.
func (s *Service) Succeeded(kind, subject, clientAddr string) {
	pair, _ := throttleKeys(kind, subject, clientAddr)
	s.perAccount.Reset(pair)
}
