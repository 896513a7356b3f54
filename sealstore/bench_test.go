package sealstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/sqlite"
)

// BenchmarkAccounts compares the store calls of sign-up (CreateAccount),
// sign-in (AccountByEmail) and every authenticated request (Account) on
// bare SQLite and through the sealing decorator, beside sign-in's
// argon2id password check, which dominates it:
//
//	go test -run x -bench Accounts -benchmem ./sealstore
func BenchmarkAccounts(b *testing.B) {
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("argon2id-verify", func(b *testing.B) {
		for b.Loop() {
			auth.VerifyPassword(hash, "correct horse battery staple")
		}
	})
	for _, sealed := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "sealstore"}[sealed]
		db, err := sqlite.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		var s hearth.Store = db
		if sealed {
			k, _ := seal.NewKEK(make([]byte, 32))
			s = sealstore.New(db, seal.NewKeyring(k, db))
		}
		n := 0
		newAccount := func() (*hearth.Account, *hearth.Person) {
			n++
			p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Bench Person", Created: time.Now()}
			a := &hearth.Account{ID: hearth.NewID("acc_"), Email: hearth.Email(fmt.Sprintf("bench%d@example.org", n)),
				PasswordHash: hash, PersonID: p.ID, Created: p.Created}
			return a, p
		}
		b.Run(name+"/CreateAccount", func(b *testing.B) {
			for b.Loop() {
				a, p := newAccount()
				if err := s.CreateAccount(b.Context(), a, p); err != nil {
					b.Fatal(err)
				}
			}
		})
		a, p := newAccount()
		if err := s.CreateAccount(b.Context(), a, p); err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/AccountByEmail", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.AccountByEmail(b.Context(), a.Email); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/Account", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Account(b.Context(), a.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
