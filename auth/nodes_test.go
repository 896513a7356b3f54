package auth_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/internal/passkeytest"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const nodesOrigin = "https://hearth.example"

// twoNodes returns two Services on one store, as two nodes behind a load
// balancer: on SQLite they share the one handle a data directory allows;
// on PostgreSQL each has its own connections to the same databases. The
// first store returned is for setting up; meet makes the nodes' next
// two ceremony updates meet.
func twoNodes(t *testing.T, kind string, now func() time.Time) (hearth.Store, *meet, *auth.Service, *auth.Service) {
	t.Helper()
	wa, err := auth.NewWebAuthn(nodesOrigin, "Hearth")
	if err != nil {
		t.Fatal(err)
	}
	var stores []hearth.Store
	switch kind {
	case "sqlite":
		db, err := sqlite.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		stores = []hearth.Store{db, db}
	case "postgres":
		data, keys := pgtest.Store(t)
		for range 2 {
			db, err := postgres.Open(t.Context(), data, keys)
			if err != nil {
				t.Fatal(err)
			}
			stores = append(stores, db)
		}
	}
	t.Cleanup(func() {
		stores[0].Close()
		if stores[1] != stores[0] {
			stores[1].Close()
		}
	})
	m := &meet{}
	node := func(s hearth.Store) *auth.Service {
		return auth.NewService(auth.Config{Store: &nodeStore{Store: s, meet: m}, Now: now, WebAuthn: wa})
	}
	return stores[0], m, node(stores[0]), node(stores[1])
}

// nodeStore is one node's store, whose UpdateAuthCeremony goes through
// the shared meet.
type nodeStore struct {
	hearth.Store
	meet *meet
}

func (n *nodeStore) UpdateAuthCeremony(ctx context.Context, c *hearth.AuthCeremony, now time.Time) error {
	n.meet.wait()
	return n.Store.UpdateAuthCeremony(ctx, c, now)
}

// meet holds, once armed, the next two UpdateAuthCeremony calls of the
// nodes until both arrived (or a second passed): both nodes have read the
// ceremony before either writes, the race the version check decides.
type meet struct {
	mu      sync.Mutex
	barrier chan struct{}
	waiting int
}

// arm makes the next two UpdateAuthCeremony calls meet.
func (m *meet) arm() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.barrier, m.waiting = make(chan struct{}), 0
}

// wait holds an armed call until its partner arrives.
func (m *meet) wait() {
	m.mu.Lock()
	b := m.barrier
	if b != nil {
		m.waiting++
		if m.waiting == 2 {
			close(b)
			m.barrier = nil
		}
	}
	m.mu.Unlock()
	if b != nil {
		select {
		case <-b:
		case <-time.After(time.Second):
		}
	}
}

