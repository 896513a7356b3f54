package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// newClient returns an unsaved confidential OAuth client named id.
func newClient(id string) *hearth.OAuthClient {
	return &hearth.OAuthClient{
		ID: id, Name: "Client " + id, SecretHash: []byte("hash-of-" + id),
		RedirectURIs: []string{"https://" + id + ".example/cb", "http://127.0.0.1:9999/cb"},
		Scopes:       []string{"household:read", "purpose:insights"},
		CreatedBy:    "p_operator", CreatedAt: at(0),
	}
}

// newToken returns an unsaved, active token record of kind for grant
// request of client, granted by person, requested at offset d.
func newToken(kind hearth.OAuthTokenKind, sig, request, client, person string, d time.Duration) *hearth.OAuthToken {
	return &hearth.OAuthToken{
		Kind: kind, Signature: sig, RequestID: request, ClientID: client, PersonID: person,
		Scopes: []string{"household:read", "offline"}, GrantedScopes: []string{"household:read"},
		Audience: []string{"https://hearth.example"}, GrantedAudience: nil,
		Form:        []byte("client_id=" + client + "&scope=household%3Aread"),
		Session:     []byte(`{"subject":"` + person + `"}`),
		RequestedAt: at(d), ExpiresAt: at(d + time.Hour), Active: true,
	}
}

// putGrant stores a grant's code, access and refresh records and PKCE
// challenge, all with signatures prefixed by request.
func putGrant(t *testing.T, s hearth.Store, request, client, person string, d time.Duration) []hearth.OAuthToken {
	t.Helper()
	var out []hearth.OAuthToken
	for _, k := range []hearth.OAuthTokenKind{hearth.OAuthAuthorizeCode, hearth.OAuthPKCE, hearth.OAuthAccessToken, hearth.OAuthRefreshToken} {
		tok := newToken(k, request+"-"+string(k), request, client, person, d)
		if k == hearth.OAuthRefreshToken {
			tok.AccessSignature = request + "-" + string(hearth.OAuthAccessToken)
		}
		must(t, "PutOAuthToken", s.PutOAuthToken(ctx(t), tok))
		out = append(out, *tok)
	}
	return out
}

// tokenSigs returns the signatures of ts, in order.
func tokenSigs(ts []hearth.OAuthToken) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Signature)
	}
	return out
}

// wantTokens checks which of the records ts are still stored.
func wantTokens(t *testing.T, s hearth.Store, what string, ts []hearth.OAuthToken, stored bool) {
	t.Helper()
	for _, tok := range ts {
		_, err := s.OAuthToken(ctx(t), tok.Kind, tok.Signature)
		switch {
		case stored && err != nil:
			t.Errorf("%s: OAuthToken(%s, %s): %v, want it kept", what, tok.Kind, tok.Signature, err)
		case !stored:
			wantCode(t, fmt.Sprintf("%s: OAuthToken(%s, %s)", what, tok.Kind, tok.Signature), err, hearth.ENOTFOUND)
		}
	}
}

