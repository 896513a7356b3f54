package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
)

// An anchor file holds one Anchor per line, as a JSON object. Limits on
// what ParseAnchors reads: a line, and the number of anchors.
const (
	MaxAnchorLine = 1 << 10
	MaxAnchors    = 1 << 20
)

// Anchor is a chain's head written outside the database: the format of
// the chain, the head entry's Seq, Hash (lowercase hex) and Time, and
// optionally an Ed25519 signature over SignedMessage by the key KeyID (the
// lowercase hex SHA-256 of the public key).
type Anchor struct {
	Format    string    `json:"format"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id,omitempty"`
	Signature string    `json:"signature,omitempty"` // base64 (standard, padded)
}

// NewAnchor returns the unsigned anchor of head in a chain of format f.
func NewAnchor(f ledger.Format, head ledger.Head) Anchor {
	return Anchor{Format: f.Tag(), Seq: head.Seq, Hash: hex.EncodeToString(head.Hash), Time: head.Time.UTC()}
}

// SignedMessage is what a signature covers: the lines "hearth-anchor/1",
// the format tag, Seq in decimal, Hash in lowercase hex and Time in RFC
// 3339 with nanoseconds (UTC), each ended by a newline.
func (a Anchor) SignedMessage() []byte {
	return fmt.Appendf(nil, "hearth-anchor/1\n%s\n%d\n%s\n%s\n", a.Format, a.Seq, a.Hash, a.Time.UTC().Format(time.RFC3339Nano))
}

// Sign signs a with priv, setting KeyID and Signature.
func (a *Anchor) Sign(priv ed25519.PrivateKey) {
	a.KeyID = KeyID(priv.Public().(ed25519.PublicKey))
	a.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, a.SignedMessage()))
}

// VerifySignature returns nil if a is signed by one of keys, and an
// EINVALID error if it is unsigned, signed by another key, or its
// signature does not match.
func (a Anchor) VerifySignature(keys []ed25519.PublicKey) error {
	if a.Signature == "" {
		return hearth.Errorf(hearth.EINVALID, "the anchor of entry %d is not signed", a.Seq)
	}
	sig, err := base64.StdEncoding.DecodeString(a.Signature)
	if err != nil {
		return hearth.Errorf(hearth.EINVALID, "the anchor of entry %d has a signature that is not base64", a.Seq)
	}
	for _, k := range keys {
		if KeyID(k) == a.KeyID {
			if ed25519.Verify(k, a.SignedMessage(), sig) {
				return nil
			}
			return hearth.Errorf(hearth.EINVALID, "the anchor of entry %d: its signature does not match (altered anchor)", a.Seq)
		}
	}
	return hearth.Errorf(hearth.EINVALID, "the anchor of entry %d is signed by key %s, which is not trusted", a.Seq, a.KeyID)
}

// KeyID names pub in anchors: the lowercase hex SHA-256 of its 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// Line returns a as one line of an anchor file, newline included.
func (a Anchor) Line() []byte {
	b, err := json.Marshal(a)
	if err != nil {
		panic(err) // strings, an int and a time always marshal
	}
	return append(b, '\n')
}

// AppendAnchor appends a's line to the file at path, creating it (mode
// 0644) if needed, and syncs it.
func AppendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	if _, err := f.Write(a.Line()); err != nil {
		f.Close()
		return fmt.Errorf("write anchor file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync anchor file %s: %w", path, err)
	}
	return f.Close()
}

// ParseAnchors reads an anchor file: one JSON Anchor per line, blank lines
// ignored. It returns EINVALID naming the line of a malformed anchor, and
// ETOOLARGE for a line over MaxAnchorLine bytes or more than MaxAnchors.
func ParseAnchors(r io.Reader) ([]Anchor, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), MaxAnchorLine)
	var out []Anchor
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) == MaxAnchors {
			return nil, hearth.Errorf(hearth.ETOOLARGE, "an anchor file may hold at most %d anchors", MaxAnchors)
		}
		a, err := parseAnchor(line)
		if err != nil {
			return nil, &hearth.Error{Code: hearth.EINVALID, Message: "anchor line " + strconv.Itoa(n) + ": " + hearth.ErrorMessage(err), Err: err}
		}
		out = append(out, a)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, hearth.Errorf(hearth.ETOOLARGE, "an anchor line may be at most %d bytes", MaxAnchorLine)
	} else if err != nil {
		return nil, fmt.Errorf("read anchors: %w", err)
	}
	return out, nil
}

// parseAnchor parses and checks one anchor line.
func parseAnchor(line []byte) (Anchor, error) {
	var a Anchor
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, hearth.Errorf(hearth.EINVALID, "not an anchor object (%s)", jsonProblem(err))
	}
	if dec.More() {
		return a, hearth.Errorf(hearth.EINVALID, "text after the anchor object")
	}
	h, err := hex.DecodeString(a.Hash)
	switch {
	case a.Format != ledger.FormatTag && a.Format != ledger.AuditFormatTag:
		return a, hearth.Errorf(hearth.EINVALID, "format must be %q or %q", ledger.AuditFormatTag, ledger.FormatTag)
	case a.Seq < 0:
		return a, hearth.Errorf(hearth.EINVALID, "seq must be 0 or more")
	case a.Seq == 0 && a.Hash != "":
		return a, hearth.Errorf(hearth.EINVALID, "the anchor of an empty chain (seq 0) has no hash")
	case a.Seq > 0 && (err != nil || len(h) != sha256.Size || a.Hash != hex.EncodeToString(h)):
		return a, hearth.Errorf(hearth.EINVALID, "hash must be 64 lowercase hex digits")
	case (a.KeyID == "") != (a.Signature == ""):
		return a, hearth.Errorf(hearth.EINVALID, "key_id and signature come together")
	}
	return a, nil
}

// jsonProblem describes a JSON decoding error without quoting input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	}
	return "unknown field or malformed JSON"
}

// AnchorError is a chain that no longer holds an anchored head.
type AnchorError struct {
	Anchor Anchor
	Head   int64  // the chain's current head Seq
	Kind   string // "truncated" (the chain ends before the anchored entry) or "rewritten" (the entry is gone or has another hash)
}

// Error implements the error interface.
func (e *AnchorError) Error() string {
	if e.Kind == "truncated" {
		return fmt.Sprintf("the chain ends at entry %d but entry %d was anchored at %s: entries were cut off its end",
			e.Head, e.Anchor.Seq, e.Anchor.Time.Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("entry %d is gone or no longer has the hash anchored at %s: the chain was rewritten",
		e.Anchor.Seq, e.Anchor.Time.Format(time.RFC3339Nano))
}

// CheckAnchor returns nil if store's chain still holds a's entry with a's
// hash (verify the chain itself with Verify), an *AnchorError if it does
// not, and a read error otherwise. An anchor of an empty chain always
// holds.
func CheckAnchor(ctx context.Context, store hearth.LedgerStore, a Anchor) error {
	if a.Seq == 0 {
		return nil
	}
	es, err := store.LedgerEntries(ctx, a.Seq-1, 1)
	if err != nil {
		return fmt.Errorf("read entry %d: %w", a.Seq, err)
	}
	if len(es) == 0 {
		head := int64(0)
		if h, err := store.LedgerHead(ctx); err == nil {
			head = h.Seq
		}
		return &AnchorError{Anchor: a, Head: head, Kind: "truncated"}
	}
	if es[0].Seq != a.Seq || hex.EncodeToString(es[0].Hash) != a.Hash {
		return &AnchorError{Anchor: a, Head: a.Seq, Kind: "rewritten"}
	}
	return nil
}
