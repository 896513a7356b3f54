// Package sealstore is a hearth.Store decorator that seals every personal
// field with its subject's data key on the way in and opens it on the way
// out (SEC-ENCRYPT), so that the storage adapter below it, and every backup
// of its files, holds nothing readable about a person once their key is
// destroyed (seal.Keyring.Shred, RIGHT-ERASE).
//
// It is transparent: services see the same values as with the bare store,
// and the storetest contract suite passes through it. Storage adapters need
// no privacy logic of their own; they keep the sealed values as given.
//
// What it seals, with whose key, and where the adapter keeps it:
//
//	Person.DisplayName        the person's key     as text, in DisplayName
//	Account.Email             the person's key     in SealedEmail; Email holds the blind index
//	Household.Name            the household's key  as text, in Name
//	PersonSettings (all but PersonID and Updated)
//	                          the person's key     in Sealed, as the JSON of the settings
//	Notification.Title, Body  the person's key     as text, in Title and Body
//	TOTP.Secret               the person's key     as text, in Secret
//
// A value sealed as text is TextPrefix followed by the unpadded base64url
// encoding of a seal ciphertext. Every sealed value is bound to its row and
// field by its AAD, so a ciphertext copied to another row or field fails to
// open. An e-mail address is found through its keyed blind index
// (seal.BlindIndex "email": HMAC-SHA256 of the lower-cased address, as
// lower-case hex), which the adapter keeps unique, so sign-in and the
// uniqueness of addresses work as before without the address in clear.
//
// A person imported from another instance's export (ImportPerson) is sealed
// the same way.
//
// Reading a single record whose key was destroyed returns ENOTFOUND (the
// data was erased). In lists of several subjects' records (HouseholdsOf,
// EveryAccount), such a record comes back with its sealed fields empty, so
// one erased subject does not hide the others; a person's own list
// (Notifications) returns ENOTFOUND. Everything else passes through to the
// wrapped store unchanged, among it the sign-in steps and passkey
// registrations of hearth.AuthCeremonyStore (an account ID, counters and a
// WebAuthn challenge: nothing personal); readings are sealed by package
// ingest already.
//
// A store method added later that takes or returns one of these fields must
// be wrapped here too, or it would write the field in clear (which the
// readers above then refuse) or return it sealed; the storetest suite, run
// through this decorator, catches it where its cases compare the field.
package sealstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
)

// TextPrefix starts every value sealed as text.
const TextPrefix = "sealed:"

// aadLabel starts every AAD, naming this package's format.
const aadLabel = "hearth-sealstore-v1"

// Store is a hearth.Store that seals personal fields before they reach the
// wrapped store. It is safe for concurrent use if the wrapped store is.
type Store struct {
	hearth.Store
	keys *seal.Keyring

	mu    sync.Mutex                      // held while loading email
	email atomic.Pointer[seal.BlindIndex] // loaded on first use; see emailIndex
}

var _ hearth.Store = (*Store)(nil)

// New returns a Store sealing personal fields of inner with keys' data
// keys. The e-mail blind index's key is loaded, or created, on the first
// call that needs it, so a new store holds no key until an account is
// stored or looked up.
func New(inner hearth.Store, keys *seal.Keyring) *Store {
	return &Store{Store: inner, keys: keys}
}

// aad returns the AAD binding a sealed value to its kind of record, its
// field and the IDs of its row.
func aad(kind, field string, ids ...string) []byte {
	parts := append([]string{aadLabel, kind, field}, ids...)
	return []byte(strings.Join(parts, "\x00"))
}

// sealText seals s for subject and returns it as text.
func (st *Store) sealText(ctx context.Context, subject, s string, ad []byte) (string, error) {
	b, err := st.keys.Seal(ctx, subject, []byte(s), ad)
	if err != nil {
		return "", err
	}
	return TextPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// openText opens a value made by sealText with the same AAD.
func (st *Store) openText(ctx context.Context, s string, ad []byte) (string, error) {
	enc, ok := strings.CutPrefix(s, TextPrefix)
	if !ok {
		return "", fmt.Errorf("a personal field is not sealed")
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("decode sealed field: %w", err)
	}
	pt, err := st.keys.Open(ctx, b, ad)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// emailIndex returns the blind index of an address, as the adapter keeps
// it in Account.Email.
func (st *Store) emailIndex(ctx context.Context, e hearth.Email) (hearth.Email, error) {
	ix := st.email.Load()
	if ix == nil {
		var err error
		if ix, err = st.loadEmailIndex(ctx); err != nil {
			return "", err
		}
	}
	return hearth.Email(hex.EncodeToString(ix.Sum([]byte(strings.ToLower(string(e)))))), nil
}

// loadEmailIndex loads or creates the e-mail blind index's key, once.
func (st *Store) loadEmailIndex(ctx context.Context) (*seal.BlindIndex, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if ix := st.email.Load(); ix != nil {
		return ix, nil
	}
	ix, err := st.keys.BlindIndex(ctx, "email")
	if err != nil {
		return nil, fmt.Errorf("e-mail index: %w", err)
	}
	st.email.Store(ix)
	return ix, nil
}

// erased reports whether err says a data key no longer exists.
func erased(err error) bool { return hearth.ErrorCode(err) == hearth.ENOTFOUND }

// openErr turns a failure to open what's sealed field into the error a
// reader gets: ENOTFOUND if the key was destroyed, else a wrapped error.
func openErr(what string, err error) error {
	if erased(err) {
		return &hearth.Error{Code: hearth.ENOTFOUND, Message: "the " + what + " was erased", Err: err}
	}
	return fmt.Errorf("open %s: %w", what, err)
}
