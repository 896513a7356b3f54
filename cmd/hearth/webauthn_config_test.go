package main

import (
	"errors"
	"strings"
	"testing"
)

// TestWebAuthnOrigin: passkeys are bound to --webauthn-origin, else to the
// scheme and host of --public-url, else off; a malformed origin is a usage
// error naming the flag (SEC-MFA).
func TestWebAuthnOrigin(t *testing.T) {
	tests := []struct {
		name, origin, public string
		want                 string
		wantErr              bool
	}{
		{"off", "", "", "", false},
		{"flag", "https://hearth.example.org", "", "https://hearth.example.org", false},
		{"from public url", "", "https://hearth.example/base", "https://hearth.example", false},
		{"flag wins", "https://a.example", "https://b.example", "https://a.example", false},
		{"no scheme", "hearth.example.org", "", "hearth.example.org", true},
		{"a path", "https://hearth.example.org/app", "", "https://hearth.example.org/app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultServeConfig()
			c.WebAuthnOrigin, c.Disclosure.PublicURL = tt.origin, tt.public
			if got := c.webauthnOrigin(); got != tt.want {
				t.Errorf("webauthnOrigin() = %q, want %q", got, tt.want)
			}
			err := c.check()
			var u *usageError
			if tt.wantErr != (err != nil && errors.As(err, &u) && strings.Contains(err.Error(), "--webauthn-origin")) {
				t.Errorf("check() = %v, want a --webauthn-origin usage error: %v", err, tt.wantErr)
			}
		})
	}
}
