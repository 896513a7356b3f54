package hearth

import (
	"crypto/rand"
	"encoding/base32"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a new random identifier with the given prefix, such as
// "hh_" for a household: 80 random bits, lower-case base32. It is safe for
// concurrent use.
func NewID(prefix string) string {
	var b [10]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	return prefix + idEncoding.EncodeToString(b[:])
}
