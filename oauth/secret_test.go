package oauth

import (
	"testing"
)

// TestSecretHasher: the stored hash accepts exactly the secret it was made
// from; a wrong secret, a truncated hash and an empty hash are refused
// (INT-CLIENTS, SEC-BRUTE: a confidential client's secret is checked
// without a slow hash strangers could make the server run).
func TestSecretHasher(t *testing.T) {
	ctx := t.Context()
	var h secretHasher
	hash, err := h.Hash(ctx, []byte("s3cret-256-bits"))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Compare(ctx, hash, []byte("s3cret-256-bits")); err != nil {
		t.Errorf("the right secret: %v", err)
	}
	for name, c := range map[string]struct{ hash, secret []byte }{
		"wrong secret":   {hash, []byte("s3cret-256-bitz")},
		"empty secret":   {hash, nil},
		"truncated hash": {hash[:16], []byte("s3cret-256-bits")},
		"no hash":        {nil, nil},
	} {
		if err := h.Compare(ctx, c.hash, c.secret); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
