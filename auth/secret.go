// Package auth provides Hearth's credentials: session tokens, device secrets,
// claim codes, password rules and hashing, sign-in rate limiting, and the
// account Service that signs people up, in and out.
//
// Every credential is random, shown once and stored only as a hash.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// tokenBytes is the entropy of session tokens and device secrets: 256 bits.
const tokenBytes = 32

// NewToken returns a new session or invitation token (32 random bytes,
// URL-safe base64 without padding) and its SHA-256 hash, the only form
// that is stored. It is safe for concurrent use.
func NewToken() (token string, hash []byte) {
	token = randomString(tokenBytes)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 hash of a token, as stored.
func HashToken(token string) []byte { return sha256Sum(token) }

// NewDeviceSecret returns a new device secret (256 random bits, URL-safe
// base64 without padding) and its SHA-256 hash, the only form that is
// stored. Every device gets its own: never a shared default
// (SEC-NO-DEFAULT-PW). It is safe for concurrent use.
func NewDeviceSecret() (secret string, hash []byte) {
	secret = randomString(tokenBytes)
	return secret, HashDeviceSecret(secret)
}

// HashDeviceSecret returns the SHA-256 hash of a device secret, as stored.
//
// A fast hash is right here, unlike for passwords: the secret is 256 random
// bits, so there is no dictionary to try and a brute-force search of the
// hash is infeasible however fast the hash is. A slow hash would only make
// every device connection (and a flood of bad ones) expensive for the server.
func HashDeviceSecret(secret string) []byte { return sha256Sum(secret) }

// claimAlphabet has 32 upper-case symbols without the easily confused
// I, O, 0 and 1, so each symbol carries 5 bits.
const claimAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// claimGroups and claimGroupLen shape a claim code: 4 groups of 4 symbols,
// 16 symbols of 5 bits = 80 bits.
const (
	claimGroups   = 4
	claimGroupLen = 4
)

// NewClaimCode returns a new human-typable claim code, such as
// "7KQM-3XHD-P9TA-WNRE" (4 groups of 4 symbols from an alphabet without
// I, O, 0 and 1: 80 random bits), and the hash that is stored (see
// HashClaimCode). It is safe for concurrent use.
func NewClaimCode() (code string, hash []byte) {
	var raw [claimGroups * claimGroupLen]byte
	rand.Read(raw[:]) // never returns an error (crypto/rand, Go 1.24+)
	var b strings.Builder
	for i, r := range raw {
		if i > 0 && i%claimGroupLen == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(claimAlphabet[int(r)%len(claimAlphabet)]) // 256 is a multiple of 32: no bias
	}
	code = b.String()
	return code, HashClaimCode(code)
}

// HashClaimCode returns the SHA-256 hash of a claim code after normalising
// it: upper-cased, with spaces and dashes removed, so "7kqm 3xhd-p9ta wnre"
// and "7KQM-3XHD-P9TA-WNRE" hash the same. Claim codes are one-time and
// expire, and their redemption is rate-limited, so a fast hash suffices.
func HashClaimCode(code string) []byte {
	return sha256Sum(NormalizeClaimCode(code))
}

// NormalizeClaimCode returns code upper-cased without spaces, tabs or dashes.
func NormalizeClaimCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
