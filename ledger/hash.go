// Package ledger is Hearth's hash-chained, append-only log: the evidence of
// every consent event now, and of the audit log later. Each entry carries
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
// The chain cannot show that entries were cut off its end; keep the head
// (Seq and Hash, which Verify returns) somewhere else, or publish it, to
// anchor the ledger against truncation.
package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/hearth-iot/hearth"
)

// FormatTag is the first field of every entry's canonical encoding.
const FormatTag = "hearth-ledger/1"

// Hash returns the SHA-256 hash of e's canonical encoding (see the package
// documentation). It ignores e.Hash. It is safe for concurrent use.
func Hash(e *hearth.LedgerEntry) []byte {
	h := sha256.New()
	writeField(h, []byte(FormatTag))
	writeInt(h, e.Seq)
	writeInt(h, e.Time.UnixMilli())
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
