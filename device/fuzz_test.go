package device

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzLocalBody feeds any bytes to the local API's body parsing and
// validation: it never panics, and every refusal is a problem with a 400
// or 413 status (INT-LOCAL).
func FuzzLocalBody(f *testing.F) {
	for _, s := range []string{
		`{"code":"12345678","name":"app"}`, `{"target_celsius":21.5}`, `{"enabled":false}`,
		`{"secret":"0123456789abcdef0123"}`, `{}`, `[]`, `null`, `{"code":`, `{"a":1}{}`, "\xff",
		`{"name":"` + strings.Repeat("x", 2000) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []validator{&pairRequest{}, &settingsRequest{}, &cloudRequest{}, &credentialRequest{}} {
			r, _ := http.NewRequest("POST", "/", strings.NewReader(string(b)))
			r.Header.Set("Content-Type", "application/json")
			err := decodeValid(nopWriter{}, r, v)
			if err == nil {
				continue
			}
			var e *apiError
			if !errors.As(err, &e) || (e.status != 400 && e.status != 413) || e.detail == "" {
				t.Fatalf("%T of %q: %v, want a 400 or 413 problem with a detail", v, b, err)
			}
		}
	})
}

type nopWriter struct{}

func (nopWriter) Header() http.Header         { return http.Header{} }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

// FuzzParseCommand feeds any bytes to the command parser: it never panics,
// and a command it accepts has an ID within the bound and a type.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		`{"id":"c1","type":"factory-reset"}`, `{"id":"c2","type":"set-mode","mode":"local-only"}`,
		`{"id":"c3","type":"firmware-update","release":{"signed":{}},"image_url":"/v1/devices/d/firmware/1.2.0/image"}`,
		`{"id":"c4","type":"reboot"}`, `{"type":"factory-reset"}`, `{}`, `[]`, `{"id":1}`, "\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		if c.ID == "" || len(c.ID) > maxCommandID || c.Type == "" {
			t.Fatalf("ParseCommand(%q) = %+v, accepted without a bounded id and a type", b, c)
		}
	})
}
