package http

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-iot/hearth"
)

// checkDecode decodes body as T and checks the invariants every API body
// decoder keeps: no panic; an error is a 400 or 413 problem with a detail;
// a value that decodes re-encodes to JSON that decodes to the same value.
func checkDecode[T Validator](t *testing.T, body []byte) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	v, err := decode[T](httptest.NewRecorder(), r)
	if err != nil {
		p := problemOf(err)
		if p.Status != http.StatusBadRequest && p.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("decode(%q): status %d, want 400 or 413 (err %v)", body, p.Status, err)
		}
		var ve *validationError
		if p.Detail == "" || (!errors.As(err, &ve) && hearth.ErrorCode(err) == hearth.EINTERNAL) {
			t.Fatalf("decode(%q): problem %+v from %v, want a coded error with a detail", body, p, err)
		}
		return
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode %#v: %v", v, err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(string(again)))
	r.Header.Set("Content-Type", "application/json")
	w, err := decode[T](httptest.NewRecorder(), r)
	if err != nil {
		t.Fatalf("decode(%s) of a re-encoded valid value: %v", again, err)
	}
	if diff := cmp.Diff(v, w); diff != "" {
		t.Fatalf("round trip changed the value (-first +second):\n%s", diff)
	}
}

func seeds(f *testing.F, bodies ...string) {
	for _, b := range append(bodies, ``, `{`, `[]`, `null`, `{"x":1}`, `{} {}`, `"str"`, `{"email":1}`) {
		f.Add([]byte(b))
	}
}

func FuzzDecodeSignUp(f *testing.F) {
	seeds(f, `{"email":"a@example.org","password":"correct horse battery staple","display_name":"A"}`,
		`{"email":"a@example.org","password":"\u00e9\u00e9","display_name":"\ud83d\ude00"}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[signUpRequest](t, body) })
}

func FuzzDecodeSignIn(f *testing.F) {
	seeds(f, `{"email":"a@example.org","password":"pw"}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[signInRequest](t, body) })
}

func FuzzDecodeHousehold(f *testing.F) {
	seeds(f, `{"name":"Home"}`, `{"name":null}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[householdRequest](t, body) })
}

func FuzzDecodePerson(f *testing.F) {
	seeds(f, `{"display_name":"Sam","role":"child","guardian_id":"per_x"}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[personRequest](t, body) })
}

func FuzzDecodeInvite(f *testing.F) {
	seeds(f, `{"role":"adult"}`, `{"token":"abc"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode[inviteRequest](t, body)
		checkDecode[acceptRequest](t, body)
	})
}

func FuzzDecodeClaim(f *testing.F) {
	seeds(f, `{"code":"ABCD-EFGH-JKLM-NPQR"}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[claimRequest](t, body) })
}

func FuzzDecodeShare(f *testing.F) {
	seeds(f, `{"category":"occupancy","with":"per_x","method":"app"}`, `{"category":"","with":""}`, `{"category":"c","with":"w","method":"fax"}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[shareRequest](t, body) })
}

// FuzzReadingFilter checks the reading list's query parser: no panic, and
// every error is EINVALID naming one of the parameters.
func FuzzReadingFilter(f *testing.F) {
	for _, q := range []string{"", "from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00%2B01:00", "limit=5&cursor=9", "limit=-1", "cursor=x", "to=2025"} {
		f.Add(q)
	}
	params := map[string]bool{"from": true, "to": true, "cursor": true, "limit": true}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		fl, err := readingFilter(q)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID || !params[hearth.ErrorField(err)] {
				t.Fatalf("readingFilter(%q) = %v, want EINVALID about a parameter", query, err)
			}
			return
		}
		if fl.Limit < 0 || fl.After < 0 {
			t.Fatalf("readingFilter(%q) = %+v, negative limit or cursor", query, fl)
		}
	})
}
