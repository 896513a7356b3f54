package oauth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/oauth"
	"github.com/hearth-iot/hearth/sqlite"
)

func newServer(t *testing.T) *oauth.Server {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := oauth.New(oauth.Config{Store: db, Accounts: db, Devices: db, Secret: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRegisterClient: a registration is refused with the field at fault
// for a missing or long name, a redirect URI that is not https (or http on
// a loopback address), has a fragment or is relative, a narrowing or
// unknown scope; a confidential client gets a 256-bit secret kept only as
// a hash, a public one none (INT-CLIENTS).
func TestRegisterClient(t *testing.T) {
	s := newServer(t)
	ok := oauth.NewClient{Name: "Planner", RedirectURIs: []string{"https://planner.example/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"}, Scopes: []string{"profile"}}
	for _, tt := range []struct {
		name  string
		edit  func(c *oauth.NewClient)
		field string
	}{
		{"no name", func(c *oauth.NewClient) { c.Name = " " }, "name"},
		{"long name", func(c *oauth.NewClient) { c.Name = strings.Repeat("n", 81) }, "name"},
		{"no redirect", func(c *oauth.NewClient) { c.RedirectURIs = nil }, "redirect_uris"},
		{"plain http", func(c *oauth.NewClient) { c.RedirectURIs = []string{"http://planner.example/cb"} }, "redirect_uris"},
		{"fragment", func(c *oauth.NewClient) { c.RedirectURIs = []string{"https://planner.example/cb#x"} }, "redirect_uris"},
		{"relative", func(c *oauth.NewClient) { c.RedirectURIs = []string{"/cb"} }, "redirect_uris"},
		{"custom scheme", func(c *oauth.NewClient) { c.RedirectURIs = []string{"planner:/cb"} }, "redirect_uris"},
		{"no scope", func(c *oauth.NewClient) { c.Scopes = nil }, "scopes"},
		{"narrowing", func(c *oauth.NewClient) { c.Scopes = []string{"household:hh_1"} }, "scopes"},
		{"unknown scope", func(c *oauth.NewClient) { c.Scopes = []string{"admin"} }, "scopes"},
	} {
		c := ok
		tt.edit(&c)
		if _, _, err := s.RegisterClient(t.Context(), c); hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) != tt.field {
			t.Errorf("%s: %v, want EINVALID on %s", tt.name, err, tt.field)
		}
	}
	c, secret, err := s.RegisterClient(t.Context(), ok)
	if err != nil || len(secret) != 43 || c.Public() || bytes.Contains(c.SecretHash, []byte(secret)) {
		t.Fatalf("confidential client: %+v, secret %q, %v", c, secret, err)
	}
	ok.Public = true
	c, secret, err = s.RegisterClient(t.Context(), ok)
	if err != nil || secret != "" || !c.Public() {
		t.Fatalf("public client: %+v, secret %q, %v", c, secret, err)
	}
	if cs, err := s.Clients(t.Context()); err != nil || len(cs) != 2 {
		t.Errorf("clients = %v, %v", cs, err)
	}
	if err := s.Disconnect(t.Context(), "p_nobody", c.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("disconnecting a client with no grant: %v, want ENOTFOUND", err)
	}
	if err := s.RemoveClient(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveClient(t.Context(), c.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("removing twice: %v, want ENOTFOUND", err)
	}
}

// TestAuthenticateRefusesStrangers: a token that is not one this server
// issued is refused as unauthorized, never an internal error.
func TestAuthenticateRefusesStrangers(t *testing.T) {
	s := newServer(t)
	for _, tok := range []string{"", "ory_at_", "ory_at_abc.def", "ory_at_" + strings.Repeat("A", 4096)} {
		if _, _, err := s.Authenticate(t.Context(), tok); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
			t.Errorf("Authenticate(%.20q): %v, want EUNAUTHORIZED", tok, err)
		}
	}
	if !oauth.IsAccessToken("ory_at_x") || oauth.IsAccessToken("session-token") {
		t.Error("IsAccessToken does not tell access tokens from session tokens")
	}
}
