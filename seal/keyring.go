package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
)

// Format bytes: the first byte of every sealed value.
const (
	formatAES256GCM = 0x01 // AES-256-GCM, 12-byte nonce, 16-byte tag
)

const (
	dataKeySize = 32
	nonceSize   = 12
	tagSize     = 16
	keyIDPrefix = "dk_"
)

// wrapLabel starts the AAD of every wrapped data key.
const wrapLabel = "hearth-dk-v1\x00"

// dataKey is an unwrapped data key, ready to seal and open.
type dataKey struct {
	id      string
	subject string
	aead    cipher.AEAD
}

// Keyring seals and opens values with per-subject data keys kept in a
// hearth.KeyStore, wrapped by a KEK. It caches unwrapped keys in memory, so
// after a subject's first use Seal makes no store round trip; the cache
// holds one entry per subject used since start and is emptied only by
// Shred and Forget. A Keyring is safe for concurrent use.
type Keyring struct {
	kek   *KEK
	wrap  cipher.AEAD
	keys  hearth.KeyStore
	now   func() time.Time
	mu    sync.RWMutex
	bySub map[string]*dataKey
	byID  map[string]*dataKey
	epoch uint64 // incremented by Shred; loads from an older epoch are not cached
}

// NewKeyring returns a Keyring that wraps data keys with kek and stores them
// in keys.
func NewKeyring(kek *KEK, keys hearth.KeyStore) *Keyring {
	block, err := aes.NewCipher(kek.key[:])
	if err != nil {
		panic("seal: " + err.Error()) // unreachable: the KEK is always 32 bytes
	}
	wrap, err := cipher.NewGCM(block)
	if err != nil {
		panic("seal: " + err.Error()) // unreachable: standard nonce and tag sizes
	}
	return &Keyring{
		kek: kek, wrap: wrap, keys: keys, now: time.Now,
		bySub: make(map[string]*dataKey), byID: make(map[string]*dataKey),
	}
}

// Seal encrypts plaintext for subject, binding it to aad, and returns the
// sealed value in the format described in the package documentation. It
// creates the subject's data key on first use. It returns EINVALID for an
// empty or reserved subject (see ReservedPrefix), and a wrapped store error if the key cannot be loaded or
// created.
func (k *Keyring) Seal(ctx context.Context, subject string, plaintext, aad []byte) ([]byte, error) {
	dk, err := k.subjectKey(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	hdr := 2 + len(dk.id) + nonceSize
	out := make([]byte, hdr, hdr+len(plaintext)+tagSize)
	out[0] = formatAES256GCM
	out[1] = byte(len(dk.id))
	copy(out[2:], dk.id)
	nonce := out[hdr-nonceSize : hdr]
	rand.Read(nonce) // never returns an error (crypto/rand, Go 1.24+)
	return dk.aead.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts a value made by Seal with the same aad. It returns EINVALID
// if sealed is malformed or fails authentication (tampered, or the wrong
// AAD), and ENOTFOUND if its data key no longer exists (the subject was
// erased: crypto-shredded).
func (k *Keyring) Open(ctx context.Context, sealed, aad []byte) ([]byte, error) {
	id, nonce, body, err := parseSealed(sealed)
	if err != nil {
		return nil, err
	}
	dk, err := k.idKey(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	pt, err := dk.aead.Open(nil, nonce, body, aad)
	if err != nil {
		return nil, &hearth.Error{Code: hearth.EINVALID, Message: "sealed value fails authentication", Err: err}
	}
	return pt, nil
}

// Shred destroys subject's data keys in the store and in memory
// (crypto-shredding): everything sealed for subject becomes unreadable. A
// later Seal for subject creates a new key. Shredding a subject without a
// key is not an error. A Seal running concurrently with Shred may use the
// old key; its output is then unreadable too.
func (k *Keyring) Shred(ctx context.Context, subject string) error {
	k.Forget(subject)
	if err := k.keys.DeleteKey(ctx, subject); err != nil {
		return fmt.Errorf("shred data key: %w", err)
	}
	return nil
}

// Forget drops subject's unwrapped keys from memory, or every key when
// subject is "", without touching the store: for a key another process
// sharing the key store shredded (its next use here then finds it gone),
// or to reload keys after such news may have been missed. A load running
// concurrently is not cached.
func (k *Keyring) Forget(subject string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.epoch++
	if subject == "" {
		clear(k.bySub)
		clear(k.byID)
		return
	}
	if dk, ok := k.bySub[subject]; ok {
		delete(k.byID, dk.id)
		delete(k.bySub, subject)
	}
	for id, dk := range k.byID { // keys loaded by ID alone
		if dk.subject == subject {
			delete(k.byID, id)
		}
	}
}

func parseSealed(b []byte) (id string, nonce, body []byte, err error) {
	if len(b) < 2 || b[0] != formatAES256GCM {
		return "", nil, nil, hearth.Errorf(hearth.EINVALID, "sealed value has an unknown format")
	}
	n := int(b[1])
	if n == 0 || len(b) < 2+n+nonceSize+tagSize {
		return "", nil, nil, hearth.Errorf(hearth.EINVALID, "sealed value is truncated")
	}
	return string(b[2 : 2+n]), b[2+n : 2+n+nonceSize], b[2+n+nonceSize:], nil
}

// cached returns the cached key for subject, or for id when subject is "".
func (k *Keyring) cached(subject, id string) (*dataKey, uint64) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if subject != "" {
		return k.bySub[subject], k.epoch
	}
	return k.byID[id], k.epoch
}

// remember caches dk unless a Shred happened since epoch, and returns the
// key to use: an already cached key for the same subject wins.
func (k *Keyring) remember(dk *dataKey, epoch uint64, bySubject bool) *dataKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.epoch != epoch {
		return dk
	}
	if bySubject {
		if old, ok := k.bySub[dk.subject]; ok {
			return old
		}
		k.bySub[dk.subject] = dk
	}
	k.byID[dk.id] = dk
	return dk
}

func (k *Keyring) idKey(ctx context.Context, id string) (*dataKey, error) {
	dk, epoch := k.cached("", id)
	if dk != nil {
		return dk, nil
	}
	wk, err := k.keys.KeyByID(ctx, id)
	if err != nil {
		return nil, keyLookupError(err)
	}
	if wk.ID != id {
		return nil, fmt.Errorf("key store returned key %q for %q", wk.ID, id)
	}
	dk, err = k.unwrap(wk)
	if err != nil {
		return nil, err
	}
	return k.remember(dk, epoch, false), nil
}

func keyLookupError(err error) error {
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return &hearth.Error{Code: hearth.ENOTFOUND, Message: "data key not found: the data was erased", Err: err}
	}
	return fmt.Errorf("load data key: %w", err)
}

