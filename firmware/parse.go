package firmware

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// ErrMalformed is wrapped by every error Parse returns.
var ErrMalformed = errors.New("malformed release metadata")

// wire is the JSON shape of Metadata.
type wire struct {
	Signed *struct {
		Type        *string            `json:"_type"`
		Expires     *string            `json:"expires"`
		Hashes      *map[string]string `json:"hashes"`
		Length      *int64             `json:"length"`
		Model       *string            `json:"model"`
		Notes       *string            `json:"notes"`
		Substantial *bool              `json:"substantial"`
		Version     *string            `json:"version"`
	} `json:"signed"`
	Signatures *[]Signature `json:"signatures"`
}

// Parse decodes signed release metadata strictly: at most MaxMetadataSize
// bytes of valid UTF-8 JSON, one object, no field unknown, missing or given
// twice, every field within Release.Check's rules, at most MaxSignatures
// signatures each with a 64-hex-digit key ID and a 128-hex-digit signature.
// It checks no signature (Verify does). Every error wraps ErrMalformed and
// names the field at fault.
func Parse(data []byte) (*Metadata, error) {
	m, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return m, nil
}

func parse(data []byte) (*Metadata, error) {
	if len(data) > MaxMetadataSize {
		return nil, fmt.Errorf("%d bytes, over the limit of %d", len(data), MaxMetadataSize)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	if err := noDuplicateKeys(data); err != nil {
		return nil, err
	}
	var w wire
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("not the metadata JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	r, err := release(&w)
	if err != nil {
		return nil, err
	}
	if w.Signatures == nil {
		return nil, errors.New("signatures: missing")
	}
	sigs := *w.Signatures
	if len(sigs) > MaxSignatures {
		return nil, fmt.Errorf("signatures: %d, over the limit of %d", len(sigs), MaxSignatures)
	}
	for i, s := range sigs {
		if !keyIDRE.MatchString(s.KeyID) {
			return nil, fmt.Errorf("signatures[%d].keyid: not 64 lowercase hex digits", i)
		}
		if !sigRE.MatchString(s.Sig) {
			return nil, fmt.Errorf("signatures[%d].sig: not 128 lowercase hex digits", i)
		}
	}
	return &Metadata{Signed: *r, Signatures: sigs}, nil
}

// release checks the signed part field by field.
func release(w *wire) (*Release, error) {
	s := w.Signed
	if s == nil {
		return nil, errors.New("signed: missing")
	}
	for name, missing := range map[string]bool{
		"_type": s.Type == nil, "expires": s.Expires == nil, "hashes": s.Hashes == nil,
		"length": s.Length == nil, "model": s.Model == nil, "notes": s.Notes == nil,
		"substantial": s.Substantial == nil, "version": s.Version == nil,
	} {
		if missing {
			return nil, fmt.Errorf("signed.%s: missing", name)
		}
	}
	if *s.Type != ReleaseType {
		return nil, fmt.Errorf("signed._type: %q, want %q", *s.Type, ReleaseType)
	}
	exp, err := time.Parse(time.RFC3339, *s.Expires)
	if err != nil || exp.UTC().Format(time.RFC3339) != *s.Expires {
		return nil, fmt.Errorf("signed.expires: %q is not an RFC 3339 UTC time to the second (2027-12-01T00:00:00Z)", *s.Expires)
	}
	hashes := *s.Hashes
	if len(hashes) != 1 || hashes["sha256"] == "" {
		return nil, errors.New("signed.hashes: must hold exactly one hash, sha256")
	}
	r := &Release{
		Model: *s.Model, Version: *s.Version, Expires: exp, Length: *s.Length,
		SHA256: hashes["sha256"], Substantial: *s.Substantial, Notes: *s.Notes,
	}
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("signed.%w", err)
	}
	return r, nil
}

// noDuplicateKeys returns an error if any JSON object in data has the same
// key twice (encoding/json would silently keep the last), or if data nests
// deeper than 8 levels.
func noDuplicateKeys(data []byte) error {
	type frame struct {
		keys    map[string]bool // nil for an array
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not JSON: %v", err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].keys != nil {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		if top != nil && top.keys != nil && top.wantKey {
			k := tok.(string) // the decoder only yields strings as object keys
			if top.keys[k] {
				return fmt.Errorf("key %q given twice", k)
			}
			top.keys[k] = true
			top.wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		default:
			if top != nil && top.keys != nil {
				top.wantKey = true
			}
		}
		if len(stack) > 8 {
			return errors.New("nested too deeply")
		}
	}
}
