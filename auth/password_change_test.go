package auth_test

import (
	"context"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// signedIn signs up an account and signs it in n times, returning the tokens.
func signedIn(t *testing.T, s *auth.Service, email, pw string, n int) []string {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.SignUp(ctx, email, pw, "Ada"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	var tokens []string
	for range n {
		tok, _, err := s.SignIn(ctx, email, pw, "192.0.2.1")
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		tokens = append(tokens, tok)
	}
	return tokens
}

// signedInNow reports which tokens still authenticate.
func signedInNow(t *testing.T, s *auth.Service, tokens []string) []bool {
	t.Helper()
	out := make([]bool, len(tokens))
	for i, tok := range tokens {
		_, err := s.Authenticate(context.Background(), tok)
		if c := hearth.ErrorCode(err); c != "" && c != hearth.EUNAUTHORIZED {
			t.Fatalf("Authenticate: %v", err)
		}
		out[i] = err == nil
	}
	return out
}

// TestChangePassword: the current password is re-entered, the new one
// follows the sign-up rules (SEC-NO-DEFAULT-PW), and every other session
// ends at once while the current one stays.
func TestChangePassword(t *testing.T) {
	const email, old, next = "ada@example.org", "correct horse battery staple", "a new and longer passphrase"
	tests := []struct {
		name, current, next, code, field string
	}{
		{"wrong current password", "not the password", next, hearth.EFORBIDDEN, "current_password"},
		{"blocklisted new password", old, "password123", hearth.EINVALID, "password"},
		{"new password too short", old, "short", hearth.EINVALID, "password"},
		{"new password is the e-mail address", old, email, hearth.EINVALID, "password"},
	}
	s := newService(t)
	tokens := signedIn(t, s, email, old, 3)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.ChangePassword(ctx, tokens[0], tt.current, tt.next)
			if hearth.ErrorCode(err) != tt.code || hearth.ErrorField(err) != tt.field {
				t.Errorf("ChangePassword: %v, want %s on %s", err, tt.code, tt.field)
			}
			if got := signedInNow(t, s, tokens); got[1] != true || got[2] != true {
				t.Errorf("a refused change ended sessions: %v", got)
			}
		})
	}
	if err := s.ChangePassword(ctx, tokens[1], old, next); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if got, want := signedInNow(t, s, tokens), []bool{false, true, false}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("sessions after the change = %v, want %v (only the one that changed it)", got, want)
	}
	if _, _, err := s.SignIn(ctx, email, old, "192.0.2.1"); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("SignIn with the old password: %v, want EUNAUTHORIZED", err)
	}
	if _, _, err := s.SignIn(ctx, email, next, "192.0.2.1"); err != nil {
		t.Errorf("SignIn with the new password: %v", err)
	}
	if err := s.ChangePassword(ctx, tokens[0], old, next); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("ChangePassword from an ended session: %v, want EUNAUTHORIZED", err)
	}
}

// TestChangePasswordThrottled: guessing the current password from a stolen
// session is limited like sign-in (SEC-BRUTE).
func TestChangePasswordThrottled(t *testing.T) {
	s := newService(t)
	tokens := signedIn(t, s, "ada@example.org", "correct horse battery staple", 1)
	var err error
	for range auth.SignInPerAccount + 1 {
		err = s.ChangePassword(context.Background(), tokens[0], "a wrong guess here", "a new and longer passphrase")
	}
	if _, ok := auth.IsRetryAfter(err); hearth.ErrorCode(err) != hearth.ETOOMANY || !ok {
		t.Errorf("ChangePassword after %d wrong guesses: %v, want ETOOMANY with a retry delay", auth.SignInPerAccount+1, err)
	}
}

// TestSignOutEverywhere ends every session of the account, and no other
// account's.
func TestSignOutEverywhere(t *testing.T) {
	s := newService(t)
	mine := signedIn(t, s, "ada@example.org", "correct horse battery staple", 3)
	theirs := signedIn(t, s, "bo@example.org", "another long passphrase", 1)
	n, err := s.SignOutEverywhere(context.Background(), mine[2])
	if err != nil || n != 3 {
		t.Fatalf("SignOutEverywhere = %d, %v; want 3, nil", n, err)
	}
	if got := signedInNow(t, s, mine); got[0] || got[1] || got[2] {
		t.Errorf("sessions after signing out everywhere = %v, want none", got)
	}
	if got := signedInNow(t, s, theirs); !got[0] {
		t.Error("another account's session ended")
	}
	if _, err := s.SignOutEverywhere(context.Background(), mine[0]); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("SignOutEverywhere from an ended session: %v, want EUNAUTHORIZED", err)
	}
}
