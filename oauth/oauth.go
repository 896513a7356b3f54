// Package oauth is Hearth's OAuth 2 authorization server for third-party
// clients (INT-CLIENTS), built on github.com/ory/fosite: the authorization
// code grant with PKCE (S256) required of every client, refresh tokens
// rotated at each use, and revocation (RFC 7009). Codes, access and
// refresh tokens are fosite's HMAC tokens; the store (hearth.OAuthStore)
// keeps only their signatures. Which scopes exist and what a grant
// reaches is decided in package policy (policy/scope.go).
package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// The lifetimes of what the server issues.
const (
	AccessTokenLifespan   = time.Hour
	AuthorizeCodeLifespan = 10 * time.Minute
	RefreshTokenLifespan  = 30 * 24 * time.Hour
)

// Limits of a client registration.
const (
	MaxRedirectURIs = 8
	maxURI          = 512
	maxClientName   = 80
)

// Config configures a Server.
type Config struct {
	// Store keeps clients and token records.
	Store hearth.OAuthStore
	// Accounts and Devices are where an access token's person's account,
	// and the household of a device a call names, are found.
	Accounts interface {
		Account(ctx context.Context, id string) (*hearth.Account, error)
	}
	Devices interface {
		Device(ctx context.Context, id string) (*hearth.Device, error)
	}
	// Secret is the HMAC key tokens are signed with: at least 32 bytes,
	// the same on every node of one service (cmd/hearth derives it from a
	// key kept in the key store, wrapped by the key-encryption key).
	Secret []byte
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the authorization server. It is safe for concurrent use.
type Server struct {
	// Provider is fosite's provider: package http's OAuth endpoints call
	// it for every request.
	Provider fosite.OAuth2Provider
	store    hearth.OAuthStore
	accounts interface {
		Account(ctx context.Context, id string) (*hearth.Account, error)
	}
	devices interface {
		Device(ctx context.Context, id string) (*hearth.Device, error)
	}
	now func() time.Time
}

// New returns the authorization server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Accounts == nil || cfg.Devices == nil {
		return nil, errors.New("oauth: a store, accounts and devices are required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("oauth: the token secret must have at least 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	fc := &fosite.Config{
		AccessTokenLifespan:   AccessTokenLifespan,
		AuthorizeCodeLifespan: AuthorizeCodeLifespan,
		RefreshTokenLifespan:  RefreshTokenLifespan,
		GlobalSecret:          cfg.Secret,
		ClientSecretsHasher:   secretHasher{},
		ScopeStrategy:         policy.ScopeRegistered,
		// Every client uses PKCE, with S256 only (RFC 7636; OAuth 2.1).
		EnforcePKCE:                    true,
		EnforcePKCEForPublicClients:    true,
		EnablePKCEPlainChallengeMethod: false,
		// Every grant gets a refresh token, without an offline scope.
		RefreshTokenScopes: []string{},
		// The exact audience is not used: a token is for Hearth's API.
		AudienceMatchingStrategy: fosite.ExactAudienceMatchingStrategy,
	}
	st := storage{st: cfg.Store}
	p := compose.Compose(fc, st, compose.NewOAuth2HMACStrategy(fc),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	)
	return &Server{Provider: p, store: cfg.Store, accounts: cfg.Accounts, devices: cfg.Devices, now: cfg.Now}, nil
}

// NewSession returns the session of a grant by the account acct: what the
// stored requests keep as JSON. Its subject is the person; the account is
// kept beside it.
func NewSession(acct *hearth.Account) *fosite.DefaultSession {
	sess := &fosite.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{}}
	if acct != nil {
		sess.Subject, sess.Username = acct.PersonID, acct.ID
	}
	return sess
}

// Access is what an access token grants: a person's account, to a client,
// within scopes.
type Access struct {
	ClientID  string
	PersonID  string
	RequestID string // the grant
	Scopes    []string
	Grant     policy.Grant
}

// Authenticate resolves an access token to its grant and the account of
// the person who granted it. It returns EUNAUTHORIZED for a token that is
// unknown, expired or revoked, or whose account is closed.
func (s *Server) Authenticate(ctx context.Context, token string) (*Access, *hearth.Account, error) {
	sess := NewSession(nil)
	_, ar, err := s.Provider.IntrospectToken(ctx, token, fosite.AccessToken, sess)
	if err != nil {
		if errors.Is(err, fosite.ErrServerError) {
			return nil, nil, fmt.Errorf("oauth: check access token: %w", err)
		}
		return nil, nil, hearth.Errorf(hearth.EUNAUTHORIZED, "the access token is unknown, expired or revoked")
	}
	scopes := []string(ar.GetGrantedScopes())
	g, err := policy.ParseGrant(scopes)
	if err != nil {
		return nil, nil, hearth.Errorf(hearth.EUNAUTHORIZED, "the access token holds a scope Hearth no longer knows: ask for access again")
	}
	if sess.Subject == "" || sess.Username == "" {
		return nil, nil, hearth.Errorf(hearth.EUNAUTHORIZED, "the access token names no person")
	}
	acct, err := s.accounts.Account(ctx, sess.Username)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || err == nil && acct.PersonID != sess.Subject {
		return nil, nil, hearth.Errorf(hearth.EUNAUTHORIZED, "the account that granted this access token is closed")
	}
	if err != nil {
		return nil, nil, err
	}
	return &Access{ClientID: ar.GetClient().GetID(), PersonID: sess.Subject, RequestID: ar.GetID(), Scopes: scopes, Grant: g}, acct, nil
}

