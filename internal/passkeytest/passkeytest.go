// Package passkeytest is a software WebAuthn authenticator for tests: an
// ES256 key, attestation "none" and a signature counter, answering the
// options a relying party hands out with real signatures.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Authenticator is one software authenticator holding one credential. It
// is not safe for concurrent use.
type Authenticator struct {
	t      testing.TB
	key    *ecdsa.PrivateKey
	origin string
	// CredentialID is the credential's ID, 16 random bytes; a test may set
	// another authenticator's to forge its assertions.
	CredentialID []byte
	// Count is the signature counter, advanced by Get.
	Count uint32
}

// New returns an authenticator with a new key, whose client data names
// origin (such as https://hearth.example).
func New(t testing.TB, origin string) *Authenticator {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &Authenticator{t: t, key: key, CredentialID: id, origin: origin}
}

var b64 = base64.RawURLEncoding

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"type": typ, "challenge": challenge, "origin": a.origin})
	return b
}

// authData returns authenticator data: UP and UV set, and the attested
// credential (AAGUID zero, the COSE key) when attest is set.
func (a *Authenticator) authData(rpID string, attest bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04)
	if attest {
		flags |= 0x40
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.Count)
	if !attest {
		return out
	}
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         1, XCoord: a.key.X.FillBytes(make([]byte, 32)), YCoord: a.key.Y.FillBytes(make([]byte, 32)),
	})
	if err != nil {
		a.t.Fatal(err)
	}
	out = append(out, make([]byte, 16)...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(a.CredentialID)))
	out = append(out, a.CredentialID...)
	return append(out, cose...)
}

// Create answers registration options (their base64url challenge and
// relying party ID) with attestation "none": the JSON of the
// PublicKeyCredential.
func (a *Authenticator) Create(challenge, rpID string) string {
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(rpID, true)})
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredentialID), "rawId": b64.EncodeToString(a.CredentialID), "type": "public-key",
		"response": map[string]string{"clientDataJSON": b64.EncodeToString(a.clientData("webauthn.create", challenge)), "attestationObject": b64.EncodeToString(att)}})
	return string(b)
}

// Get answers assertion options, advancing the counter by inc: the JSON
// of the PublicKeyCredential.
func (a *Authenticator) Get(challenge, rpID string, inc uint32) string {
	a.Count += inc
	cd := a.clientData("webauthn.get", challenge)
	ad := a.authData(rpID, false)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredentialID), "rawId": b64.EncodeToString(a.CredentialID), "type": "public-key",
		"response": map[string]string{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad), "signature": b64.EncodeToString(sig)}})
	return string(b)
}
