package firmware

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"time"
)

// Sign checks r (Release.Check) and returns its metadata signed with priv,
// encoded as JSON.
func Sign(priv ed25519.PrivateKey, r Release) ([]byte, error) {
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("sign release: %w", err)
	}
	r.Expires = r.Expires.UTC().Truncate(time.Second)
	pub := priv.Public().(ed25519.PublicKey)
	m := &Metadata{Signed: r, Signatures: []Signature{{
		KeyID: KeyID(pub),
		Sig:   hex.EncodeToString(ed25519.Sign(priv, r.Canonical())),
	}}}
	out, err := m.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("sign release: %w", err)
	}
	return out, nil
}
