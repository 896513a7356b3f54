package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth/oauth"
)

// oauthSecretIndex names the key the OAuth token secret is derived from:
// a key kept in the key store, wrapped by the key-encryption key, like the
// e-mail index's (seal.Keyring.BlindIndex). Every node of one service
// shares the key store and the key file, so every node derives the same
// secret and accepts the tokens the others issued; it is never in
// hearth.db.
const oauthSecretIndex = "oauth-token-secret"

// newOAuth returns the OAuth 2 authorization server over c's store.
func newOAuth(ctx context.Context, c *core) (*oauth.Server, error) {
	ix, err := c.keys.BlindIndex(ctx, oauthSecretIndex)
	if err != nil {
		return nil, fmt.Errorf("oauth token secret: %w", err)
	}
	srv, err := oauth.New(oauth.Config{Store: c.store, Accounts: c.store, Devices: c.store,
		Secret: ix.Sum([]byte("hearth oauth token hmac v1"))})
	if err != nil {
		return nil, err
	}
	return srv, nil
}

// oauthPruneInterval is how often the records of expired OAuth codes and
// tokens are deleted.
const oauthPruneInterval = time.Hour

// pruneOAuth deletes the records of expired codes and tokens at once, then
// every oauthPruneInterval, until ctx ends (a scheduled job: one node).
func (s *server) pruneOAuth(ctx context.Context) {
	every(ctx, oauthPruneInterval, func() {
		if n, err := s.oauth.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expired OAuth tokens not deleted", "err", err)
		} else if n > 0 {
			s.log.Info("expired OAuth codes and tokens deleted", "records", n)
		}
	})
}
