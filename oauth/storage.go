package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"

	"github.com/hearth-iot/hearth"
)

// storage is fosite's storage over hearth.OAuthStore: clients, and the
// stored requests behind codes, access and refresh tokens and PKCE
// challenges, each keyed by its kind and signature (never the token).
type storage struct {
	st hearth.OAuthStore
}

var (
	_ fosite.ClientManager          = storage{}
	_ oauth2.CoreStorage            = storage{}
	_ oauth2.TokenRevocationStorage = storage{}
	_ pkce.PKCERequestStorage       = storage{}
)

// grantTypes and responseTypes are what every client may use: the
// authorization code grant with refresh tokens.
var (
	grantTypes    = []string{"authorization_code", "refresh_token"}
	responseTypes = []string{"code"}
)

// fositeClient is c as fosite sees it.
func fositeClient(c *hearth.OAuthClient) *fosite.DefaultClient {
	return &fosite.DefaultClient{ID: c.ID, Secret: c.SecretHash, RedirectURIs: c.RedirectURIs,
		GrantTypes: grantTypes, ResponseTypes: responseTypes, Scopes: c.Scopes, Public: c.Public()}
}

// GetClient returns the registered client id, or fosite.ErrNotFound.
func (s storage) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.st.OAuthClient(ctx, id)
	if err != nil {
		return nil, fositeErr(err)
	}
	return fositeClient(c), nil
}

// ClientAssertionJWTValid accepts any JTI: Hearth's clients authenticate
// with a secret or not at all, never with a signed assertion.
func (s storage) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT refuses: see ClientAssertionJWTValid.
func (s storage) SetClientAssertionJWT(context.Context, string, time.Time) error {
	return fosite.ErrInvalidClient.WithHint("Clients authenticate with a client secret, not an assertion.")
}

// fositeErr turns a store error into the one fosite expects.
func fositeErr(err error) error {
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return fosite.ErrNotFound.WithWrap(err)
	}
	return err
}

// record is the stored form of req as a record of kind and signature;
// tokenType names the expiry the session holds for it.
func record(kind hearth.OAuthTokenKind, signature string, req fosite.Requester, tokenType fosite.TokenType) (*hearth.OAuthToken, error) {
	sess, err := json.Marshal(req.GetSession())
	if err != nil {
		return nil, fmt.Errorf("oauth: encode session: %w", err)
	}
	t := &hearth.OAuthToken{
		Kind: kind, Signature: signature, RequestID: req.GetID(), ClientID: req.GetClient().GetID(),
		Scopes: req.GetRequestedScopes(), GrantedScopes: req.GetGrantedScopes(),
		Audience: req.GetRequestedAudience(), GrantedAudience: req.GetGrantedAudience(),
		Form: []byte(req.GetRequestForm().Encode()), Session: sess,
		RequestedAt: req.GetRequestedAt().UTC(), Active: true,
	}
	if ses := req.GetSession(); ses != nil {
		t.PersonID = ses.GetSubject()
		t.ExpiresAt = ses.GetExpiresAt(tokenType).UTC()
	}
	if t.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("oauth: a %s has no expiry", kind)
	}
	return t, nil
}

// request rebuilds the stored request of t, decoding its session into
// session.
func (s storage) request(ctx context.Context, t *hearth.OAuthToken, session fosite.Session) (*fosite.Request, error) {
	c, err := s.GetClient(ctx, t.ClientID)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(t.Form))
	if err != nil {
		return nil, fmt.Errorf("oauth: decode stored form: %w", err)
	}
	if session == nil {
		session = &fosite.DefaultSession{}
	}
	if err := json.Unmarshal(t.Session, session); err != nil {
		return nil, fmt.Errorf("oauth: decode stored session: %w", err)
	}
	return &fosite.Request{ID: t.RequestID, RequestedAt: t.RequestedAt, Client: c,
		RequestedScope: t.Scopes, GrantedScope: t.GrantedScopes,
		RequestedAudience: t.Audience, GrantedAudience: t.GrantedAudience,
		Form: form, Session: session}, nil
}

func (s storage) put(ctx context.Context, kind hearth.OAuthTokenKind, signature string, req fosite.Requester, tt fosite.TokenType) error {
	t, err := record(kind, signature, req, tt)
	if err != nil {
		return err
	}
	return fositeErr(s.st.PutOAuthToken(ctx, t))
}

// get returns the request of kind and signature and whether it is active.
func (s storage) get(ctx context.Context, kind hearth.OAuthTokenKind, signature string, session fosite.Session) (*fosite.Request, bool, error) {
	t, err := s.st.OAuthToken(ctx, kind, signature)
	if err != nil {
		return nil, false, fositeErr(err)
	}
	req, err := s.request(ctx, t, session)
	if err != nil {
		return nil, false, err
	}
	return req, t.Active, nil
}

func (s storage) delete(ctx context.Context, kind hearth.OAuthTokenKind, signature string) error {
	return fositeErr(s.st.DeleteOAuthToken(ctx, kind, signature))
}

