package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testAuthCeremonies covers AuthCeremonyStore: second steps of signing in
// and passkey registrations that any node can finish (SEC-MFA, SEC-BRUTE).
func testAuthCeremonies(t *testing.T, open func(t *testing.T) hearth.Store) {
	setup := func(t *testing.T) (hearth.Store, *hearth.Account) {
		s := open(t)
		a, p := newAccount(1, hearth.NewID("")+"@example.org")
		must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
		return s, a
	}
	ceremony := func(a *hearth.Account, kind, key string, created time.Duration) *hearth.AuthCeremony {
		return &hearth.AuthCeremony{Kind: kind, Key: []byte(key), AccountID: a.ID,
			Created: at(created), Expires: at(created + 5*time.Minute)}
	}
	t.Run("CreateRead", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		c := ceremony(a, hearth.CeremonySecondStep, "k1", 0)
		c.Challenge = []byte(`{"challenge":"x"}`)
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), c, 10))
		if c.Version == 0 {
			t.Error("Version = 0 after CreateAuthCeremony, want it set")
		}
		got, err := s.AuthCeremony(ctx(t), c.Kind, c.Key, at(time.Minute))
		must(t, "AuthCeremony", err)
		diff(t, "AuthCeremony", got, c)
		_, err = s.AuthCeremony(ctx(t), c.Kind, c.Key, at(5*time.Minute))
		wantCode(t, "AuthCeremony at its expiry", err, hearth.ENOTFOUND)
		_, err = s.AuthCeremony(ctx(t), hearth.CeremonyPasskeyRegistration, c.Key, at(time.Minute))
		wantCode(t, "AuthCeremony of another kind", err, hearth.ENOTFOUND)
		orphan := ceremony(&hearth.Account{ID: "a_missing"}, hearth.CeremonySecondStep, "k2", 0)
		wantCode(t, "CreateAuthCeremony for a missing account", s.CreateAuthCeremony(ctx(t), orphan, 10), hearth.ENOTFOUND)
	})
	t.Run("UpdateIsConditional", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		c := ceremony(a, hearth.CeremonySecondStep, "k1", 0)
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), c, 10))
		stale := *c
		c.Attempts, c.Done, c.Challenge = 2, true, []byte("sd")
		old := c.Version
		must(t, "UpdateAuthCeremony", s.UpdateAuthCeremony(ctx(t), c, at(time.Minute)))
		if c.Version == old {
			t.Errorf("Version = %d after an update, want a new one", c.Version)
		}
		got, err := s.AuthCeremony(ctx(t), c.Kind, c.Key, at(time.Minute))
		must(t, "AuthCeremony", err)
		diff(t, "AuthCeremony after update", got, c)
		stale.Attempts = 1
		wantCode(t, "UpdateAuthCeremony from a stale read", s.UpdateAuthCeremony(ctx(t), &stale, at(time.Minute)), hearth.ECONFLICT)
		got, err = s.AuthCeremony(ctx(t), c.Kind, c.Key, at(time.Minute))
		must(t, "AuthCeremony", err)
		diff(t, "AuthCeremony after a refused update", got, c)
		again := *c
		wantCode(t, "UpdateAuthCeremony after expiry", s.UpdateAuthCeremony(ctx(t), &again, at(5*time.Minute)), hearth.ENOTFOUND)
		missing := ceremony(a, hearth.CeremonySecondStep, "nope", 0)
		missing.Version = c.Version
		wantCode(t, "UpdateAuthCeremony of a missing one", s.UpdateAuthCeremony(ctx(t), missing, at(time.Minute)), hearth.ENOTFOUND)
	})
	t.Run("ReplaceAndDelete", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		first := ceremony(a, hearth.CeremonyPasskeyRegistration, a.ID, 0)
		first.Challenge = []byte("first")
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), first, 10))
		second := ceremony(a, hearth.CeremonyPasskeyRegistration, a.ID, time.Second)
		second.Challenge = []byte("second")
		must(t, "CreateAuthCeremony again", s.CreateAuthCeremony(ctx(t), second, 10))
		got, err := s.AuthCeremony(ctx(t), second.Kind, second.Key, at(time.Minute))
		must(t, "AuthCeremony", err)
		diff(t, "AuthCeremony after replacing", got, second)
		n, err := s.CountAuthCeremonies(ctx(t), hearth.CeremonyPasskeyRegistration)
		must(t, "CountAuthCeremonies", err)
		if n != 1 {
			t.Errorf("CountAuthCeremonies = %d after replacing, want 1", n)
		}
		// The version read before the replacement takes nothing: a
		// registration's challenge is used once.
		wantCode(t, "DeleteAuthCeremony with the replaced one's version",
			s.DeleteAuthCeremony(ctx(t), first.Kind, first.Key, first.Version), hearth.ECONFLICT)
		must(t, "DeleteAuthCeremony", s.DeleteAuthCeremony(ctx(t), second.Kind, second.Key, second.Version))
		wantCode(t, "DeleteAuthCeremony twice",
			s.DeleteAuthCeremony(ctx(t), second.Kind, second.Key, second.Version), hearth.ENOTFOUND)
		_, err = s.AuthCeremony(ctx(t), second.Kind, second.Key, at(time.Minute))
		wantCode(t, "AuthCeremony after delete", err, hearth.ENOTFOUND)
		third := ceremony(a, hearth.CeremonyPasskeyRegistration, a.ID, 2*time.Second)
		must(t, "CreateAuthCeremony after delete", s.CreateAuthCeremony(ctx(t), third, 10))
		wantCode(t, "DeleteAuthCeremony with a deleted one's version",
			s.DeleteAuthCeremony(ctx(t), third.Kind, third.Key, second.Version), hearth.ECONFLICT)
		must(t, "DeleteAuthCeremony of any version", s.DeleteAuthCeremony(ctx(t), third.Kind, third.Key, 0))
	})
	t.Run("Bounded", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		other := ceremony(a, hearth.CeremonyPasskeyRegistration, a.ID, 0)
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), other, 1))
		const max = 3
		var made []*hearth.AuthCeremony
		for i := range max + 2 {
			c := ceremony(a, hearth.CeremonySecondStep, fmt.Sprint("k", i), time.Duration(i)*time.Second)
			must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), c, max))
			made = append(made, c)
		}
		n, err := s.CountAuthCeremonies(ctx(t), hearth.CeremonySecondStep)
		must(t, "CountAuthCeremonies", err)
		if n != max {
			t.Errorf("CountAuthCeremonies = %d, want %d", n, max)
		}
		for i, c := range made {
			_, err := s.AuthCeremony(ctx(t), c.Kind, c.Key, at(time.Minute))
			if want := i >= 2; (err == nil) != want {
				t.Errorf("ceremony %d (created %ds): err %v, want kept %v (the oldest go first)", i, i, err, want)
			}
		}
		_, err = s.AuthCeremony(ctx(t), other.Kind, other.Key, at(time.Minute))
		must(t, "AuthCeremony of another kind", err)
		// A creation after the others expired removes them.
		late := ceremony(a, hearth.CeremonySecondStep, "late", time.Hour)
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), late, max))
		for _, kind := range []string{hearth.CeremonySecondStep, hearth.CeremonyPasskeyRegistration} {
			n, err := s.CountAuthCeremonies(ctx(t), kind)
			must(t, "CountAuthCeremonies", err)
			if want := map[bool]int{true: 1, false: 0}[kind == hearth.CeremonySecondStep]; n != want {
				t.Errorf("CountAuthCeremonies(%s) = %d after the others expired, want %d", kind, n, want)
			}
		}
	})
	t.Run("ConcurrentUpdateOnce", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		c := ceremony(a, hearth.CeremonySecondStep, "k1", 0)
		must(t, "CreateAuthCeremony", s.CreateAuthCeremony(ctx(t), c, 10))
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := *c
				mine.Attempts = i + 1
				errs <- s.UpdateAuthCeremony(ctx(t), &mine, at(time.Minute))
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch hearth.ErrorCode(err) {
			case "":
				ok++
			case hearth.ECONFLICT:
			default:
				t.Errorf("UpdateAuthCeremony: %v, want success or ECONFLICT", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d updates from one read succeeded, want exactly 1", ok)
		}
	})
	t.Run("ConcurrentCreateBounded", func(t *testing.T) {
		t.Parallel()
		s, a := setup(t)
		const max, creators = 4, 16
		var wg sync.WaitGroup
		for i := range creators {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := ceremony(a, hearth.CeremonySecondStep, fmt.Sprint("k", i), time.Duration(i)*time.Millisecond)
				if err := s.CreateAuthCeremony(ctx(t), c, max); err != nil {
					t.Errorf("CreateAuthCeremony: %v", err)
				}
			}()
		}
		wg.Wait()
		n, err := s.CountAuthCeremonies(ctx(t), hearth.CeremonySecondStep)
		must(t, "CountAuthCeremonies", err)
		if n > max {
			t.Errorf("CountAuthCeremonies = %d after %d concurrent creations, want at most %d", n, creators, max)
		}
	})
}
