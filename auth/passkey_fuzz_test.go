package auth_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/sqlite"
)

// FuzzPasskeyRegistration: whatever a client sends as the answer to a
// passkey registration, it is refused with EINVALID naming the credential
// field, stores nothing and never panics (SEC-MFA).
func FuzzPasskeyRegistration(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0","attestationObject":"o2NmbXRkbm9uZQ"}}`,
	} {
		f.Add([]byte(seed))
	}
	db, err := sqlite.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	wa, err := auth.NewWebAuthn("https://hearth.example", "Hearth")
	if err != nil {
		f.Fatal(err)
	}
	s := auth.NewService(auth.Config{Store: db, WebAuthn: wa})
	now := time.Now().UTC()
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Fuzz", Created: now}
	a := &hearth.Account{ID: hearth.NewID("acc_"), Email: "fuzz@example.org", PasswordHash: "x", PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := db.CreateAccount(f.Context(), a, p); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := s.BeginPasskeyRegistration(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		err := s.FinishPasskeyRegistration(t.Context(), a.ID, bytes.NewReader(body))
		if hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) != "credential" {
			t.Fatalf("FinishPasskeyRegistration(%q) = %v, want EINVALID on credential", body, err)
		}
		if keys, _ := db.Passkeys(t.Context(), a.ID); len(keys) != 0 {
			t.Fatalf("a refused answer stored a passkey: %v", keys)
		}
	})
}
