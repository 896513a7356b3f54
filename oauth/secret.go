package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// secretHasher keeps confidential clients' secrets as SHA-256 hashes
// (fosite's ClientSecretsHasher). A secret is 256 random bits that Hearth
// makes, never a person's password, so a slow hash adds nothing against
// guessing it; and the token and revocation endpoints, which strangers
// reach before any sign-in, then cost microseconds per attempt instead of
// a bcrypt run that a flood from many addresses could stack up on every
// core (SEC-BRUTE). A stolen copy of the store still holds no usable
// secret.
type secretHasher struct{}

// errSecretMismatch is Compare's answer to a wrong secret; fosite turns
// it into invalid_client.
var errSecretMismatch = errors.New("the client secret does not match")

// Hash implements fosite.Hasher.
func (secretHasher) Hash(_ context.Context, secret []byte) ([]byte, error) {
	h := sha256.Sum256(secret)
	return h[:], nil
}

// Compare implements fosite.Hasher, in constant time.
func (secretHasher) Compare(_ context.Context, hash, secret []byte) error {
	h := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(hash, h[:]) != 1 {
		return errSecretMismatch
	}
	return nil
}