func (k *Keyring) subjectKey(ctx context.Context, subject string) (*dataKey, error) {
	if subject == "" || reserved(subject) {
		return nil, hearth.Errorf(hearth.EINVALID, "no subject to seal for")
	}
	dk, epoch := k.cached(subject, "")
	if dk != nil {
		return dk, nil
	}
	dk, err := k.loadOrCreate(ctx, subject)
	if err != nil {
		return nil, err
	}
	return k.remember(dk, epoch, true), nil
}

// loadOrCreate loads subject's key from the store, creating it if there is
// none. When another goroutine or process creates it first (ECONFLICT), it
// loads theirs, so every subject has exactly one key.
func (k *Keyring) loadOrCreate(ctx context.Context, subject string) (*dataKey, error) {
	wk, err := k.keys.Key(ctx, subject)
	if err == nil {
		return k.unwrapFor(wk, subject)
	}
	if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return nil, fmt.Errorf("load data key: %w", err)
	}
	dk, wk, err := k.newKey(subject)
	if err != nil {
		return nil, err
	}
	err = k.keys.PutKey(ctx, wk)
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		if wk, err = k.keys.Key(ctx, subject); err != nil {
			return nil, fmt.Errorf("reload data key: %w", err)
		}
		return k.unwrapFor(wk, subject)
	}
	if err != nil {
		return nil, fmt.Errorf("store data key: %w", err)
	}
	return dk, nil
}

func (k *Keyring) newKey(subject string) (*dataKey, *hearth.WrappedKey, error) {
	var raw [dataKeySize]byte
	rand.Read(raw[:]) // never returns an error (crypto/rand, Go 1.24+)
	id := hearth.NewID(keyIDPrefix)
	aead, err := newAEAD(raw[:])
	if err != nil {
		return nil, nil, err
	}
	return &dataKey{id: id, subject: subject, aead: aead}, k.wrapRaw(id, subject, raw[:]), nil
}

// wrapRaw wraps the key raw, with ID id, for subject under the KEK.
func (k *Keyring) wrapRaw(id, subject string, raw []byte) *hearth.WrappedKey {
	nonce := make([]byte, nonceSize, nonceSize+dataKeySize+tagSize)
	rand.Read(nonce) // never returns an error (crypto/rand, Go 1.24+)
	wrapped := k.wrap.Seal(nonce, nonce, raw, wrapAAD(id, subject))
	return &hearth.WrappedKey{ID: id, Subject: subject, KEKID: k.kek.id, Wrapped: wrapped, Created: k.now().UTC()}
}

// unwrapFor unwraps wk after checking that it belongs to subject.
func (k *Keyring) unwrapFor(wk *hearth.WrappedKey, subject string) (*dataKey, error) {
	if wk.Subject != subject {
		return nil, fmt.Errorf("key store returned a key of another subject")
	}
	return k.unwrap(wk)
}

func (k *Keyring) unwrap(wk *hearth.WrappedKey) (*dataKey, error) {
	if reserved(wk.Subject) {
		return nil, hearth.Errorf(hearth.EINVALID, "key %s is not a data key", wk.ID)
	}
	raw, err := k.unwrapRaw(wk)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &dataKey{id: wk.ID, subject: wk.Subject, aead: aead}, nil
}

// unwrapRaw checks wk's KEK and size and returns the unwrapped key bytes.
func (k *Keyring) unwrapRaw(wk *hearth.WrappedKey) ([]byte, error) {
	if wk.KEKID != k.kek.id {
		return nil, fmt.Errorf("data key %s is wrapped by key-encryption key %s, not the loaded %s", wk.ID, wk.KEKID, k.kek.id)
	}
	if len(wk.Wrapped) != nonceSize+dataKeySize+tagSize {
		return nil, fmt.Errorf("data key %s: wrapped key has %d bytes", wk.ID, len(wk.Wrapped))
	}
	raw, err := k.wrap.Open(nil, wk.Wrapped[:nonceSize], wk.Wrapped[nonceSize:], wrapAAD(wk.ID, wk.Subject))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s: %w", wk.ID, err)
	}
	return raw, nil
}

func wrapAAD(id, subject string) []byte {
	return []byte(wrapLabel + id + "\x00" + subject)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new data key cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new data key cipher: %w", err)
	}
	return aead, nil
}
