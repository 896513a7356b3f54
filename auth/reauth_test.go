package auth_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/sqlite"
)

// TestReauthenticate: the right password confirms the identity, a wrong one
// is refused naming the field, and after SignInPerAccount failures the
// account is throttled until the window ends, whatever the password
// (RIGHT-REQUESTS: identity checked by re-authentication; SEC-BRUTE).
func TestReauthenticate(t *testing.T) {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	s := auth.NewService(auth.Config{Store: db, Now: func() time.Time { return now }})
	const pw = "correct horse battery staple"
	acct, _, err := s.SignUp(t.Context(), "ada@example.org", pw, "Ada")
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if err := s.Reauthenticate(t.Context(), acct.ID, pw); err != nil {
		t.Fatalf("Reauthenticate with the right password: %v", err)
	}
	err = s.Reauthenticate(t.Context(), acct.ID, "wrong password entirely")
	if hearth.ErrorCode(err) != hearth.EFORBIDDEN || hearth.ErrorField(err) != "password" {
		t.Errorf("wrong password: %v, want EFORBIDDEN on field password", err)
	}
	for range auth.SignInPerAccount - 1 {
		s.Reauthenticate(t.Context(), acct.ID, "wrong password entirely")
	}
	err = s.Reauthenticate(t.Context(), acct.ID, pw)
	if hearth.ErrorCode(err) != hearth.ETOOMANY {
		t.Fatalf("right password after %d failures: %v, want ETOOMANY", auth.SignInPerAccount, err)
	}
	if after, ok := auth.IsRetryAfter(err); !ok || after <= 0 || after > auth.SignInWindow {
		t.Errorf("retry after %v (%v), want within the window", after, ok)
	}
	if _, _, err := s.SignIn(t.Context(), "ada@example.org", pw, "192.0.2.1"); err != nil {
		t.Errorf("sign-in while re-authentication is throttled: %v, want the two counted apart", err)
	}
	now = now.Add(auth.SignInWindow + time.Second)
	if err := s.Reauthenticate(t.Context(), acct.ID, pw); err != nil {
		t.Errorf("after the window: %v, want success", err)
	}
	if err := s.Reauthenticate(t.Context(), "acc_nobody", pw); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("unknown account: %v, want EUNAUTHORIZED", err)
	}
}
