package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/oauthform"
)

const (
	oauthClientCols = "id, name, secret_hash, redirect_uris, scopes, created_by, created"
	oauthTokenCols  = "kind, signature, request_id, client_id, person_id, scopes, granted_scopes, audience, granted_audience, form, session, access_signature, requested, expires, active"
)

// CreateOAuthClient stores c; ECONFLICT if its ID is taken, EINVALID if it
// lacks an ID, a name or a creation time.
func (db *DB) CreateOAuthClient(ctx context.Context, c *hearth.OAuthClient) error {
	if err := oauthform.CheckClient(c); err != nil {
		return err
	}
	uris, scopes := oauthform.ClientLists(c)
	var secret []byte
	if !c.Public() {
		secret = c.SecretHash
	}
	_, err := exec(ctx, db.data, "INSERT INTO oauth_clients ("+oauthClientCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Name, secret, uris, scopes, c.CreatedBy, ts(c.CreatedAt))
	return wrap("insert OAuth client", err, map[string]string{hearth.ECONFLICT: oauthform.MsgClientTaken})
}

// OAuthClient returns the client id, or ENOTFOUND.
func (db *DB) OAuthClient(ctx context.Context, id string) (*hearth.OAuthClient, error) {
	c, err := scanOAuthClient(db.data.r.QueryRowContext(ctx, "SELECT "+oauthClientCols+" FROM oauth_clients WHERE id = ?", id))
	if err != nil {
		return nil, notFound("select OAuth client", err, oauthform.MsgNoClient)
	}
	return c, nil
}

// OAuthClients lists every client, by ID.
func (db *DB) OAuthClients(ctx context.Context) ([]hearth.OAuthClient, error) {
	return queryAll(ctx, db.data, scanOAuthClient, "OAuth clients", "SELECT "+oauthClientCols+" FROM oauth_clients ORDER BY id")
}

func scanOAuthClient(row rowScanner) (*hearth.OAuthClient, error) {
	var c hearth.OAuthClient
	var uris, scopes string
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &c.SecretHash, &uris, &scopes, &c.CreatedBy, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromTS(created)
	return &c, oauthform.Lists([]*[]string{&c.RedirectURIs, &c.Scopes}, uris, scopes)
}

// DeleteOAuthClient deletes the client id; its token records go with it
// in the same statement (ON DELETE CASCADE). ENOTFOUND if there is no such
// client.
func (db *DB) DeleteOAuthClient(ctx context.Context, id string) error {
	res, err := exec(ctx, db.data, "DELETE FROM oauth_clients WHERE id = ?", id)
	if err != nil {
		return wrap("delete OAuth client", err, nil)
	}
	return expectOne(res, "delete OAuth client", oauthform.MsgNoClient)
}

// PutOAuthToken stores t; ECONFLICT if a record of its kind and signature
// exists, ENOTFOUND if its client does not, EINVALID if it lacks a known
// kind, a signature, request ID, client ID or request time.
func (db *DB) PutOAuthToken(ctx context.Context, t *hearth.OAuthToken) error {
	if err := oauthform.CheckToken(t); err != nil {
		return err
	}
	scopes, granted, aud, grantedAud := oauthform.TokenLists(t)
	_, err := exec(ctx, db.data, "INSERT INTO oauth_tokens ("+oauthTokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		string(t.Kind), t.Signature, t.RequestID, t.ClientID, t.PersonID, scopes, granted, aud, grantedAud,
		nonNil(t.Form), nonNil(t.Session), t.AccessSignature, ts(t.RequestedAt), optTS(t.ExpiresAt), t.Active)
	return wrap("insert OAuth token record", err, map[string]string{
		hearth.ECONFLICT: oauthform.MsgTokenTaken, hearth.ENOTFOUND: oauthform.MsgNoClient})
}

// OAuthToken returns the record of kind and signature, active or not, or
// ENOTFOUND.
func (db *DB) OAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) (*hearth.OAuthToken, error) {
	t, err := scanOAuthToken(db.data.r.QueryRowContext(ctx,
		"SELECT "+oauthTokenCols+" FROM oauth_tokens WHERE kind = ? AND signature = ?", string(kind), signature))
	if err != nil {
		return nil, notFound("select OAuth token record", err, oauthform.MsgNoToken)
	}
	return t, nil
}

