package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// errTODO is returned by the parts of the store still being written.
var errTODO = hearth.Errorf(hearth.EINTERNAL, "not implemented yet")

// CreateOAuthClient implements hearth.OAuthStore.
func (db *DB) CreateOAuthClient(ctx context.Context, c *hearth.OAuthClient) error { return errTODO }

// OAuthClient implements hearth.OAuthStore.
func (db *DB) OAuthClient(ctx context.Context, id string) (*hearth.OAuthClient, error) {
	return nil, errTODO
}

// OAuthClients implements hearth.OAuthStore.
func (db *DB) OAuthClients(ctx context.Context) ([]hearth.OAuthClient, error) { return nil, errTODO }

// DeleteOAuthClient implements hearth.OAuthStore.
func (db *DB) DeleteOAuthClient(ctx context.Context, id string) error { return errTODO }

// PutOAuthToken implements hearth.OAuthStore.
func (db *DB) PutOAuthToken(ctx context.Context, t *hearth.OAuthToken) error { return errTODO }

// OAuthToken implements hearth.OAuthStore.
func (db *DB) OAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) (*hearth.OAuthToken, error) {
	return nil, errTODO
}

// DeactivateOAuthToken implements hearth.OAuthStore.
func (db *DB) DeactivateOAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) error {
	return errTODO
}

// DeleteOAuthToken implements hearth.OAuthStore.
func (db *DB) DeleteOAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) error {
	return errTODO
}

// DeleteOAuthRequest implements hearth.OAuthStore.
func (db *DB) DeleteOAuthRequest(ctx context.Context, requestID string) (int, error) {
	return 0, errTODO
}

// OAuthTokensFor implements hearth.OAuthStore.
func (db *DB) OAuthTokensFor(ctx context.Context, personID string) ([]hearth.OAuthToken, error) {
	return nil, errTODO
}

// DeleteOAuthTokensFor implements hearth.OAuthStore.
func (db *DB) DeleteOAuthTokensFor(ctx context.Context, personID, clientID string) (int, error) {
	return 0, errTODO
}

// DeleteExpiredOAuthTokens implements hearth.OAuthStore.
func (db *DB) DeleteExpiredOAuthTokens(ctx context.Context, t time.Time) (int, error) {
	return 0, errTODO
}