// CreateAuthorizeCodeSession stores the request behind an authorization code.
func (s storage) CreateAuthorizeCodeSession(ctx context.Context, signature string, req fosite.Requester) error {
	return s.put(ctx, hearth.OAuthAuthorizeCode, signature, req, fosite.AuthorizeCode)
}

// GetAuthorizeCodeSession returns the request behind a code, with
// fosite.ErrInvalidatedAuthorizeCode (and the request) once it was used.
func (s storage) GetAuthorizeCodeSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	req, active, err := s.get(ctx, hearth.OAuthAuthorizeCode, signature, session)
	if err != nil {
		return nil, err
	}
	if !active {
		return req, fosite.ErrInvalidatedAuthorizeCode
	}
	return req, nil
}

// InvalidateAuthorizeCodeSession marks a code used; of two callers racing
// with one code, one gets an error.
func (s storage) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	err := s.st.DeactivateOAuthToken(ctx, hearth.OAuthAuthorizeCode, signature)
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	return fositeErr(err)
}

// CreatePKCERequestSession stores a code's PKCE challenge.
func (s storage) CreatePKCERequestSession(ctx context.Context, signature string, req fosite.Requester) error {
	return s.put(ctx, hearth.OAuthPKCE, signature, req, fosite.AuthorizeCode)
}

// GetPKCERequestSession returns a code's PKCE challenge.
func (s storage) GetPKCERequestSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	req, _, err := s.get(ctx, hearth.OAuthPKCE, signature, session)
	if err != nil {
		return nil, err
	}
	return req, nil
}

// DeletePKCERequestSession deletes a code's PKCE challenge.
func (s storage) DeletePKCERequestSession(ctx context.Context, signature string) error {
	return s.delete(ctx, hearth.OAuthPKCE, signature)
}

// CreateAccessTokenSession stores the request behind an access token.
func (s storage) CreateAccessTokenSession(ctx context.Context, signature string, req fosite.Requester) error {
	return s.put(ctx, hearth.OAuthAccessToken, signature, req, fosite.AccessToken)
}

// GetAccessTokenSession returns the request behind an access token, or
// fosite.ErrNotFound once it was revoked.
func (s storage) GetAccessTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	req, active, err := s.get(ctx, hearth.OAuthAccessToken, signature, session)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

// DeleteAccessTokenSession deletes an access token.
func (s storage) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	return s.delete(ctx, hearth.OAuthAccessToken, signature)
}

// CreateRefreshTokenSession stores the request behind a refresh token,
// with the access token issued with it.
func (s storage) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, req fosite.Requester) error {
	t, err := record(hearth.OAuthRefreshToken, signature, req, fosite.RefreshToken)
	if err != nil {
		return err
	}
	t.AccessSignature = accessSignature
	return fositeErr(s.st.PutOAuthToken(ctx, t))
}

// GetRefreshTokenSession returns the request behind a refresh token, with
// fosite.ErrInactiveToken (and the request) once it was rotated: fosite
// then revokes the whole grant (a refresh token used twice).
func (s storage) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	req, active, err := s.get(ctx, hearth.OAuthRefreshToken, signature, session)
	if err != nil {
		return nil, err
	}
	if !active {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// DeleteRefreshTokenSession deletes a refresh token.
func (s storage) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	err := s.delete(ctx, hearth.OAuthRefreshToken, signature)
	if errors.Is(err, fosite.ErrNotFound) {
		return nil // already gone with its grant
	}
	return err
}

// RotateRefreshToken retires the refresh token signature as a new one is
// issued: it becomes inactive (so a second use is detected) and the access
// token issued with it is deleted. Of two callers racing with one refresh
// token, one gets fosite.ErrInactiveToken.
func (s storage) RotateRefreshToken(ctx context.Context, requestID, signature string) error {
	t, err := s.st.OAuthToken(ctx, hearth.OAuthRefreshToken, signature)
	if err != nil {
		return fositeErr(err)
	}
	if err := s.st.DeactivateOAuthToken(ctx, hearth.OAuthRefreshToken, signature); err != nil {
		if hearth.ErrorCode(err) == hearth.ECONFLICT {
			return fosite.ErrInactiveToken
		}
		return fositeErr(err)
	}
	if t.AccessSignature != "" {
		if err := s.st.DeleteOAuthToken(ctx, hearth.OAuthAccessToken, t.AccessSignature); err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
			return err
		}
	}
	return nil
}

// RevokeRefreshToken revokes the grant requestID: its access and refresh
// tokens (RFC 7009 section 2.1).
func (s storage) RevokeRefreshToken(ctx context.Context, requestID string) error {
	_, err := s.st.DeleteOAuthRequest(ctx, requestID)
	return err
}

// RevokeAccessToken revokes the grant requestID, as RevokeRefreshToken:
// revoking an access token ends its refresh tokens too.
func (s storage) RevokeAccessToken(ctx context.Context, requestID string) error {
	_, err := s.st.DeleteOAuthRequest(ctx, requestID)
	return err
}
