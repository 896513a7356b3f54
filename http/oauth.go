package http

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/oauth"
	"github.com/hearth-iot/hearth/policy"
)

// maxOAuthForm bounds the body of a token or revocation request: strangers
// reach both before any sign-in (SEC-BRUTE).
const maxOAuthForm = 8 << 10

// throttleOAuth is the kind of attempt the token and revocation endpoints
// count per client address, as sign-in does (auth.Service.Throttled).
const throttleOAuth = "oauth-client"

const msgNoOAuth = "this server has no OAuth authorization server"

// oauthRoutes registers the OAuth 2 authorization server's endpoints
// (INT-CLIENTS), a person's connected clients, and the operators' client
// registration. The consent screen is a page (page_oauth.go).
func (s *server) oauthRoutes(handle func(pattern string, h http.Handler)) {
	handle("POST /oauth/token", s.handleOAuthToken())
	handle("POST /oauth/revoke", s.handleOAuthRevoke())
	handle("GET /.well-known/oauth-authorization-server", s.handleOAuthMetadata())
	handle("GET /v1/me/clients", s.authed(s.handleConnectedClients()))
	handle("DELETE /v1/me/clients/{client}", s.authed(s.handleDisconnectClient()))
	handle("POST /v1/operator/clients", s.operator(s.handleRegisterClient()))
	handle("GET /v1/operator/clients", s.operator(s.handleClients()))
	handle("DELETE /v1/operator/clients/{client}", s.operator(s.handleRemoveClient()))
}

type grantKey struct{}

// grantFrom returns the OAuth grant a request was authenticated with, or
// nil for a request with a session.
func grantFrom(ctx context.Context) *oauth.Access {
	g, _ := ctx.Value(grantKey{}).(*oauth.Access)
	return g
}

// clientFrom returns the ID of the third-party client a request was made
// by, or "" when the person made it themselves (a session): the audit
// log's "which client".
func clientFrom(ctx context.Context) string {
	if g := grantFrom(ctx); g != nil {
		return g.ClientID
	}
	return ""
}

// authedClient serves a /v1 request carrying an OAuth access token: the
// token resolves to the person's account, and the route's scope and what
// it touches are decided by policy.DecideClientCall (INT-SAME-SCOPE,
// SEC-AUTHZ). A route without an entry in clientRoutes (operator routes
// among them) is refused.
func (s *server) authedClient(w http.ResponseWriter, r *http.Request, h http.Handler, token string) {
	if s.OAuth == nil {
		s.writeError(w, r, hearth.Errorf(hearth.EUNAUTHORIZED, "sign in first"))
		return
	}
	ctx := r.Context()
	acc, acct, err := s.OAuth.Authenticate(ctx, token)
	if err != nil {
		if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		s.writeError(w, r, err)
		return
	}
	cr, ok := clientRoutes[r.Pattern]
	if !ok {
		cr = clientRoute{why: "this route is not open to third-party clients"}
	}
	d := policy.DecideClientCall(acc.Grant, clientCall(cr, r, func(id string) string { return s.OAuth.DeviceHousehold(ctx, id) }))
	if !d.Allow {
		reason := d.Reason
		if cr.scope == "" {
			reason = "not open to third-party clients: " + cr.why
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		s.writeError(w, r, hearth.Errorf(hearth.EFORBIDDEN, "%s", reason))
		return
	}
	ctx = context.WithValue(context.WithValue(ctx, accountKey{}, acct), grantKey{}, acc)
	noteAccount(ctx, acct) // for the audit entry (audited): the client, acting for acct
	h.ServeHTTP(w, r.WithContext(ctx))
}

// oauthClientID returns the client a token or revocation request names:
// the HTTP Basic user, else the form's client_id (the body is parsed here,
// bounded; fosite reads the parsed form).
func oauthClientID(w http.ResponseWriter, r *http.Request) string {
	r.Body = http.MaxBytesReader(w, r.Body, maxOAuthForm)
	if id, _, ok := r.BasicAuth(); ok {
		return id
	}
	if r.ParseForm() != nil {
		return ""
	}
	return r.PostForm.Get("client_id")
}

// oauthThrottled answers 429 if the caller must wait after too many failed
// token or revocation requests, and reports whether it did. Failures count
// as sign-in's do (auth.Service.Throttled): per client and address pair,
// and per address, so a stranger's failures with a client's ID lock out
// only the stranger's address.
func (s *server) oauthThrottled(w http.ResponseWriter, r *http.Request, clientID string) bool {
	if err := s.Auth.Throttled(throttleOAuth, clientID, s.clientAddr(r)); err != nil {
		s.writeError(w, r, err)
		return true
	}
	return false
}

// oauthFailed counts a failed request (see oauthThrottled), unless the
// server failed.
func (s *server) oauthFailed(r *http.Request, clientID string, err error) {
	var rfc *fosite.RFC6749Error
	if errors.As(err, &rfc) && rfc.CodeField >= 500 {
		return
	}
	s.Auth.Failed(throttleOAuth, clientID, s.clientAddr(r))
}

// handleOAuthToken is the token endpoint (RFC 6749 section 3.2): an
// authorization code with its PKCE verifier, or a refresh token, for an
// access token and a new refresh token (the old one is retired).
func (s *server) handleOAuthToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		client := oauthClientID(w, r)
		if s.oauthThrottled(w, r, client) {
			return
		}
		ctx, p := r.Context(), s.OAuth.Provider
		ar, err := p.NewAccessRequest(ctx, r, oauth.NewSession(nil))
		if err != nil {
			s.oauthFailed(r, client, err)
			p.WriteAccessError(ctx, w, ar, err)
			return
		}
		resp, err := p.NewAccessResponse(ctx, ar)
		if err != nil {
			s.oauthFailed(r, client, err)
			p.WriteAccessError(ctx, w, ar, err)
			return
		}
		p.WriteAccessResponse(ctx, w, ar, resp)
	})
}

