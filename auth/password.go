package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/hearth-iot/hearth"
)

// Password length limits, in characters (Unicode code points), per NIST SP
// 800-63B §5.1.1.2: at least 8; at least 64 must be allowed, we allow 128.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// blocklistText holds common and breached passwords, lower-cased, one a
// line; see blocklist.LICENSE for its source and licence.
//
//go:embed blocklist.txt
var blocklistText string

var blocklist = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 30000)
	sc := bufio.NewScanner(strings.NewReader(blocklistText))
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			m[w] = struct{}{}
		}
	}
	return m
})

// BlocklistLen returns the number of passwords on the embedded blocklist.
func BlocklistLen() int { return len(blocklist()) }

// CheckPassword reports whether pw may be used as a password, per NIST SP
// 800-63B (SEC-NO-DEFAULT-PW): between MinPasswordLen and MaxPasswordLen
// characters, not one character repeated, and not on the embedded list of
// common and breached passwords (compared case-insensitively). There are no
// composition rules. It returns an EINVALID *hearth.Error with Field
// "password" and a reason a person can act on, or nil.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return hearth.FieldError("password", "the password is not valid UTF-8 text")
	case n < MinPasswordLen:
		return hearth.FieldError("password", "the password is too short: use at least %d characters (15 or more is better); a few unrelated words make a good one", MinPasswordLen)
	case n > MaxPasswordLen:
		return hearth.FieldError("password", "the password is too long: use at most %d characters", MaxPasswordLen)
	case strings.Count(pw, string([]rune(pw)[:1])) == n:
		return hearth.FieldError("password", "the password repeats one character: choose something harder to guess")
	}
	if _, bad := blocklist()[strings.ToLower(pw)]; bad {
		return hearth.FieldError("password", "this password is on a list of common or breached passwords that attackers try first: choose another")
	}
	return nil
}

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32

	// Bounds on parameters read back from a stored hash.
	argonMaxMemory  = 1 << 20 // KiB (1 GiB)
	argonMaxTime    = 16
	argonMaxThreads = 16
)

// HashPassword returns the argon2id hash of pw (m=19456 KiB, t=2, p=1, a
// random 16-byte salt, a 32-byte key) in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64 without padding.
// It does not check the password; call CheckPassword first. The error is
// always nil today; it is kept for other algorithms.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never returns an error (crypto/rand, Go 1.24+)
	p := argonParams{memory: argonMemory, time: argonTime, threads: argonThreads, keyLen: argonKeyLen}
	return encodePHC(p, salt, argon2Key(pw, salt, p)), nil
}

// VerifyPassword reports whether pw matches the PHC-format argon2id hash
// encoded, using the parameters stored in it and a constant-time
// comparison. It returns an error only if encoded is malformed.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	p.keyLen = uint32(len(want))
	got := argon2Key(pw, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
	keyLen  uint32
}

func argon2Key(pw string, salt []byte, p argonParams) []byte {
	return argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
}

func encodePHC(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

var errBadHash = errors.New("malformed argon2id hash")

func decodePHC(s string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: unsupported version", errBadHash)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters: %v", errBadHash, err)
	}
	if p.memory == 0 || p.memory > argonMaxMemory || p.time == 0 || p.time > argonMaxTime || p.threads == 0 || p.threads > argonMaxThreads {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", errBadHash)
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", errBadHash)
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: key", errBadHash)
	}
	return p, salt, key, nil
}