// nodesAccount creates an account with the password pw.
func nodesAccount(t *testing.T, db hearth.Store, email, pw string, now time.Time) *hearth.Account {
	t.Helper()
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Node", Created: now}
	a := &hearth.Account{ID: hearth.NewID("acc_"), Email: hearth.Email(email), PasswordHash: hash, PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := db.CreateAccount(t.Context(), a, p); err != nil {
		t.Fatal(err)
	}
	return a
}

// secondStep signs in with the password on node and returns the
// second-step token.
func secondStep(t *testing.T, node *auth.Service, email, pw string) string {
	t.Helper()
	_, _, err := node.SignIn(t.Context(), email, pw, "192.0.2.1")
	var sf *auth.SecondFactorRequired
	if !errors.As(err, &sf) {
		t.Fatalf("SignIn: %v, want a second step", err)
	}
	return sf.Token
}

// TestTwoNodes: a sign-in's second step and a passkey registration begun
// on one node are finished on another sharing the store; their bounds
// hold across the nodes: a token opens one session, takes
// SecondStepAttempts factor checks in all (two nodes racing for the last
// one: one gets it), and a challenge is answered once (SEC-MFA,
// SEC-BRUTE).
func TestTwoNodes(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			now := time.Now().UTC()
			db, m, a, b := twoNodes(t, kind, func() time.Time { return now })
			const email, pw = "nodes@example.org", "correct horse battery staple"
			acct := nodesAccount(t, db, email, pw, now)
			enrol, err := a.EnrolTOTP(t.Context(), acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			code := func(d time.Duration) string {
				c, err := totp.GenerateCode(enrol.Secret, now.Add(d))
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			if _, err := b.ConfirmTOTP(t.Context(), acct.ID, code(0)); err != nil {
				t.Fatalf("ConfirmTOTP: %v", err)
			}
			now = now.Add(time.Minute) // past the step ConfirmTOTP used

			t.Run("SecondStepOnOtherNode", func(t *testing.T) {
				token := secondStep(t, a, email, pw)
				sessToken, sess, err := b.CompleteSignIn(t.Context(), token, hearth.FactorTOTP, code(0), "192.0.2.1")
				if err != nil {
					t.Fatalf("CompleteSignIn on the other node: %v", err)
				}
				if sess.Factor != hearth.FactorTOTP {
					t.Errorf("session factor %q, want %q", sess.Factor, hearth.FactorTOTP)
				}
				if got, err := a.Authenticate(t.Context(), sessToken); err != nil || got.ID != acct.ID {
					t.Errorf("Authenticate on the first node: %v, %v; want the account", got, err)
				}
				now = now.Add(time.Minute)
				_, _, err = a.CompleteSignIn(t.Context(), token, hearth.FactorTOTP, code(0), "192.0.2.1")
				if hearth.ErrorCode(err) != hearth.ECONFLICT {
					t.Errorf("the finished token again on the first node: %v, want ECONFLICT (replay)", err)
				}
			})

			t.Run("AttemptsAcrossNodes", func(t *testing.T) {
				now = now.Add(auth.SignInWindow) // the replay above counted as a failure
				token := secondStep(t, b, email, pw)
				wrong := code(time.Hour)
				for i := range auth.SecondStepAttempts - 1 {
					node := []*auth.Service{a, b}[i%2]
					_, _, err := node.CompleteSignIn(t.Context(), token, hearth.FactorTOTP, wrong, fmt.Sprintf("192.0.2.%d", 10+i))
					if hearth.ErrorCode(err) != hearth.EUNAUTHORIZED || hearth.ErrorField(err) != "code" {
						t.Fatalf("wrong code %d: %v, want EUNAUTHORIZED on code", i+1, err)
					}
				}
				// Both nodes try the last attempt at once, each having
				// read the step before either counts it: one checks its
				// code, the other finds no attempt left.
				m.arm()
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i, node := range []*auth.Service{a, b} {
					wg.Go(func() {
						_, _, errs[i] = node.CompleteSignIn(t.Context(), token, hearth.FactorTOTP, wrong, fmt.Sprintf("192.0.2.%d", 20+i))
					})
				}
				wg.Wait()
				checked, refused := 0, 0
				for _, err := range errs {
					switch {
					case hearth.ErrorCode(err) == hearth.EUNAUTHORIZED && hearth.ErrorField(err) == "code":
						checked++
					case hearth.ErrorCode(err) == hearth.EUNAUTHORIZED && strings.Contains(hearth.ErrorMessage(err), "unknown or expired"):
						refused++
					default:
						t.Errorf("last attempt: %v", err)
					}
				}
				if checked != 1 || refused != 1 {
					t.Errorf("last attempt raced on two nodes: %d codes checked, %d refused; want 1 and 1", checked, refused)
				}
				_, _, err := a.CompleteSignIn(t.Context(), token, hearth.FactorTOTP, code(0), "192.0.2.30")
				if hearth.ErrorCode(err) != hearth.EUNAUTHORIZED || hearth.ErrorField(err) != "" {
					t.Errorf("right code after %d wrong ones: %v, want EUNAUTHORIZED (token dropped)", auth.SecondStepAttempts, err)
				}
			})

			t.Run("PasskeyAcrossNodes", func(t *testing.T) {
				now = now.Add(auth.SignInWindow)
				key := passkeytest.New(t, nodesOrigin)
				opts, err := a.BeginPasskeyRegistration(t.Context(), acct.ID)
				if err != nil {
					t.Fatalf("BeginPasskeyRegistration: %v", err)
				}
				answer := key.Create(opts.Response.Challenge.String(), opts.Response.RelyingParty.ID)
				if err := b.FinishPasskeyRegistration(t.Context(), acct.ID, strings.NewReader(answer)); err != nil {
					t.Fatalf("FinishPasskeyRegistration on the other node: %v", err)
				}
				err = a.FinishPasskeyRegistration(t.Context(), acct.ID, strings.NewReader(answer))
				if hearth.ErrorCode(err) != hearth.ECONFLICT {
					t.Errorf("the same registration finished again on the first node: %v, want ECONFLICT", err)
				}
				token := secondStep(t, a, email, pw)
				assertion, err := b.BeginPasskeySignIn(t.Context(), token, "192.0.2.1")
				if err != nil {
					t.Fatalf("BeginPasskeySignIn on the other node: %v", err)
				}
				body := key.Get(assertion.Response.Challenge.String(), assertion.Response.RelyingPartyID, 1)
				_, sess, err := a.FinishPasskeySignIn(t.Context(), token, strings.NewReader(body), "192.0.2.1")
				if err != nil {
					t.Fatalf("FinishPasskeySignIn back on the first node: %v", err)
				}
				if sess.Factor != hearth.FactorPasskey {
					t.Errorf("session factor %q, want %q", sess.Factor, hearth.FactorPasskey)
				}
				_, _, err = b.FinishPasskeySignIn(t.Context(), token, strings.NewReader(body), "192.0.2.1")
				if hearth.ErrorCode(err) != hearth.ECONFLICT {
					t.Errorf("the assertion replayed on the other node: %v, want ECONFLICT", err)
				}
			})
		})
	}
}
