package hearth

import (
	"context"
	"time"
)

// OAuthClient is a third-party client an operator registered with Hearth's
// OAuth 2 authorization server (see package oauth). A public client (an app
// on a phone, a single-page app) has no secret and must use PKCE; a
// confidential client authenticates with its secret, kept only as a hash.
type OAuthClient struct {
	ID           string
	Name         string   // shown to people on the consent screen and their list of connected clients
	SecretHash   []byte   // nil for a public client
	RedirectURIs []string // exact redirect URIs the client may use
	Scopes       []string // the scopes the client may ask for (see package oauth for their grammar)
	CreatedBy    string   // the operator who registered it
	CreatedAt    time.Time
}

// Public reports whether c has no secret.
func (c *OAuthClient) Public() bool { return len(c.SecretHash) == 0 }

// OAuthTokenKind is the kind of an OAuth token record.
type OAuthTokenKind string

// The kinds of OAuth token records.
const (
	OAuthAuthorizeCode OAuthTokenKind = "authorize_code"
	OAuthAccessToken   OAuthTokenKind = "access_token"
	OAuthRefreshToken  OAuthTokenKind = "refresh_token"
	OAuthPKCE          OAuthTokenKind = "pkce"
)

// OAuthToken is the stored request behind one authorization code, access
// token, refresh token or PKCE challenge. It is keyed by Kind and
// Signature: the token's signature (a keyed hash), never the token, so a
// copy of the store cannot be used to call Hearth. All the records of one
// grant share RequestID; revoking the grant deletes them together.
type OAuthToken struct {
	Kind            OAuthTokenKind
	Signature       string
	RequestID       string
	ClientID        string
	PersonID        string // the person who granted access
	Scopes          []string
	GrantedScopes   []string
	Audience        []string
	GrantedAudience []string
	Form            []byte // the request's form, URL-encoded
	Session         []byte // the session, JSON; the oauth package defines it
	AccessSignature string // for a refresh token: the access token issued with it
	RequestedAt     time.Time
	ExpiresAt       time.Time // the zero time: the record never expires
	Active          bool      // false once used (a code) or rotated (a refresh token)
}

// OAuthStore keeps OAuth clients and token records. Implementations are safe
// for concurrent use by several processes sharing the store.
type OAuthStore interface {
	// CreateOAuthClient stores c; ECONFLICT if its ID is taken, EINVALID
	// if it has no ID, name or CreatedAt.
	CreateOAuthClient(ctx context.Context, c *OAuthClient) error
	// OAuthClient returns the client id, or ENOTFOUND.
	OAuthClient(ctx context.Context, id string) (*OAuthClient, error)
	// OAuthClients lists every client, by ID.
	OAuthClients(ctx context.Context) ([]OAuthClient, error)
	// DeleteOAuthClient deletes the client id and every token record of
	// it, in one transaction; ENOTFOUND if there is no such client.
	DeleteOAuthClient(ctx context.Context, id string) error

	// PutOAuthToken stores t; ECONFLICT if a record of its Kind and
	// Signature exists, ENOTFOUND if its client does not, EINVALID if its
	// Kind is unknown or it has no Signature, RequestID, ClientID or
	// RequestedAt.
	PutOAuthToken(ctx context.Context, t *OAuthToken) error
	// OAuthToken returns the record of kind and signature, active or not,
	// or ENOTFOUND.
	OAuthToken(ctx context.Context, kind OAuthTokenKind, signature string) (*OAuthToken, error)
	// DeactivateOAuthToken marks the record inactive. It returns
	// ENOTFOUND if there is none and ECONFLICT if it was inactive already
	// (a code used twice: of two racing callers exactly one succeeds).
	DeactivateOAuthToken(ctx context.Context, kind OAuthTokenKind, signature string) error
	// DeleteOAuthToken deletes the record; ENOTFOUND if there is none.
	DeleteOAuthToken(ctx context.Context, kind OAuthTokenKind, signature string) error
	// DeleteOAuthRequest deletes every access and refresh token record of
	// the grant requestID (RFC 7009: revoking one revokes the grant's
	// others), and reports how many it deleted.
	DeleteOAuthRequest(ctx context.Context, requestID string) (int, error)
	// OAuthTokensFor lists the active access and refresh token records of
	// personID, oldest first: the grants a person sees and can revoke.
	OAuthTokensFor(ctx context.Context, personID string) ([]OAuthToken, error)
	// DeleteOAuthTokensFor deletes every token record of personID, or only
	// those of clientID when it is not "", and reports how many. Account
	// closure and erasure call it with clientID "".
	DeleteOAuthTokensFor(ctx context.Context, personID, clientID string) (int, error)
	// DeleteExpiredOAuthTokens deletes the records that expired before t
	// (not those that never expire) and reports how many.
	DeleteExpiredOAuthTokens(ctx context.Context, t time.Time) (int, error)
}