// atOnce runs f(0), ..., f(n-1) in goroutines released together and
// returns their errors in i order.
func atOnce(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// testOAuth covers OAuthStore. INT-CLIENTS: clients registered by an
// operator, token records keyed by signature, revocation of a whole grant,
// and a person's list of the clients with access, which they can revoke.
func testOAuth(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("Clients", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b, a := newClient("c_b"), newClient("c_a")
		a.SecretHash, a.RedirectURIs = nil, []string{"com.example.app:/cb"} // public
		must(t, "CreateOAuthClient b", s.CreateOAuthClient(ctx(t), b))
		must(t, "CreateOAuthClient a", s.CreateOAuthClient(ctx(t), a))
		wantCode(t, "CreateOAuthClient with a taken ID", s.CreateOAuthClient(ctx(t), newClient("c_a")), hearth.ECONFLICT)
		got, err := s.OAuthClient(ctx(t), "c_b")
		must(t, "OAuthClient", err)
		diff(t, "OAuthClient", got, b)
		got, err = s.OAuthClient(ctx(t), "c_a")
		must(t, "OAuthClient", err)
		if !got.Public() {
			t.Errorf("public client came back with a secret hash %q", got.SecretHash)
		}
		diff(t, "OAuthClient public", got, a)
		_, err = s.OAuthClient(ctx(t), "c_none")
		wantCode(t, "OAuthClient of none", err, hearth.ENOTFOUND)
		all, err := s.OAuthClients(ctx(t))
		must(t, "OAuthClients", err)
		diff(t, "OAuthClients", all, []hearth.OAuthClient{*a, *b})
		must(t, "DeleteOAuthClient", s.DeleteOAuthClient(ctx(t), "c_a"))
		wantCode(t, "DeleteOAuthClient again", s.DeleteOAuthClient(ctx(t), "c_a"), hearth.ENOTFOUND)
		all, err = s.OAuthClients(ctx(t))
		must(t, "OAuthClients", err)
		diff(t, "OAuthClients after deleting one", all, []hearth.OAuthClient{*b})
		for _, c := range []*hearth.OAuthClient{{Name: "x", CreatedAt: at(0)}, {ID: "c_x", CreatedAt: at(0)}, {ID: "c_x", Name: "x"}} {
			wantCode(t, fmt.Sprintf("CreateOAuthClient(%+v)", c), s.CreateOAuthClient(ctx(t), c), hearth.EINVALID)
		}
	})
	t.Run("Tokens", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		tok := newToken(hearth.OAuthAuthorizeCode, "sig-1", "req-1", "c_1", "p_1", 0)
		must(t, "PutOAuthToken", s.PutOAuthToken(ctx(t), tok))
		wantCode(t, "PutOAuthToken again", s.PutOAuthToken(ctx(t), tok), hearth.ECONFLICT)
		other := *tok
		other.Kind = hearth.OAuthAccessToken // same signature, another kind
		must(t, "PutOAuthToken of another kind", s.PutOAuthToken(ctx(t), &other))
		wantCode(t, "PutOAuthToken of a missing client",
			s.PutOAuthToken(ctx(t), newToken(hearth.OAuthAccessToken, "sig-2", "req-2", "c_none", "p_1", 0)), hearth.ENOTFOUND)
		got, err := s.OAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1")
		must(t, "OAuthToken", err)
		diff(t, "OAuthToken", got, tok)
		noExpiry := newToken(hearth.OAuthRefreshToken, "sig-3", "req-1", "c_1", "p_1", 0)
		noExpiry.ExpiresAt, noExpiry.Form, noExpiry.Scopes = time.Time{}, nil, nil
		must(t, "PutOAuthToken without expiry", s.PutOAuthToken(ctx(t), noExpiry))
		got, err = s.OAuthToken(ctx(t), hearth.OAuthRefreshToken, "sig-3")
		must(t, "OAuthToken", err)
		diff(t, "OAuthToken without expiry", got, noExpiry)
		_, err = s.OAuthToken(ctx(t), hearth.OAuthRefreshToken, "sig-1")
		wantCode(t, "OAuthToken of another kind", err, hearth.ENOTFOUND)

		must(t, "DeactivateOAuthToken", s.DeactivateOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1"))
		wantCode(t, "DeactivateOAuthToken again", s.DeactivateOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1"), hearth.ECONFLICT)
		wantCode(t, "DeactivateOAuthToken of none", s.DeactivateOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-none"), hearth.ENOTFOUND)
		got, err = s.OAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1")
		must(t, "OAuthToken of an inactive record", err)
		want := *tok
		want.Active = false
		diff(t, "OAuthToken after DeactivateOAuthToken", got, &want)

		must(t, "DeleteOAuthToken", s.DeleteOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1"))
		wantCode(t, "DeleteOAuthToken again", s.DeleteOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "sig-1"), hearth.ENOTFOUND)
		if _, err := s.OAuthToken(ctx(t), hearth.OAuthAccessToken, "sig-1"); err != nil {
			t.Errorf("OAuthToken of the other kind after deleting the code: %v", err)
		}
	})
	t.Run("InvalidTokens", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		for name, change := range map[string]func(*hearth.OAuthToken){
			"unknown kind":    func(t *hearth.OAuthToken) { t.Kind = "id_token" },
			"no signature":    func(t *hearth.OAuthToken) { t.Signature = "" },
			"no request":      func(t *hearth.OAuthToken) { t.RequestID = "" },
			"no client":       func(t *hearth.OAuthToken) { t.ClientID = "" },
			"no request time": func(t *hearth.OAuthToken) { t.RequestedAt = time.Time{} },
		} {
			tok := newToken(hearth.OAuthAccessToken, "sig-1", "req-1", "c_1", "p_1", 0)
			change(tok)
			wantCode(t, "PutOAuthToken with "+name, s.PutOAuthToken(ctx(t), tok), hearth.EINVALID)
		}
	})
	t.Run("DeactivateRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		const n = 8
		must(t, "PutOAuthToken", s.PutOAuthToken(ctx(t), newToken(hearth.OAuthAuthorizeCode, "code", "req-1", "c_1", "p_1", 0)))
		errs := atOnce(n, func(int) error { return s.DeactivateOAuthToken(ctx(t), hearth.OAuthAuthorizeCode, "code") })
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantCode(t, fmt.Sprintf("DeactivateOAuthToken %d", i), err, hearth.ECONFLICT)
		}
		if won != 1 {
			t.Errorf("%d of %d racing DeactivateOAuthToken calls succeeded, want exactly 1", won, n)
		}
	})
	t.Run("Grants", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_2")))
		g1 := putGrant(t, s, "req-1", "c_1", "p_1", 0)
		g2 := putGrant(t, s, "req-2", "c_2", "p_1", time.Minute)
		g3 := putGrant(t, s, "req-3", "c_1", "p_2", 2*time.Minute)

		// The grants a person sees: active access and refresh records only,
		// oldest first.
		got, err := s.OAuthTokensFor(ctx(t), "p_1")
		must(t, "OAuthTokensFor", err)
		diff(t, "OAuthTokensFor p_1", tokenSigs(got), []string{"req-1-access_token", "req-1-refresh_token", "req-2-access_token", "req-2-refresh_token"})
		diff(t, "OAuthTokensFor p_1 records", got[:2], g1[2:])
		must(t, "DeactivateOAuthToken", s.DeactivateOAuthToken(ctx(t), hearth.OAuthRefreshToken, "req-2-refresh_token"))
		got, err = s.OAuthTokensFor(ctx(t), "p_1")
		must(t, "OAuthTokensFor", err)
		diff(t, "OAuthTokensFor p_1 after rotating a refresh token", tokenSigs(got), []string{"req-1-access_token", "req-1-refresh_token", "req-2-access_token"})
		got, err = s.OAuthTokensFor(ctx(t), "p_none")
		must(t, "OAuthTokensFor", err)
		diff(t, "OAuthTokensFor of no one", got, []hearth.OAuthToken(nil))

		// Revoking a grant deletes its access and refresh records, not
		// its code or PKCE records, nor another grant's.
		n, err := s.DeleteOAuthRequest(ctx(t), "req-1")
		must(t, "DeleteOAuthRequest", err)
		if n != 2 {
			t.Errorf("DeleteOAuthRequest deleted %d, want 2", n)
		}
		wantTokens(t, s, "after DeleteOAuthRequest", g1[2:], false)
		wantTokens(t, s, "after DeleteOAuthRequest", g1[:2], true)
		wantTokens(t, s, "another grant after DeleteOAuthRequest", append(g2, g3...), true)
		if n, err := s.DeleteOAuthRequest(ctx(t), "req-1"); err != nil || n != 0 {
			t.Errorf("DeleteOAuthRequest again = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("DeleteTokensFor", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_2")))
		g1 := putGrant(t, s, "req-1", "c_1", "p_1", 0)
		g2 := putGrant(t, s, "req-2", "c_2", "p_1", 0)
		g3 := putGrant(t, s, "req-3", "c_1", "p_2", 0)
		n, err := s.DeleteOAuthTokensFor(ctx(t), "p_1", "c_2")
		must(t, "DeleteOAuthTokensFor one client", err)
		if n != len(g2) {
			t.Errorf("DeleteOAuthTokensFor p_1, c_2 deleted %d, want %d", n, len(g2))
		}
		wantTokens(t, s, "the client's records", g2, false)
		wantTokens(t, s, "another client's records", g1, true)
		n, err = s.DeleteOAuthTokensFor(ctx(t), "p_1", "")
		must(t, "DeleteOAuthTokensFor every client", err)
		if n != len(g1) {
			t.Errorf("DeleteOAuthTokensFor p_1 deleted %d, want %d", n, len(g1))
		}
		wantTokens(t, s, "the person's records", g1, false)
		wantTokens(t, s, "another person's records", g3, true)
	})
	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		old := putGrant(t, s, "req-1", "c_1", "p_1", 0)           // expire at base+1h
		young := putGrant(t, s, "req-2", "c_1", "p_1", time.Hour) // expire at base+2h
		forever := newToken(hearth.OAuthRefreshToken, "forever", "req-3", "c_1", "p_1", 0)
		forever.ExpiresAt = time.Time{}
		must(t, "PutOAuthToken", s.PutOAuthToken(ctx(t), forever))
		n, err := s.DeleteExpiredOAuthTokens(ctx(t), at(time.Hour))
		must(t, "DeleteExpiredOAuthTokens at the expiry", err)
		if n != 0 {
			t.Errorf("DeleteExpiredOAuthTokens at the expiry deleted %d, want 0 (expired before t only)", n)
		}
		n, err = s.DeleteExpiredOAuthTokens(ctx(t), at(time.Hour+time.Millisecond))
		must(t, "DeleteExpiredOAuthTokens", err)
		if n != len(old) {
			t.Errorf("DeleteExpiredOAuthTokens deleted %d, want %d", n, len(old))
		}
		wantTokens(t, s, "expired", old, false)
		wantTokens(t, s, "unexpired", append(young, *forever), true)
	})
	t.Run("DeleteClientDeletesItsTokens", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		must(t, "CreateOAuthClient", s.CreateOAuthClient(ctx(t), newClient("c_2")))
		g1 := putGrant(t, s, "req-1", "c_1", "p_1", 0)
		g2 := putGrant(t, s, "req-2", "c_2", "p_1", 0)
		must(t, "DeleteOAuthClient", s.DeleteOAuthClient(ctx(t), "c_1"))
		wantTokens(t, s, "the deleted client's records", g1, false)
		wantTokens(t, s, "another client's records", g2, true)
		// A new client with the old ID does not get the old grants back.
		must(t, "CreateOAuthClient again", s.CreateOAuthClient(ctx(t), newClient("c_1")))
		got, err := s.OAuthTokensFor(ctx(t), "p_1")
		must(t, "OAuthTokensFor", err)
		diff(t, "OAuthTokensFor after deleting a client", tokenSigs(got), []string{"req-2-access_token", "req-2-refresh_token"})
	})
}
