package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/sqlite"
)

func newService(t *testing.T) *auth.Service {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return auth.NewService(auth.Config{Store: db})
}

func TestSignUpSignInSignOut(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	acct, person, err := s.SignUp(ctx, " Ada@Example.org ", "correct horse battery staple", "Ada")
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if got, want := string(acct.Email), "ada@example.org"; got != want {
		t.Errorf("Email = %q, want %q", got, want)
	}
	if got, want := acct.PersonID, person.ID; got != want {
		t.Errorf("PersonID = %q, want %q", got, want)
	}
	if strings.Contains(acct.PasswordHash, "staple") || !strings.HasPrefix(acct.PasswordHash, "$argon2id$") {
		t.Errorf("PasswordHash = %q, want an argon2id hash", acct.PasswordHash)
	}
	token, sess, err := s.SignIn(ctx, "ADA@example.org", "correct horse battery staple", "192.0.2.1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if !sess.Expires.After(sess.Created) {
		t.Errorf("session expires %v, before it was created %v", sess.Expires, sess.Created)
	}
	got, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got.ID != acct.ID {
		t.Errorf("Authenticate = account %q, want %q", got.ID, acct.ID)
	}
	if err := s.SignOut(ctx, token); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := s.Authenticate(ctx, token); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("Authenticate after SignOut: %v, want EUNAUTHORIZED", err)
	}
}

func TestSignUpRefuses(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if _, _, err := s.SignUp(ctx, "taken@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	tests := []struct {
		name, email, pw, display string
		code, field              string
	}{
		{"duplicate e-mail, other case", "TAKEN@example.org", "another good passphrase", "Bob", hearth.ECONFLICT, "email"},
		{"no at sign", "example.org", "correct horse battery staple", "Bob", hearth.EINVALID, "email"},
		{"display name in address", "Bob <bob@example.org>", "correct horse battery staple", "Bob", hearth.EINVALID, "email"},
		{"no dot in domain", "bob@localhost", "correct horse battery staple", "Bob", hearth.EINVALID, "email"},
		{"common password", "bob@example.org", "iloveyou", "Bob", hearth.EINVALID, "password"}, // SEC-NO-DEFAULT-PW
		{"short password", "bob@example.org", "x7#q", "Bob", hearth.EINVALID, "password"},
		{"password is the e-mail", "bobby.tables@example.org", "Bobby.Tables@example.org", "Bob", hearth.EINVALID, "password"},
		{"no name", "bob@example.org", "correct horse battery staple", "  ", hearth.EINVALID, "display_name"},
		{"control character in name", "bob@example.org", "correct horse battery staple", "Bo\x00b", hearth.EINVALID, "display_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.SignUp(ctx, tt.email, tt.pw, tt.display)
			if got := hearth.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if got := hearth.ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
		})
	}
}

// SEC-BRUTE: a wrong password and an unknown account are indistinguishable,
// and repeated failures are throttled per account and client address pair
// and per client address.
func TestSignInFailures(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if _, _, err := s.SignUp(ctx, "ada@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	_, _, wrongPw := s.SignIn(ctx, "ada@example.org", "not the password", "192.0.2.1")
	_, _, unknown := s.SignIn(ctx, "nobody@example.org", "not the password", "192.0.2.1")
	_, _, malformed := s.SignIn(ctx, "not an address", "not the password", "192.0.2.1")
	for _, err := range []error{unknown, malformed} {
		if wrongPw.Error() != err.Error() || hearth.ErrorCode(wrongPw) != hearth.EUNAUTHORIZED {
			t.Errorf("wrong password: %v; unknown or malformed account: %v; want the same EUNAUTHORIZED", wrongPw, err)
		}
	}
	for i := 1; i < auth.SignInPerAccount; i++ {
		s.SignIn(ctx, "ada@example.org", "not the password", "192.0.2.1")
	}
	_, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "192.0.2.1")
	if got, want := hearth.ErrorCode(err), hearth.ETOOMANY; got != want {
		t.Fatalf("after %d failures: code %q, want %q", auth.SignInPerAccount, got, want)
	}
	after, ok := auth.IsRetryAfter(err)
	if !ok || after <= 0 || after > auth.SignInWindow {
		t.Errorf("retry after = %v, %v; want within (0, %v]", after, ok, auth.SignInWindow)
	}
	for i := range auth.SignInPerAddress {
		s.SignIn(ctx, "x"+string(rune('a'+i))+"@example.org", "not the password", "198.51.100.7")
	}
	_, _, err = s.SignIn(ctx, "fresh@example.org", "whatever password", "198.51.100.7")
	if got, want := hearth.ErrorCode(err), hearth.ETOOMANY; got != want {
		t.Errorf("after %d failures from one address: code %q, want %q", auth.SignInPerAddress, got, want)
	}
}

// SEC-BRUTE: a stranger's flood of wrong passwords for an account, from
// the stranger's address (IPv4, or anywhere in one IPv6 /64), locks out
// only that address: the owner still signs in from theirs, and the stranger
// is still refused, for longer and longer.
func TestSignInStrangerCannotLockOwnerOut(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	defer db.Close()
	s := auth.NewService(auth.Config{Store: db, Now: func() time.Time { return now }})
	if _, _, err := s.SignUp(ctx, "ada@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	for _, stranger := range [][]string{{"203.0.113.66"}, {"2001:db8:bad:1::1", "2001:db8:bad:1:ffff::2"}} {
		var last time.Duration
		for i := range 40 {
			addr := stranger[i%len(stranger)]
			_, _, err := s.SignIn(ctx, "ada@example.org", "guess "+string(rune('a'+i%26)), addr)
			if after, ok := auth.IsRetryAfter(err); ok {
				if after < last {
					t.Fatalf("%s attempt %d: lock %v shorter than the one before, %v", addr, i, after, last)
				}
				last = after
				now = now.Add(after) // the stranger waits out each lock and guesses again
			}
		}
		if last != auth.SignInWindow {
			t.Errorf("%s: the lock grew to %v, want %v", stranger[0], last, auth.SignInWindow)
		}
		s.SignIn(ctx, "ada@example.org", "one more guess", stranger[0])
		if _, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", stranger[0]); hearth.ErrorCode(err) != hearth.ETOOMANY {
			t.Errorf("%s, the right password in the lock: %v, want ETOOMANY", stranger[0], err)
		}
	}
	if _, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "192.0.2.10"); err != nil {
		t.Errorf("the owner from their own address during the flood: %v, want signed in", err)
	}
}

func TestSignInWindowEnds(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	defer db.Close()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s := auth.NewService(auth.Config{Store: db, Now: func() time.Time { return now }})
	if _, _, err := s.SignUp(ctx, "ada@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	for range auth.SignInPerAccount {
		s.SignIn(ctx, "ada@example.org", "not the password", "192.0.2.1")
	}
	now = now.Add(auth.SignInWindow)
	if _, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "192.0.2.1"); err != nil {
		t.Errorf("SignIn after the window: %v, want success", err)
	}
}

func TestAuthenticateExpired(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	defer db.Close()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s := auth.NewService(auth.Config{Store: db, Now: func() time.Time { return now }, SessionTTL: time.Hour})
	if _, _, err := s.SignUp(ctx, "ada@example.org", "correct horse battery staple", "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	token, _, err := s.SignIn(ctx, "ada@example.org", "correct horse battery staple", "192.0.2.1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Authenticate(ctx, token); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("Authenticate after the TTL: %v, want EUNAUTHORIZED", err)
	}
	if _, err := s.Authenticate(ctx, "made-up"); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("Authenticate(made-up): %v, want EUNAUTHORIZED", err)
	}
}
