// Package ledger is Hearth's hash-chained, append-only log: the evidence of
// every consent event, and the audit log of accesses to personal data and
// administrative actions (package audit). Each entry carries
// the SHA-256 hash of the one before it, so changing, removing or
// reordering any stored entry breaks the chain, and Verify names the first
// entry where it breaks.
//
// # Hash encoding
//
// An entry's Hash is SHA-256 over its canonical encoding: a sequence of
// fields, each written as its length in bytes (8-byte unsigned big-endian)
// followed by its bytes. The fields, in this order, are:
//
//  1. the format tag, the ASCII string "hearth-ledger/1"
//  2. Seq, as 8 bytes, big-endian (two's complement)
//  3. Time, as Unix milliseconds, 8 bytes, big-endian (two's complement)
//  4. Type, Person, Purpose, HouseholdID, ManifestVersion, NoticeVersion,
//     Method, Actor and Statement: their UTF-8 bytes, as stored
//  5. Details: the bytes of its compact JSON, as stored (empty if none)
//  6. PrevHash: the previous entry's 32-byte Hash (empty for entry 1)
//
// An outside verifier needs nothing but this paragraph and the stored
// columns to recompute every hash. Times are kept to the millisecond: the
// ledger truncates Time before hashing, so any store that keeps
// milliseconds reproduces the same bytes.
//
// # Formats
//
// A chain has one Format, chosen when its Ledger is made (NewFormat) and
// named again to Format.Verify. Consent, the format above, is the consent
// ledger's since its first entry, and New and Verify use it, so existing
// ledgers keep their hashes. Audit is the audit log's: the same encoding
// with the format tag "hearth-audit/1" and Time written as Unix
// nanoseconds (8 bytes, big-endian, two's complement), not truncated; a
// store for it must keep times to the nanosecond. The tag is hashed into
// every entry, so an entry cannot be moved from one chain into the other,
// and verifying a chain with the wrong format reports entry 1 altered.
//
// The chain cannot show that entries were cut off its end; keep the head
// (Seq and Hash, which Verify returns) somewhere else, or publish it, to
// anchor the ledger against truncation.
package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"time"

	"github.com/hearth-iot/hearth"
)

// FormatTag is the first field of every consent entry's canonical
// encoding (format Consent).
const FormatTag = "hearth-ledger/1"

// AuditFormatTag is the first field of every audit entry's canonical
// encoding (format Audit).
const AuditFormatTag = "hearth-audit/1"

// Format is a chain's encoding: its tag and the precision of its times
// (see the package documentation).
type Format int

// The formats.
const (
	Consent Format = iota // "hearth-ledger/1", times in Unix milliseconds
	Audit                 // "hearth-audit/1", times in Unix nanoseconds
)

// Tag returns the format tag, the first field of each entry's encoding.
func (f Format) Tag() string {
	if f == Audit {
		return AuditFormatTag
	}
	return FormatTag
}

// String returns the format tag.
func (f Format) String() string { return f.Tag() }

// precision is the unit f keeps times to.
func (f Format) precision() time.Duration {
	if f == Audit {
		return time.Nanosecond
	}
	return time.Millisecond
}

// Hash returns the SHA-256 hash of e's canonical encoding in format
// Consent (see the package documentation). It ignores e.Hash. It is safe
// for concurrent use.
func Hash(e *hearth.LedgerEntry) []byte { return Consent.Hash(e) }

// Hash returns the SHA-256 hash of e's canonical encoding in format f. It
// ignores e.Hash. It is safe for concurrent use.
func (f Format) Hash(e *hearth.LedgerEntry) []byte {
	h := sha256.New()
	writeField(h, []byte(f.Tag()))
	writeInt(h, e.Seq)
	if f == Audit {
		writeInt(h, e.Time.UnixNano())
	} else {
		writeInt(h, e.Time.UnixMilli())
	}
	for _, s := range []string{string(e.Type), e.Person, e.Purpose, e.HouseholdID, e.ManifestVersion,
		e.NoticeVersion, string(e.Method), e.Actor, e.Statement} {
		writeField(h, []byte(s))
	}
	writeField(h, e.Details)
	writeField(h, e.PrevHash)
	return h.Sum(nil)
}

// writeField writes b's length, 8 bytes big-endian, then b.
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// writeInt writes v as an 8-byte field.
func writeInt(h hash.Hash, v int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	writeField(h, b[:])
}
