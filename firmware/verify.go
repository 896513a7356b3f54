package firmware

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Reason says why a device refused a release. All but ReasonMalformed are
// values of the "reason" field of a device's firmware event; malformed
// metadata names no version the device can trust, so a device reports it
// as a command-refused event (docs/device-protocol.md).
type Reason string

// The reasons Verify refuses a release.
const (
	ReasonMalformed    Reason = "malformed"     // the metadata does not parse (Parse)
	ReasonUnsigned     Reason = "unsigned"      // the metadata carries no signature
	ReasonWrongKey     Reason = "wrong-key"     // no signature is by a trusted key
	ReasonModified     Reason = "modified"      // the image, or the metadata, is not what the trusted key signed
	ReasonOlderVersion Reason = "older-version" // the version is lower than the installed one (rollback)
	ReasonExpired      Reason = "expired"       // the metadata expired
)

// Reasons lists every Reason.
var Reasons = []Reason{ReasonMalformed, ReasonUnsigned, ReasonWrongKey, ReasonModified, ReasonExpired, ReasonOlderVersion}

// Refusal is the error Verify returns: why the release was refused, and a
// detail naming what was wrong, fit to report back in a firmware event.
type Refusal struct {
	Reason Reason
	Detail string
}

// Error implements error.
func (r *Refusal) Error() string { return "firmware refused (" + string(r.Reason) + "): " + r.Detail }

func refuse(reason Reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Verify checks signed release metadata and its image as a device must
// before installing: VerifyMetadata, then VerifyImage. It returns the
// release, or a *Refusal. image may be nil to check the metadata only
// before downloading the image; then call VerifyImage on the image.
func Verify(trusted []ed25519.PublicKey, metadata, image []byte, installed string, now time.Time) (*Release, error) {
	r, err := VerifyMetadata(trusted, metadata, installed, now)
	if err != nil {
		return nil, err
	}
	if image == nil {
		return r, nil
	}
	if err := VerifyImage(r, image); err != nil {
		return nil, err
	}
	return r, nil
}

// VerifyMetadata checks, in this order, that metadata parses
// (ReasonMalformed), carries a signature (ReasonUnsigned), carries one by a
// key in trusted (ReasonWrongKey) that verifies over the canonical release
// (ReasonModified), has not expired at now (ReasonExpired), and names a
// version not lower than installed (ReasonOlderVersion; "" means nothing
// is installed). Every error is a *Refusal.
func VerifyMetadata(trusted []ed25519.PublicKey, metadata []byte, installed string, now time.Time) (*Release, error) {
	m, err := Parse(metadata)
	if err != nil {
		return nil, &Refusal{Reason: ReasonMalformed, Detail: err.Error()}
	}
	if len(m.Signatures) == 0 {
		return nil, refuse(ReasonUnsigned, "the release of %s %s carries no signature", m.Signed.Model, m.Signed.Version)
	}
	if err := checkSignature(trusted, m); err != nil {
		return nil, err
	}
	r := &m.Signed
	if !now.Before(r.Expires) {
		return nil, refuse(ReasonExpired, "the metadata of %s %s expired at %s", r.Model, r.Version, r.Expires.Format(time.RFC3339))
	}
	if installed != "" {
		c, err := CompareVersions(r.Version, installed)
		if err != nil {
			return nil, refuse(ReasonMalformed, "installed %v", err)
		}
		if c < 0 {
			return nil, refuse(ReasonOlderVersion, "version %s is older than the installed %s", r.Version, installed)
		}
	}
	return r, nil
}

// checkSignature accepts m if one of its signatures is by a trusted key and
// verifies.
func checkSignature(trusted []ed25519.PublicKey, m *Metadata) error {
	canonical := m.Signed.Canonical()
	named := false
	for _, s := range m.Signatures {
		for _, k := range trusted {
			if KeyID(k) != s.KeyID {
				continue
			}
			named = true
			sig, _ := hex.DecodeString(s.Sig) // Parse checked it is hex
			if ed25519.Verify(k, canonical, sig) {
				return nil
			}
		}
	}
	if named {
		return refuse(ReasonModified, "the metadata of %s %s does not match its signature by the trusted key", m.Signed.Model, m.Signed.Version)
	}
	return refuse(ReasonWrongKey, "the release of %s %s is signed by key %s, which is not trusted", m.Signed.Model, m.Signed.Version, short(m.Signatures[0].KeyID))
}

func short(keyID string) string { return keyID[:16] }

// VerifyImage checks that image has r's length and SHA-256 hash; else it
// returns a *Refusal with ReasonModified.
func VerifyImage(r *Release, image []byte) error {
	if int64(len(image)) != r.Length {
		return refuse(ReasonModified, "the image of %s %s is %d bytes, the signed length is %d", r.Model, r.Version, len(image), r.Length)
	}
	sum := sha256.Sum256(image)
	if got := hex.EncodeToString(sum[:]); got != r.SHA256 {
		return refuse(ReasonModified, "the image of %s %s has SHA-256 %s, the signed hash is %s", r.Model, r.Version, got[:16], r.SHA256[:16])
	}
	return nil
}
