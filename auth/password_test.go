package auth

import (
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
)

// SEC-NO-DEFAULT-PW: weak passwords are refused with a clear reason; long
// and unusual ones are accepted without composition rules.
func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name   string
		pw     string
		reason string // a substring of the message; "" means accepted
	}{
		{"empty", "", "too short"},
		{"seven", "abcdefg", "too short"},
		{"seven runes, more bytes", "ééééééx", "too short"},
		{"eight lower-case letters", "qzvbtrxw", ""},
		{"no composition rules", "correct horse battery staple", ""},
		{"64 characters", strings.Repeat("ab", 32), ""},
		{"128 characters", strings.Repeat("xy", 64), ""},
		{"129 characters", strings.Repeat("x", 128) + "y", "too long"},
		{"unicode", "ça fait très longtemps", ""},
		{"common", "password", "common or breached"},
		{"common, any case", "PassWord", "common or breached"},
		{"common, long", "1qaz2wsx3edc", "common or breached"},
		{"repeated", "aaaaaaaaaa", "repeats one character"},
		{"invalid utf-8", "abcdefgh\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.pw)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("CheckPassword = %v, want nil", err)
				}
				return
			}
			if got, want := hearth.ErrorCode(err), hearth.EINVALID; got != want {
				t.Fatalf("code = %q, want %q (err %v)", got, want, err)
			}
			if got, want := hearth.ErrorField(err), "password"; got != want {
				t.Errorf("field = %q, want %q", got, want)
			}
			if got := hearth.ErrorMessage(err); !strings.Contains(got, tt.reason) {
				t.Errorf("message = %q, want it to say %q", got, tt.reason)
			}
		})
	}
}

func TestBlocklistSize(t *testing.T) {
	if got, want := BlocklistLen(), 10000; got < want {
		t.Errorf("blocklist has %d passwords, want at least %d", got, want)
	}
}

func TestHashPassword(t *testing.T) {
	enc, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(enc, want) {
		t.Errorf("hash = %q, want prefix %q", enc, want)
	}
	again, _ := HashPassword("correct horse battery staple")
	if again == enc {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			got, err := VerifyPassword(enc, tt.pw)
			if err != nil {
				t.Fatalf("VerifyPassword: %v", err)
			}
			if got != tt.want {
				t.Errorf("VerifyPassword = %v, want %v", got, tt.want)
			}
		})
	}
}

// A hash with other parameters (such as one made before the defaults
// changed) still verifies, because the parameters are read from the string.
func TestVerifyPasswordReadsParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := argonParams{memory: 8192, time: 1, threads: 2, keyLen: 24}
	enc := encodePHC(p, salt, argon2Key("hunter22hunter22", salt, p))
	ok, err := VerifyPassword(enc, "hunter22hunter22")
	if err != nil || !ok {
		t.Errorf("VerifyPassword = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("correct horse battery staple")
	parts := strings.Split(good, "$")
	tests := map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":       strings.Replace(good, "argon2id", "argon2i", 1),
		"version":       strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":   strings.Replace(good, "m=19456", "m=99999999", 1),
		"zero time":     strings.Replace(good, "t=2", "t=0", 1),
		"bad salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":     strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing field": strings.Join(parts[:5], "$"),
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			if ok, err := VerifyPassword(enc, "correct horse battery staple"); err == nil || ok {
				t.Errorf("VerifyPassword = %v, %v; want false and an error", ok, err)
			}
		})
	}
}