func scanOAuthToken(row rowScanner) (*hearth.OAuthToken, error) {
	var t hearth.OAuthToken
	var kind, scopes, granted, aud, grantedAud string
	var requested int64
	var expires sql.NullInt64
	err := row.Scan(&kind, &t.Signature, &t.RequestID, &t.ClientID, &t.PersonID, &scopes, &granted, &aud, &grantedAud,
		&t.Form, &t.Session, &t.AccessSignature, &requested, &expires, &t.Active)
	if err != nil {
		return nil, err
	}
	t.Kind, t.RequestedAt, t.ExpiresAt = hearth.OAuthTokenKind(kind), fromTS(requested), fromOptTS(expires)
	return &t, oauthform.Lists([]*[]string{&t.Scopes, &t.GrantedScopes, &t.Audience, &t.GrantedAudience},
		scopes, granted, aud, grantedAud)
}

// DeactivateOAuthToken marks the record inactive in one transaction on the
// writer: ENOTFOUND if there is none, ECONFLICT if it was inactive already,
// so of two callers racing to use one code exactly one succeeds.
func (db *DB) DeactivateOAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) error {
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var active bool
		err := tx.QueryRowContext(ctx, "SELECT active FROM oauth_tokens WHERE kind = ? AND signature = ?", string(kind), signature).Scan(&active)
		if err != nil {
			return notFound("select OAuth token record", err, oauthform.MsgNoToken)
		}
		if !active {
			return hearth.Errorf(hearth.ECONFLICT, oauthform.MsgTokenInactive)
		}
		_, err = tx.ExecContext(ctx, "UPDATE oauth_tokens SET active = 0 WHERE kind = ? AND signature = ?", string(kind), signature)
		return wrap("deactivate OAuth token record", err, nil)
	})
}

// DeleteOAuthToken deletes the record; ENOTFOUND if there is none.
func (db *DB) DeleteOAuthToken(ctx context.Context, kind hearth.OAuthTokenKind, signature string) error {
	res, err := exec(ctx, db.data, "DELETE FROM oauth_tokens WHERE kind = ? AND signature = ?", string(kind), signature)
	if err != nil {
		return wrap("delete OAuth token record", err, nil)
	}
	return expectOne(res, "delete OAuth token record", oauthform.MsgNoToken)
}

// DeleteOAuthRequest deletes the access and refresh token records of the
// grant requestID and reports how many.
func (db *DB) DeleteOAuthRequest(ctx context.Context, requestID string) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM oauth_tokens WHERE request_id = ? AND kind IN (?, ?)",
		requestID, string(hearth.OAuthAccessToken), string(hearth.OAuthRefreshToken))
	return affected("delete OAuth grant", res, err)
}

// OAuthTokensFor lists the active access and refresh token records of
// personID, oldest first.
func (db *DB) OAuthTokensFor(ctx context.Context, personID string) ([]hearth.OAuthToken, error) {
	return queryAll(ctx, db.data, scanOAuthToken, "OAuth token records",
		"SELECT "+oauthTokenCols+" FROM oauth_tokens WHERE person_id = ? AND active AND kind IN (?, ?) ORDER BY requested, kind, signature",
		personID, string(hearth.OAuthAccessToken), string(hearth.OAuthRefreshToken))
}

// DeleteOAuthTokensFor deletes every token record of personID, or only
// those of clientID when it is not "", and reports how many.
func (db *DB) DeleteOAuthTokensFor(ctx context.Context, personID, clientID string) (int, error) {
	var n int
	err := inTx(ctx, db.data, func(tx *sql.Tx) error {
		var err error
		n, err = deleteOAuthTokensFor(ctx, tx, personID, clientID)
		return err
	})
	return n, err
}

// deleteOAuthTokensFor deletes personID's token records (of clientID only,
// unless it is "") in tx. Account closure and erasure use it.
func deleteOAuthTokensFor(ctx context.Context, tx *sql.Tx, personID, clientID string) (int, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM oauth_tokens WHERE person_id = ? AND (? = '' OR client_id = ?)", personID, clientID, clientID)
	return affected("delete OAuth token records", res, err)
}

// DeleteExpiredOAuthTokens deletes the records that expired before t (not
// those without an expiry) and reports how many.
func (db *DB) DeleteExpiredOAuthTokens(ctx context.Context, t time.Time) (int, error) {
	res, err := exec(ctx, db.data, "DELETE FROM oauth_tokens WHERE expires < ?", ts(t))
	return affected("delete expired OAuth token records", res, err)
}