// handleOAuthRevoke is the revocation endpoint (RFC 7009): revoking an
// access or refresh token revokes its whole grant. An unknown token is
// answered 200, as the RFC asks.
func (s *server) handleOAuthRevoke() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		client := oauthClientID(w, r)
		if s.oauthThrottled(w, r, client) {
			return
		}
		ctx, p := r.Context(), s.OAuth.Provider
		err := p.NewRevocationRequest(ctx, r)
		if err != nil {
			s.oauthFailed(r, client, err)
		}
		p.WriteRevocationResponse(ctx, w, err)
	})
}

// oauthMetadataJSON is the authorization server's metadata (RFC 8414).
type oauthMetadataJSON struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	ScopesSupported               []string `json:"scopes_supported"`
	ResponseTypesSupported        []string `json:"response_types_supported"`
	GrantTypesSupported           []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethods []string `json:"revocation_endpoint_auth_methods_supported"`
	ServiceDocumentation          string   `json:"service_documentation,omitempty"`
}

// baseURL is the server's address as people reach it: Config.PublicURL,
// else the scheme and host the request named.
func (s *server) baseURL(r *http.Request) string {
	if base := strings.TrimSuffix(s.PublicURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if s.secureCookies(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handleOAuthMetadata serves the metadata of RFC 8414.
func (s *server) handleOAuthMetadata() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		base := s.baseURL(r)
		var scopes []string
		for _, f := range policy.ScopeFunctions() {
			scopes = append(scopes, f.Name)
		}
		auth := []string{"client_secret_basic", "client_secret_post", "none"}
		encode(w, http.StatusOK, oauthMetadataJSON{
			Issuer: base, AuthorizationEndpoint: base + "/oauth/authorize", TokenEndpoint: base + "/oauth/token",
			RevocationEndpoint: base + "/oauth/revoke", ScopesSupported: scopes,
			ResponseTypesSupported: []string{"code"}, GrantTypesSupported: []string{"authorization_code", "refresh_token"},
			CodeChallengeMethodsSupported: []string{"S256"}, TokenEndpointAuthMethods: auth, RevocationEndpointAuthMethods: auth,
		})
	})
}

// connectedClientsJSON is GET /v1/me/clients.
type connectedClientsJSON struct {
	Clients []oauth.Connected `json:"clients"`
}

// handleConnectedClients lists the clients the caller gave access to.
func (s *server) handleConnectedClients() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		cs, err := s.OAuth.ConnectedClients(r.Context(), accountFrom(r.Context()).PersonID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if cs == nil {
			cs = []oauth.Connected{}
		}
		encode(w, http.StatusOK, connectedClientsJSON{Clients: cs})
	})
}

// handleDisconnectClient revokes every grant of the caller to a client.
func (s *server) handleDisconnectClient() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		if err := s.OAuth.Disconnect(r.Context(), accountFrom(r.Context()).PersonID, r.PathValue("client")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// registerClientRequest is POST /v1/operator/clients.
type registerClientRequest struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
	Public       bool     `json:"public"`
}

// Valid checks only the shape; oauth.Server.RegisterClient checks the rest.
func (req registerClientRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if strings.TrimSpace(req.Name) == "" {
		p["name"] = "give the client a name, shown to people when it asks for access"
	}
	if len(req.RedirectURIs) == 0 {
		p["redirect_uris"] = "give at least one redirect URI"
	}
	if len(req.Scopes) == 0 {
		p["scopes"] = "give at least one scope"
	}
	return p
}

// oauthClientJSON is a registered client; Secret only in the answer to
// its registration.
type oauthClientJSON struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Public       bool      `json:"public"`
	RedirectURIs []string  `json:"redirect_uris"`
	Scopes       []string  `json:"scopes"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	Secret       string    `json:"secret,omitempty"`
}

func clientJSON(c *hearth.OAuthClient) oauthClientJSON {
	return oauthClientJSON{ID: c.ID, Name: c.Name, Public: c.Public(), RedirectURIs: c.RedirectURIs, Scopes: c.Scopes,
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt}
}

// handleRegisterClient registers a client; a confidential client's secret
// is in this answer only.
func (s *server) handleRegisterClient() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		req, err := decode[registerClientRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, secret, err := s.OAuth.RegisterClient(r.Context(), oauth.NewClient{Name: req.Name, RedirectURIs: req.RedirectURIs,
			Scopes: req.Scopes, Public: req.Public, CreatedBy: accountFrom(r.Context()).PersonID})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := clientJSON(c)
		out.Secret = secret
		encode(w, http.StatusCreated, out)
	})
}

// oauthClientsJSON is GET /v1/operator/clients.
type oauthClientsJSON struct {
	Clients []oauthClientJSON `json:"clients"`
}

// handleClients lists the registered clients.
func (s *server) handleClients() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		cs, err := s.OAuth.Clients(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := oauthClientsJSON{Clients: []oauthClientJSON{}}
		for i := range cs {
			out.Clients = append(out.Clients, clientJSON(&cs[i]))
		}
		encode(w, http.StatusOK, out)
	})
}

// handleRemoveClient removes a client and every grant to it.
func (s *server) handleRemoveClient() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.OAuth == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth))
			return
		}
		if err := s.OAuth.RemoveClient(r.Context(), r.PathValue("client")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