// DeviceHousehold returns the household the device id belongs to, or ""
// for an unknown or unclaimed device (the route then answers as it does
// for one).
func (s *Server) DeviceHousehold(ctx context.Context, id string) string {
	d, err := s.devices.Device(ctx, id)
	if err != nil {
		return ""
	}
	return d.HouseholdID
}

// IsAccessToken reports whether token has the form of an access token this
// server issues (fosite's "ory_at_" prefix), not of a session token.
func IsAccessToken(token string) bool { return strings.HasPrefix(token, "ory_at_") }

// NewClient is what an operator registers.
type NewClient struct {
	Name         string
	RedirectURIs []string
	Scopes       []string
	Public       bool // no secret: an app on a phone or in a browser
	CreatedBy    string
}

// RegisterClient registers c and returns it with its secret, shown once:
// "" for a public client. It returns EINVALID naming the field at fault.
func (s *Server) RegisterClient(ctx context.Context, c NewClient) (*hearth.OAuthClient, string, error) {
	name := strings.TrimSpace(c.Name)
	if name == "" || len([]rune(name)) > maxClientName {
		return nil, "", hearth.FieldError("name", "give the client a name of 1 to %d characters, shown to people when it asks for access", maxClientName)
	}
	if err := checkRedirectURIs(c.RedirectURIs); err != nil {
		return nil, "", err
	}
	if err := policy.CheckRegistrable(c.Scopes); err != nil {
		return nil, "", hearth.FieldError("scopes", "%s", hearth.ErrorMessage(err))
	}
	oc := &hearth.OAuthClient{ID: hearth.NewID("cl_"), Name: name, RedirectURIs: slices.Clone(c.RedirectURIs),
		Scopes: slices.Clone(c.Scopes), CreatedBy: c.CreatedBy, CreatedAt: s.now().UTC()}
	secret := ""
	if !c.Public {
		var raw [32]byte
		rand.Read(raw[:])
		secret = base64.RawURLEncoding.EncodeToString(raw[:])
		h, err := secretHasher{}.Hash(ctx, []byte(secret))
		if err != nil {
			return nil, "", fmt.Errorf("oauth: hash client secret: %w", err)
		}
		oc.SecretHash = h
	}
	if err := s.store.CreateOAuthClient(ctx, oc); err != nil {
		return nil, "", err
	}
	return oc, secret, nil
}

// checkRedirectURIs returns EINVALID unless uris are 1 to MaxRedirectURIs
// absolute URIs without a fragment, each https or a loopback http address
// (a native app's, RFC 8252).
func checkRedirectURIs(uris []string) error {
	if len(uris) == 0 || len(uris) > MaxRedirectURIs {
		return hearth.FieldError("redirect_uris", "give 1 to %d redirect URIs", MaxRedirectURIs)
	}
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || len(raw) > maxURI || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil {
			return hearth.FieldError("redirect_uris", "%q is not an absolute URI of at most %d characters without a fragment", clip(raw), maxURI)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
			return hearth.FieldError("redirect_uris", "%q: a redirect URI must use https, or http on a loopback address (127.0.0.1, [::1], localhost)", clip(raw))
		}
	}
	return nil
}

func loopback(host string) bool { return host == "127.0.0.1" || host == "::1" || host == "localhost" }

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Clients lists the registered clients.
func (s *Server) Clients(ctx context.Context) ([]hearth.OAuthClient, error) {
	return s.store.OAuthClients(ctx)
}

// Client returns the client id, or ENOTFOUND.
func (s *Server) Client(ctx context.Context, id string) (*hearth.OAuthClient, error) {
	return s.store.OAuthClient(ctx, id)
}

// RemoveClient deletes the client id and every grant to it; ENOTFOUND if
// there is none.
func (s *Server) RemoveClient(ctx context.Context, id string) error {
	return s.store.DeleteOAuthClient(ctx, id)
}

// Connected is a client a person granted access to, as they see it.
type Connected struct {
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	Scopes     []string  `json:"scopes"`
	GrantedAt  time.Time `json:"granted_at"`
}

// ConnectedClients lists the clients personID granted access that is not
// revoked or expired, each once with the scopes of all its grants and
// when it was first granted, by that time.
func (s *Server) ConnectedClients(ctx context.Context, personID string) ([]Connected, error) {
	toks, err := s.store.OAuthTokensFor(ctx, personID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Connected
	at := map[string]int{}
	for _, t := range toks {
		if !t.Active || !t.ExpiresAt.After(now) {
			continue
		}
		i, ok := at[t.ClientID]
		if !ok {
			c, err := s.store.OAuthClient(ctx, t.ClientID)
			if err != nil {
				return nil, err
			}
			i = len(out)
			at[t.ClientID] = i
			out = append(out, Connected{ClientID: c.ID, ClientName: c.Name, GrantedAt: t.RequestedAt})
		}
		if t.RequestedAt.Before(out[i].GrantedAt) {
			out[i].GrantedAt = t.RequestedAt
		}
		for _, sc := range t.GrantedScopes {
			if !slices.Contains(out[i].Scopes, sc) {
				out[i].Scopes = append(out[i].Scopes, sc)
			}
		}
	}
	return out, nil
}

// Disconnect revokes every grant personID gave clientID, at once: the
// next call with any of its tokens is refused. It returns ENOTFOUND if
// there was none.
func (s *Server) Disconnect(ctx context.Context, personID, clientID string) error {
	n, err := s.store.DeleteOAuthTokensFor(ctx, personID, clientID)
	if err != nil {
		return err
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "client %s has no access to your account", clip(clientID))
	}
	return nil
}

// Prune deletes the token records that expired.
func (s *Server) Prune(ctx context.Context) (int, error) {
	return s.store.DeleteExpiredOAuthTokens(ctx, s.now())
}
