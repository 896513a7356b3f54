package seal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/hearth-iot/hearth"
)

// ReservedPrefix starts the KeyStore subject of every key that is not a
// data subject's (for example a blind-index key). Person and household IDs
// never start with it, so Shred of a subject cannot reach such a key, and
// Open refuses a ciphertext that names one.
const ReservedPrefix = "~"

const indexKeyIDPrefix = "ix_"

// BlindIndex computes a keyed blind index: HMAC-SHA256 of a value under a
// secret key kept, wrapped by the KEK, in the KeyStore. Equal values give
// equal indexes, so a store can look a value up and keep it unique without
// holding it; without the key (which is never in hearth.db) an index cannot
// be tested against guesses. A BlindIndex is immutable and safe for
// concurrent use.
type BlindIndex struct {
	key []byte
}

// Sum returns the index of value: 32 bytes.
func (b *BlindIndex) Sum(value []byte) []byte {
	m := hmac.New(sha256.New, b.key)
	m.Write(value)
	return m.Sum(nil)
}

// BlindIndex returns the blind index named name (such as "email"), creating
// its key on first use. The key is stored in the KeyStore under the subject
// ReservedPrefix + "blind-index/" + name, wrapped by the KEK like a data
// key. When two processes create it at once, both use the one stored first.
// It returns EINVALID for an empty name and a wrapped store error if the key
// cannot be loaded or stored.
func (k *Keyring) BlindIndex(ctx context.Context, name string) (*BlindIndex, error) {
	if name == "" {
		return nil, hearth.Errorf(hearth.EINVALID, "a blind index needs a name")
	}
	subject := ReservedPrefix + "blind-index/" + name
	wk, err := k.keys.Key(ctx, subject)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		wk, err = k.newIndexKey(ctx, subject)
	}
	if err != nil {
		return nil, fmt.Errorf("blind index %s: %w", name, err)
	}
	if wk.Subject != subject {
		return nil, fmt.Errorf("blind index %s: key store returned a key of another subject", name)
	}
	raw, err := k.unwrapRaw(wk)
	if err != nil {
		return nil, fmt.Errorf("blind index %s: %w", name, err)
	}
	return &BlindIndex{key: raw}, nil
}

// newIndexKey stores a new random index key for subject, or returns the
// one another writer stored first.
func (k *Keyring) newIndexKey(ctx context.Context, subject string) (*hearth.WrappedKey, error) {
	var raw [dataKeySize]byte
	rand.Read(raw[:]) // never returns an error (crypto/rand, Go 1.24+)
	wk := k.wrapRaw(hearth.NewID(indexKeyIDPrefix), subject, raw[:])
	err := k.keys.PutKey(ctx, wk)
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		return k.keys.Key(ctx, subject)
	}
	if err != nil {
		return nil, fmt.Errorf("store index key: %w", err)
	}
	return wk, nil
}

// reserved reports whether subject is a reserved (non-data) subject.
func reserved(subject string) bool { return strings.HasPrefix(subject, ReservedPrefix) }
