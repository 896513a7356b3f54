package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testMFA covers MFAStore (SEC-MFA).
func testMFA(t *testing.T, open func(t *testing.T) hearth.Store) {
	setup := func(t *testing.T) (hearth.Store, *hearth.Account) {
		s := open(t)
		a, p := newAccount(1, hearth.NewID("")+"@example.org")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
		return s, a
	}
	t.Run("Operator", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		for _, on := range []bool{true, false} {
			must(t, "SetOperator", s.SetOperator(ctx(t), a.ID, on))
			got, err := s.Account(ctx(t), a.ID)
			must(t, "Account", err)
			if got.Operator != on {
				t.Errorf("Operator = %v, want %v", got.Operator, on)
			}
		}
		wantCode(t, "SetOperator of a missing account", s.SetOperator(ctx(t), "a_missing", true), hearth.ENOTFOUND)
	})
	t.Run("SessionFactor", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		sess := &hearth.Session{TokenHash: []byte("h"), AccountID: a.ID, Created: at(0), Expires: at(time.Hour), Factor: hearth.FactorPasskey}
		must(t, "CreateSession", s.CreateSession(ctx(t), sess))
		got, err := s.Session(ctx(t), sess.TokenHash, at(time.Minute))
		must(t, "Session", err)
		diff(t, "Session", got, sess)
	})
	t.Run("TOTP", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		_, err := s.TOTP(ctx(t), a.ID)
		wantCode(t, "TOTP before PutTOTP", err, hearth.ENOTFOUND)
		wantCode(t, "UseTOTPStep before PutTOTP", s.UseTOTPStep(ctx(t), a.ID, 5), hearth.ENOTFOUND)
		first := &hearth.TOTP{AccountID: a.ID, Secret: "FIRSTSECRET", Created: at(0)}
		must(t, "PutTOTP", s.PutTOTP(ctx(t), first))
		next := &hearth.TOTP{AccountID: a.ID, Secret: "NEXTSECRET", Created: at(time.Second)}
		must(t, "PutTOTP replacing an unconfirmed secret", s.PutTOTP(ctx(t), next))
		got, err := s.TOTP(ctx(t), a.ID)
		must(t, "TOTP", err)
		diff(t, "TOTP", got, next)
		wantCode(t, "UseTOTPStep unconfirmed", s.UseTOTPStep(ctx(t), a.ID, 5), hearth.ENOTFOUND)

		codes := [][]byte{[]byte("hash-1"), []byte("hash-2")}
		must(t, "ConfirmTOTP", s.ConfirmTOTP(ctx(t), a.ID, 10, codes, at(time.Minute)))
		wantCode(t, "ConfirmTOTP again", s.ConfirmTOTP(ctx(t), a.ID, 11, codes, at(time.Minute)), hearth.ENOTFOUND)
		wantCode(t, "PutTOTP over a confirmed secret", s.PutTOTP(ctx(t), first), hearth.ECONFLICT)
		want := *next
		want.Confirmed, want.LastStep = at(time.Minute), 10
		got, err = s.TOTP(ctx(t), a.ID)
		must(t, "TOTP confirmed", err)
		diff(t, "TOTP confirmed", got, &want)

		tests := []struct {
			step int64
			want string
		}{{10, hearth.ECONFLICT}, {9, hearth.ECONFLICT}, {11, ""}, {11, hearth.ECONFLICT}, {13, ""}}
		for _, tt := range tests {
			wantCode(t, "UseTOTPStep", s.UseTOTPStep(ctx(t), a.ID, tt.step), tt.want)
		}
		got, err = s.TOTP(ctx(t), a.ID)
		must(t, "TOTP after use", err)
		if got.LastStep != 13 {
			t.Errorf("LastStep = %d, want 13", got.LastStep)
		}
	})
	t.Run("RecoveryCodes", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		must(t, "PutTOTP", s.PutTOTP(ctx(t), &hearth.TOTP{AccountID: a.ID, Secret: "S", Created: at(0)}))
		must(t, "ConfirmTOTP", s.ConfirmTOTP(ctx(t), a.ID, 1, [][]byte{[]byte("h1"), []byte("h2")}, at(0)))
		wantLeft := func(want int) {
			t.Helper()
			n, err := s.RecoveryCodesLeft(ctx(t), a.ID)
			must(t, "RecoveryCodesLeft", err)
			if n != want {
				t.Errorf("RecoveryCodesLeft = %d, want %d", n, want)
			}
		}
		wantLeft(2)
		must(t, "UseRecoveryCode", s.UseRecoveryCode(ctx(t), a.ID, []byte("h1"), at(time.Minute)))
		wantCode(t, "UseRecoveryCode again", s.UseRecoveryCode(ctx(t), a.ID, []byte("h1"), at(time.Minute)), hearth.ECONFLICT)
		wantCode(t, "UseRecoveryCode unknown", s.UseRecoveryCode(ctx(t), a.ID, []byte("nope"), at(time.Minute)), hearth.ENOTFOUND)
		wantCode(t, "UseRecoveryCode of another account", s.UseRecoveryCode(ctx(t), "a_other", []byte("h2"), at(time.Minute)), hearth.ENOTFOUND)
		wantLeft(1)
		must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx(t), a.ID, [][]byte{[]byte("h3"), []byte("h4"), []byte("h5")}))
		wantLeft(3)
		wantCode(t, "UseRecoveryCode replaced", s.UseRecoveryCode(ctx(t), a.ID, []byte("h2"), at(time.Minute)), hearth.ENOTFOUND)
		must(t, "UseRecoveryCode new", s.UseRecoveryCode(ctx(t), a.ID, []byte("h4"), at(time.Minute)))
		wantCode(t, "ReplaceRecoveryCodes missing account", s.ReplaceRecoveryCodes(ctx(t), "a_missing", [][]byte{[]byte("h")}), hearth.ENOTFOUND)
	})
	t.Run("Passkeys", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		p1 := &hearth.Passkey{CredentialID: []byte("cred-1"), AccountID: a.ID, Record: []byte(`{"k":1}`), SignCount: 0, Created: at(0)}
		p2 := &hearth.Passkey{CredentialID: []byte("cred-2"), AccountID: a.ID, Record: []byte(`{"k":2}`), SignCount: 5, Created: at(time.Second)}
		must(t, "AddPasskey", s.AddPasskey(ctx(t), p1))
		must(t, "AddPasskey", s.AddPasskey(ctx(t), p2))
		wantCode(t, "AddPasskey duplicate", s.AddPasskey(ctx(t), p1), hearth.ECONFLICT)
		wantCode(t, "AddPasskey missing account", s.AddPasskey(ctx(t), &hearth.Passkey{CredentialID: []byte("x"), AccountID: "a_missing", Record: []byte("k"), Created: at(0)}), hearth.ENOTFOUND)
		got, err := s.Passkeys(ctx(t), a.ID)
		must(t, "Passkeys", err)
		diff(t, "Passkeys", got, []hearth.Passkey{*p1, *p2})

		tests := []struct {
			name  string
			cred  string
			count uint32
			want  string
		}{
			{"zero counter stays zero", "cred-1", 0, ""},
			{"zero counter again", "cred-1", 0, ""},
			{"counter advances", "cred-2", 6, ""},
			{"counter repeated", "cred-2", 6, hearth.ECONFLICT},
			{"counter back", "cred-2", 3, hearth.ECONFLICT},
			{"counter back to zero", "cred-2", 0, hearth.ECONFLICT},
			{"unknown credential", "cred-9", 1, hearth.ENOTFOUND},
		}
		for _, tt := range tests {
			wantCode(t, "UsePasskey "+tt.name, s.UsePasskey(ctx(t), a.ID, []byte(tt.cred), tt.count, at(time.Hour)), tt.want)
		}
		wantCode(t, "UsePasskey of another account", s.UsePasskey(ctx(t), "a_other", []byte("cred-2"), 99, at(time.Hour)), hearth.ENOTFOUND)
		got, err = s.Passkeys(ctx(t), a.ID)
		must(t, "Passkeys after use", err)
		if len(got) != 2 || got[1].SignCount != 6 || !got[1].LastUsed.Equal(at(time.Hour)) {
			t.Errorf("Passkeys after use = %+v, want cred-2 at count 6, used at %v", got, at(time.Hour))
		}
	})
	t.Run("DeleteSecondFactors", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		must(t, "PutTOTP", s.PutTOTP(ctx(t), &hearth.TOTP{AccountID: a.ID, Secret: "S", Created: at(0)}))
		must(t, "ConfirmTOTP", s.ConfirmTOTP(ctx(t), a.ID, 1, [][]byte{[]byte("h1")}, at(0)))
		must(t, "AddPasskey", s.AddPasskey(ctx(t), &hearth.Passkey{CredentialID: []byte("c"), AccountID: a.ID, Record: []byte("k"), Created: at(0)}))
		must(t, "DeleteSecondFactors", s.DeleteSecondFactors(ctx(t), a.ID))
		_, err := s.TOTP(ctx(t), a.ID)
		wantCode(t, "TOTP after delete", err, hearth.ENOTFOUND)
		if n, err := s.RecoveryCodesLeft(ctx(t), a.ID); err != nil || n != 0 {
			t.Errorf("RecoveryCodesLeft after delete = %d, %v, want 0", n, err)
		}
		if ps, err := s.Passkeys(ctx(t), a.ID); err != nil || len(ps) != 0 {
			t.Errorf("Passkeys after delete = %v, %v, want none", ps, err)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		r1 := &hearth.SecondFactorRefusal{AccountID: a.ID, Method: hearth.FactorTOTP, Reason: "replayed", At: at(0)}
		r2 := &hearth.SecondFactorRefusal{AccountID: a.ID, Method: hearth.FactorRecovery, Reason: "used", At: at(time.Second)}
		must(t, "RecordSecondFactorRefusal", s.RecordSecondFactorRefusal(ctx(t), r1))
		must(t, "RecordSecondFactorRefusal", s.RecordSecondFactorRefusal(ctx(t), r2))
		wantCode(t, "RecordSecondFactorRefusal missing account",
			s.RecordSecondFactorRefusal(ctx(t), &hearth.SecondFactorRefusal{AccountID: "a_missing", Method: "totp", Reason: "replayed", At: at(0)}), hearth.ENOTFOUND)
		got, err := s.SecondFactorRefusals(ctx(t), a.ID, 0)
		must(t, "SecondFactorRefusals", err)
		diff(t, "SecondFactorRefusals", got, []hearth.SecondFactorRefusal{*r2, *r1})
		got, err = s.SecondFactorRefusals(ctx(t), a.ID, 1)
		must(t, "SecondFactorRefusals limit 1", err)
		diff(t, "SecondFactorRefusals limit 1", got, []hearth.SecondFactorRefusal{*r2})
	})
	t.Run("DeleteRefusals", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		for _, d := range []time.Duration{0, time.Hour, 2 * time.Hour} {
			must(t, "RecordSecondFactorRefusal", s.RecordSecondFactorRefusal(ctx(t),
				&hearth.SecondFactorRefusal{AccountID: a.ID, Method: hearth.FactorTOTP, Reason: "replayed", At: at(d)}))
		}
		n, err := s.DeleteSecondFactorRefusals(ctx(t), at(time.Hour))
		must(t, "DeleteSecondFactorRefusals", err)
		got, err := s.SecondFactorRefusals(ctx(t), a.ID, 0)
		must(t, "SecondFactorRefusals", err)
		if n != 1 || len(got) != 2 || !got[1].At.Equal(at(time.Hour)) {
			t.Errorf("deleted %d, kept %v; want the one before the cutoff deleted", n, got)
		}
	})
	t.Run("RefusalsKeepTheNewest", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		n := hearth.MaxSecondFactorRefusals + 5
		for i := range n {
			r := &hearth.SecondFactorRefusal{AccountID: a.ID, Method: hearth.FactorTOTP, Reason: "replayed", At: at(time.Duration(i) * time.Second)}
			must(t, "RecordSecondFactorRefusal", s.RecordSecondFactorRefusal(ctx(t), r))
		}
		got, err := s.SecondFactorRefusals(ctx(t), a.ID, 2*n)
		must(t, "SecondFactorRefusals", err)
		if len(got) != hearth.MaxSecondFactorRefusals || !got[0].At.Equal(at(time.Duration(n-1)*time.Second)) ||
			!got[len(got)-1].At.Equal(at(5*time.Second)) {
			t.Errorf("kept %d refusals from %v to %v, want the %d newest", len(got), got[len(got)-1].At, got[0].At, hearth.MaxSecondFactorRefusals)
		}
	})
}
