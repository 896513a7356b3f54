package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// kekSize is the length of the key-encryption key in bytes (AES-256).
const kekSize = 32

// KEK is the key-encryption key: it wraps every subject's data key. It is
// immutable and safe for concurrent use.
type KEK struct {
	id  string
	key [kekSize]byte
}

// ID returns the KEK's identifier: the hex encoding of the first 8 bytes of
// the SHA-256 of the key. It identifies the key without revealing it, and is
// stored beside every data key the KEK wraps.
func (k *KEK) ID() string { return k.id }

// NewKEK returns a KEK holding a copy of key, which must be 32 bytes. It is
// for tools and tests; servers use LoadOrCreateKEK.
func NewKEK(key []byte) (*KEK, error) {
	if len(key) != kekSize {
		return nil, fmt.Errorf("new kek: key is %d bytes, want %d", len(key), kekSize)
	}
	k := &KEK{}
	copy(k.key[:], key)
	sum := sha256.Sum256(k.key[:])
	k.id = hex.EncodeToString(sum[:8])
	return k, nil
}

// ErrKEKMissing is returned by OpenKEK when the key file does not exist
// but stored data keys are wrapped by a key-encryption key.
var ErrKEKMissing = errors.New("the key file is missing")

// ErrKEKMismatch is returned by OpenKEK when the key file holds another
// key-encryption key than the one that wraps the stored data keys.
var ErrKEKMismatch = errors.New("the key file holds another key-encryption key")

// OpenKEK reads the key-encryption key from the file at path, for a key
// store whose data keys are wrapped by the KEKs wrapping (their IDs, as
// hearth.KEKInventory reports them). It creates a new key (as
// LoadOrCreateKEK does, making path's directory with mode 0700 if needed)
// only when wrapping is empty: a fresh install. Otherwise it refuses to
// create one, since a new key cannot unwrap a single stored data key:
// a missing file is ErrKEKMissing, and a file holding any other KEK than
// the one wrapping every stored key is ErrKEKMismatch. Both errors name the
// path and the KEK ID expected, and nothing is created.
func OpenKEK(path string, wrapping []string) (*KEK, error) {
	k, err := loadKEK(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && len(wrapping) == 0:
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create key file directory: %w", err)
		}
		return LoadOrCreateKEK(path)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("key file %s does not exist, but the stored data keys are wrapped by key-encryption key %s: %w",
			path, strings.Join(wrapping, ", "), ErrKEKMissing)
	case err != nil:
		return nil, err
	}
	for _, id := range wrapping {
		if id != k.ID() {
			return nil, fmt.Errorf("key file %s holds key-encryption key %s, but the stored data keys are wrapped by %s: %w",
				path, k.ID(), strings.Join(wrapping, ", "), ErrKEKMismatch)
		}
	}
	return k, nil
}

// LoadOrCreateKEK reads the key-encryption key from the file at path, or, if
// there is no file, creates one with 32 random bytes and mode 0600. Servers
// use OpenKEK, which creates a key only for a key store without keys.
//
// The file holds the key as 64 lower-case hexadecimal characters followed by
// an optional newline; nothing else. Losing the file makes every sealed
// reading unreadable; copying it defeats crypto-shredding of backups that
// are copied with it, so keep it apart from the data directory's backups.
//
// It refuses a file that group or others may read or write (chmod 600 it),
// a file that is not a regular file, and a file whose content is not a
// 32-byte hex key. The directory of path must exist.
func LoadOrCreateKEK(path string) (*KEK, error) {
	k, err := loadKEK(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = createKEK(path)
		if errors.Is(err, fs.ErrExist) { // another process created it first
			k, err = loadKEK(path)
		}
	}
	return k, err
}

func loadKEK(path string) (*KEK, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %#o: group and others must have no access (chmod 600 it)", path, perm)
	}
	buf, err := io.ReadAll(io.LimitReader(f, 2*kekSize+2))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	text := strings.TrimSuffix(string(buf), "\n")
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != kekSize {
		return nil, fmt.Errorf("key file %s: want 64 hexadecimal characters (a 32-byte key)", path)
	}
	return NewKEK(key)
}

func createKEK(path string) (*KEK, error) {
	var key [kekSize]byte
	rand.Read(key[:]) // never returns an error (crypto/rand, Go 1.24+)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key[:]) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return NewKEK(key[:])
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync key file directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync key file directory: %w", err)
	}
	return nil
}
