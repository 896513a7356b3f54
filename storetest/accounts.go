package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testAccounts covers AccountStore's accounts.
func testAccounts(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("RoundTripLowerCasesEmail", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, p := newAccount(1, "Ada.Lovelace@Example.ORG")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))

		want := *a
		want.Email = "ada.lovelace@example.org"
		got, err := s.Account(ctx(t), a.ID)
		must(t, "Account", err)
		diff(t, "Account", got, &want)

		got, err = s.AccountByEmail(ctx(t), "ADA.LOVELACE@example.org")
		must(t, "AccountByEmail", err)
		diff(t, "AccountByEmail", got, &want)

		gotP, err := s.Person(ctx(t), p.ID)
		must(t, "Person", err)
		diff(t, "Person", gotP, p)
	})
	t.Run("DuplicateEmailConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, p := newAccount(1, "sam@example.org")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
		for _, email := range []string{"sam@example.org", "SAM@Example.org"} {
			a2, p2 := newAccount(2, email)
			wantCode(t, "CreateAccount "+email, s.CreateAccount(ctx(t), a2, p2), hearth.ECONFLICT)
			// One transaction: the refused account's person is not stored either.
			_, err := s.Person(ctx(t), p2.ID)
			wantCode(t, "Person of refused account", err, hearth.ENOTFOUND)
		}
	})
	t.Run("MissingNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Account(ctx(t), "a_missing")
		wantCode(t, "Account", err, hearth.ENOTFOUND)
		_, err = s.AccountByEmail(ctx(t), "nobody@example.org")
		wantCode(t, "AccountByEmail", err, hearth.ENOTFOUND)
		_, err = s.Person(ctx(t), "p_missing")
		wantCode(t, "Person", err, hearth.ENOTFOUND)
	})
}

// testSessions covers AccountStore's sessions.
func testSessions(t *testing.T, open func(t *testing.T) hearth.Store) {
	setup := func(t *testing.T) (hearth.Store, *hearth.Session) {
		s := open(t)
		a, p := newAccount(1, "kim@example.org")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
		sess := &hearth.Session{TokenHash: []byte("token-hash-1"), AccountID: a.ID, Created: at(0), Expires: at(time.Hour)}
		must(t, "CreateSession", s.CreateSession(ctx(t), sess))
		return s, sess
	}
	t.Run("Lookup", func(t *testing.T) {
		t.Parallel()
		s, sess := setup(t)
		tests := []struct {
			name  string
			token []byte
			now   time.Time
			want  string // error code, "" for found
		}{
			{"unexpired", sess.TokenHash, at(time.Minute), ""},
			{"expired", sess.TokenHash, at(time.Hour + time.Second), hearth.ENOTFOUND},
			{"unknown token", []byte("other"), at(time.Minute), hearth.ENOTFOUND},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Session(ctx(t), tt.token, tt.now)
				wantCode(t, "Session", err, tt.want)
				if tt.want == "" && err == nil {
					diff(t, "Session", got, sess)
				}
			})
		}
	})
	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s, sess := setup(t)
		must(t, "DeleteSession", s.DeleteSession(ctx(t), sess.TokenHash))
		_, err := s.Session(ctx(t), sess.TokenHash, at(time.Minute))
		wantCode(t, "Session after delete", err, hearth.ENOTFOUND)
		if err := s.DeleteSession(ctx(t), sess.TokenHash); err != nil {
			t.Errorf("DeleteSession of a missing session: %v, want nil", err)
		}
	})
}
