package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/household"
)

// Bad input gets a precise 4xx problem naming the field and the reason.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/v1/accounts", "", `{"email":"taken@example.org","password":"correct horse battery staple","display_name":"T"}`), 202)
	tests := []struct {
		name   string
		body   string
		status int
		field  string // "" when the problem is about the whole body
		detail string // a substring of the detail or the field's reason
	}{
		{"weak password", `{"email":"a@example.org","password":"password1","display_name":"A"}`, 400, "password", "common or breached"}, // SEC-NO-DEFAULT-PW
		{"short password", `{"email":"a@example.org","password":"abc","display_name":"A"}`, 400, "password", "at least 8 characters"},
		{"bad e-mail", `{"email":"not-an-address","password":"correct horse battery staple","display_name":"A"}`, 400, "email", "e-mail address"},
		{"malformed JSON", `{"email":"a@example.org",`, 400, "", "malformed JSON"},
		{"syntax error", `{"email" "a@example.org"}`, 400, "", "malformed JSON at byte"},
		{"wrong type", `{"email":"a@example.org","password":12345678,"display_name":"A"}`, 400, "password", "must be a string, not number"},
		{"unknown field", `{"email":"a@example.org","password":"correct horse battery staple","display_name":"A","admin":true}`, 400, "admin", "unknown field"},
		{"missing fields", `{"email":"a@example.org"}`, 400, "display_name", "required"},
		{"empty body", ``, 400, "", "body is empty"},
		{"array", `[]`, 400, "", "must be a JSON object"},
		{"two objects", `{"email":"a@example.org","password":"correct horse battery staple","display_name":"A"} {}`, 400, "", "exactly one JSON object"},
		{"oversized", `{"email":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "", "limit of 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problem(t, e.do("POST", "/v1/accounts", "", tt.body, "Content-Type", "application/json"), tt.status)
			text := p.Detail
			if tt.field != "" {
				text = ""
				for _, fp := range p.Errors {
					if fp.Field == tt.field {
						text = fp.Reason
					}
				}
				if text == "" {
					t.Fatalf("errors = %+v, want one about %q", p.Errors, tt.field)
				}
			}
			if !strings.Contains(text, tt.detail) {
				t.Errorf("reason = %q, want it to say %q", text, tt.detail)
			}
		})
	}
}

// SEC-BRUTE: a wrong password and an unknown account get identical
// responses, and repeated failures get 429 with Retry-After.
func TestSignInNoEnumeration(t *testing.T) {
	e := newEnv(t)
	e.user("Ada")
	wrong := e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"not my password"}`)
	unknown := e.do("POST", "/v1/sessions", "", `{"email":"nobody@example.org","password":"not my password"}`)
	problem(t, wrong, 401)
	if wrong.status != unknown.status || string(wrong.body) != string(unknown.body) {
		t.Errorf("wrong password: %d %s; unknown account: %d %s; want identical", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	for i := 1; i < auth.SignInPerAccount; i++ {
		problem(t, e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"not my password"}`), 401)
	}
	r := e.do("POST", "/v1/sessions", "", `{"email":"ada@example.org","password":"correct horse battery staple"}`)
	problem(t, r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

func TestClaimCodes(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	hh := e.household(owner)
	_, _, code, err := e.hh.ProvisionDevice(t.Context(), "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	body := fmt.Sprintf(`{"code":%q}`, code)
	dev := e.want(e.do("POST", "/v1/households/"+hh+"/devices", owner, body), 201).json(t)
	if _, leaked := dev["credential_hash"]; leaked {
		t.Errorf("device JSON has its credential hash: %v", dev)
	}
	// SEC-BRUTE: used, expired and unknown codes get one answer.
	used := problem(t, e.do("POST", "/v1/households/"+hh+"/devices", owner, body), 400)
	_, _, code, _ = e.hh.ProvisionDevice(t.Context(), "ember-t1", "1.0.0")
	e.clock.Advance(household.ClaimTTL)
	expired := problem(t, e.do("POST", "/v1/households/"+hh+"/devices", owner, fmt.Sprintf(`{"code":%q}`, code)), 400)
	unknown := problem(t, e.do("POST", "/v1/households/"+hh+"/devices", owner, `{"code":"2222-3333-4444-5555"}`), 400)
	if used.Detail != unknown.Detail || expired.Detail != unknown.Detail {
		t.Errorf("details: used %q, expired %q, unknown %q; want one", used.Detail, expired.Detail, unknown.Detail)
	}
}

func TestReadingQueryParameters(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	hh := e.household(owner)
	tests := map[string]string{
		"from=yesterday": "from",
		"to=2025-01-01":  "to",
		"limit=0":        "limit",
		"limit=1001":     "limit",
		"limit=ten":      "limit",
		"cursor=-4":      "cursor",
		"cursor=abc":     "cursor",
		"from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z": "to",
		"category=room-temperature":                         "purpose", // every read names its purpose
		"purpose=selling-data":                              "purpose",
	}
	for query, field := range tests {
		t.Run(query, func(t *testing.T) {
			p := problem(t, e.do("GET", "/v1/households/"+hh+"/readings?"+query, owner, ""), 400)
			if len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Errorf("errors = %+v, want one about %q", p.Errors, field)
			}
		})
	}
}
