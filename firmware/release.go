// Package firmware provides signed firmware release metadata in the spirit
// of The Update Framework (TUF): a release names its device model, its
// version, the SHA-256 hash and length of its image, when the metadata
// expires, whether the change is substantial and release notes; an
// Ed25519 signature covers the canonical JSON of all of it. Manufacturers
// generate keys and sign releases with it (hearth firmware keygen, sign);
// devices verify a release before installing it (Verify), refusing an
// unsigned release, one signed by a key they do not trust, a modified
// image, an older version than the installed one and expired metadata,
// each with its own Reason (SEC-UPDATES).
//
// It imports only the standard library, so a device can carry it.
package firmware

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits on metadata and images.
const (
	// MaxMetadataSize is the largest signed release metadata Parse reads.
	MaxMetadataSize = 64 << 10
	// MaxImageSize is the largest firmware image a release may describe.
	MaxImageSize = 64 << 20
	// MaxNotes is the longest release notes may be, in bytes.
	MaxNotes = 8 << 10
	// MaxSignatures is the most signatures one release may carry.
	MaxSignatures = 8
)

// ReleaseType is the value of a release's "_type" field.
const ReleaseType = "firmware-release"

// Release is the signed part of a firmware release's metadata.
type Release struct {
	Model       string    // the manifest model ID the image is for
	Version     string    // MAJOR.MINOR.PATCH; a device never installs a lower one
	Expires     time.Time // after it the metadata is refused; kept to the second, UTC
	Length      int64     // the image's length in bytes
	SHA256      string    // the image's SHA-256 hash, 64 lowercase hex digits
	Substantial bool      // the release changes what the device does: people are told beforehand (FIRMWARE-NOTICE)
	Notes       string    // what changes, in plain language
}

// Signature is one Ed25519 signature over a release's canonical JSON,
// naming the key that made it by KeyID.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"` // hex
}

// Metadata is a release with its signatures, as it travels: a JSON object
// {"signed": {...}, "signatures": [{"keyid": "...", "sig": "..."}]}.
type Metadata struct {
	Signed     Release
	Signatures []Signature
}

// NewRelease describes image as a release of version for model, expiring
// at expires, with its hash and length computed from the image.
func NewRelease(model, version string, image []byte, expires time.Time, substantial bool, notes string) Release {
	sum := sha256.Sum256(image)
	return Release{
		Model: model, Version: version, Expires: expires.UTC().Truncate(time.Second),
		Length: int64(len(image)), SHA256: hex.EncodeToString(sum[:]),
		Substantial: substantial, Notes: notes,
	}
}

var (
	modelRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	versionRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)
	hashRE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	keyIDRE   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	sigRE     = regexp.MustCompile(`^[0-9a-f]{128}$`)
)

// Check reports the first field of r that breaks a rule, as an error naming
// the field, or nil.
func (r *Release) Check() error {
	switch {
	case !modelRE.MatchString(r.Model):
		return fmt.Errorf("model: %q is not a model ID (letters, digits, '.', '_', '-', at most 64)", r.Model)
	case !versionRE.MatchString(r.Version):
		return fmt.Errorf("version: %q is not MAJOR.MINOR.PATCH", r.Version)
	case r.Expires.IsZero():
		return fmt.Errorf("expires: missing")
	case r.Length <= 0 || r.Length > MaxImageSize:
		return fmt.Errorf("length: %d is not between 1 and %d bytes", r.Length, MaxImageSize)
	case !hashRE.MatchString(r.SHA256):
		return fmt.Errorf("hashes.sha256: not 64 lowercase hex digits")
	case len(r.Notes) > MaxNotes:
		return fmt.Errorf("notes: %d bytes, over the limit of %d", len(r.Notes), MaxNotes)
	case !utf8.ValidString(r.Notes):
		return fmt.Errorf("notes: not valid UTF-8")
	case r.Substantial && r.Notes == "":
		return fmt.Errorf("notes: a substantial release must say what changes")
	}
	return nil
}

// Canonical returns the canonical JSON of r, the bytes a signature covers:
// object keys sorted, no insignificant whitespace, times as RFC 3339 UTC
// to the second, strings escaped only where JSON requires.
func (r *Release) Canonical() []byte {
	var b bytes.Buffer
	b.WriteString(`{"_type":`)
	writeString(&b, ReleaseType)
	b.WriteString(`,"expires":`)
	writeString(&b, r.Expires.UTC().Format(time.RFC3339))
	b.WriteString(`,"hashes":{"sha256":`)
	writeString(&b, r.SHA256)
	b.WriteString(`},"length":`)
	b.WriteString(strconv.FormatInt(r.Length, 10))
	b.WriteString(`,"model":`)
	writeString(&b, r.Model)
	b.WriteString(`,"notes":`)
	writeString(&b, r.Notes)
	b.WriteString(`,"substantial":`)
	b.WriteString(strconv.FormatBool(r.Substantial))
	b.WriteString(`,"version":`)
	writeString(&b, r.Version)
	b.WriteString(`}`)
	return b.Bytes()
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode ends with a newline
}

// MarshalJSON encodes m as {"signed": <canonical release>, "signatures": [...]}.
func (m *Metadata) MarshalJSON() ([]byte, error) {
	sigs, err := json.Marshal(m.Signatures)
	if err != nil {
		return nil, fmt.Errorf("encode signatures: %w", err)
	}
	if m.Signatures == nil {
		sigs = []byte("[]")
	}
	var b bytes.Buffer
	b.WriteString(`{"signed":`)
	b.Write(m.Signed.Canonical())
	b.WriteString(`,"signatures":`)
	b.Write(sigs)
	b.WriteString("}")
	return b.Bytes(), nil
}

// CompareVersions compares two MAJOR.MINOR.PATCH versions: -1 if a is
// lower than b, 0 if equal, +1 if higher. It returns an error naming the
// version that is not MAJOR.MINOR.PATCH.
func CompareVersions(a, b string) (int, error) {
	pa, err := parseVersion(a)
	if err != nil {
		return 0, err
	}
	pb, err := parseVersion(b)
	if err != nil {
		return 0, err
	}
	for i := range pa {
		switch {
		case pa[i] < pb[i]:
			return -1, nil
		case pa[i] > pb[i]:
			return 1, nil
		}
	}
	return 0, nil
}

// ValidVersion reports whether v is a MAJOR.MINOR.PATCH version.
func ValidVersion(v string) bool { return versionRE.MatchString(v) }

func parseVersion(v string) ([3]uint64, error) {
	var out [3]uint64
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return out, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", v)
	}
	for i := range out {
		out[i], _ = strconv.ParseUint(m[i+1], 10, 64) // at most 9 digits: always parses
	}
	return out, nil
}
