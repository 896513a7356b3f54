package auth_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/sqlite"
)

// TestSecondStepOpensOneSession: two right recovery codes sent at once on
// one second-step token open one session; the other is refused as a
// replay and recorded (SEC-MFA).
func TestSecondStepOpensOneSession(t *testing.T) {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	s := auth.NewService(auth.Config{Store: db, Now: func() time.Time { return now }})
	const email, pw = "race@example.org", "correct horse battery staple"
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Race", Created: now}
	a := &hearth.Account{ID: hearth.NewID("acc_"), Email: email, PasswordHash: hash, PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := db.CreateAccount(t.Context(), a, p); err != nil {
		t.Fatal(err)
	}
	enrol, err := s.EnrolTOTP(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enrol.Secret, now)
	codes, err := s.ConfirmTOTP(t.Context(), a.ID, code)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		_, _, err := s.SignIn(t.Context(), email, pw, "192.0.2.1")
		var sf *auth.SecondFactorRequired
		if !errors.As(err, &sf) {
			t.Fatalf("SignIn: %v, want a second step", err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				_, _, errs[i] = s.CompleteSignIn(t.Context(), sf.Token, hearth.FactorRecovery, codes[2*round+i], "192.0.2.1")
			})
		}
		wg.Wait()
		ok, replay := 0, 0
		for _, err := range errs {
			switch hearth.ErrorCode(err) {
			case "":
				ok++
			case hearth.ECONFLICT:
				replay++
			default:
				t.Errorf("round %d: CompleteSignIn: %v", round, err)
			}
		}
		if ok != 1 || replay != 1 {
			t.Errorf("round %d: %d sessions and %d replays from one step token, want 1 and 1", round, ok, replay)
		}
		now = now.Add(auth.SignInWindow) // the refusals above count as failures
	}
	refused, err := db.SecondFactorRefusals(t.Context(), a.ID, 0)
	if err != nil || len(refused) != 4 {
		t.Errorf("refusals = %v, %v; want 4", refused, err)
	}
}
