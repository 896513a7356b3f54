package ledger_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
)

// vector is a fixed entry whose hash outside verifiers can check against.
// pinned is the SHA-256 of vector's encoding, computed once; it must never change.
const pinned = "89cc130d1072c4341e06b11ba796704d754296d6808af500c3f72e993d13728b"

var vector = hearth.LedgerEntry{
	Seq: 2, Time: time.UnixMilli(1740830400123).UTC(), Type: hearth.EntryConsentGiven,
	Person: "p_a", Purpose: "insights", HouseholdID: "hh_1", ManifestVersion: "2025.1",
	NoticeVersion: "n1", Method: hearth.MethodWeb, Actor: "p_a", Statement: "I agree.",
	Details: []byte(`{"n":1}`), PrevHash: make([]byte, 32),
}

// CONSENT-LEDGER: the encoding documented in the package comment,
// re-implemented here from the text alone, gives the same hash; and a
// fixed vector pins it so it cannot change unnoticed.
func TestHashMatchesDocumentedEncoding(t *testing.T) {
	var b []byte
	field := func(p []byte) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(p)))
		b = append(b, p...)
	}
	num := func(v int64) { field(binary.BigEndian.AppendUint64(nil, uint64(v))) }
	field([]byte("hearth-ledger/1"))
	num(vector.Seq)
	num(vector.Time.UnixMilli())
	for _, s := range []string{"consent-given", "p_a", "insights", "hh_1", "2025.1", "n1", "web", "p_a", "I agree."} {
		field([]byte(s))
	}
	field(vector.Details)
	field(vector.PrevHash)
	sum := sha256.Sum256(b)
	if got, want := hex.EncodeToString(ledger.Hash(&vector)), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Hash = %s, want %s (the documented encoding)", got, want)
	}
	if got, want := hex.EncodeToString(ledger.Hash(&vector)), pinned; got != want {
		t.Errorf("Hash = %s, want the pinned %s", got, want)
	}
}

// CONSENT-LEDGER: every field is covered; changing any one changes the hash.
func TestHashCoversEveryField(t *testing.T) {
	changes := map[string]func(e *hearth.LedgerEntry){
		"Seq":             func(e *hearth.LedgerEntry) { e.Seq++ },
		"Time":            func(e *hearth.LedgerEntry) { e.Time = e.Time.Add(time.Millisecond) },
		"Type":            func(e *hearth.LedgerEntry) { e.Type = hearth.EntryConsentRefused },
		"Person":          func(e *hearth.LedgerEntry) { e.Person = "p_b" },
		"Purpose":         func(e *hearth.LedgerEntry) { e.Purpose = "ads" },
		"HouseholdID":     func(e *hearth.LedgerEntry) { e.HouseholdID = "hh_2" },
		"ManifestVersion": func(e *hearth.LedgerEntry) { e.ManifestVersion = "2025.2" },
		"NoticeVersion":   func(e *hearth.LedgerEntry) { e.NoticeVersion = "n2" },
		"Method":          func(e *hearth.LedgerEntry) { e.Method = hearth.MethodVoice },
		"Actor":           func(e *hearth.LedgerEntry) { e.Actor = "p_g" },
		"Statement":       func(e *hearth.LedgerEntry) { e.Statement = "I agree" },
		"Details":         func(e *hearth.LedgerEntry) { e.Details = []byte(`{"n":2}`) },
		"PrevHash":        func(e *hearth.LedgerEntry) { e.PrevHash = make([]byte, 31) },
		// Length prefixes keep field boundaries: moving a byte between
		// neighbours changes the hash.
		"boundary": func(e *hearth.LedgerEntry) { e.Person, e.Purpose = "p_ai", "nsights" },
	}
	want := hex.EncodeToString(ledger.Hash(&vector))
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			e := vector
			change(&e)
			if got := hex.EncodeToString(ledger.Hash(&e)); got == want {
				t.Errorf("Hash unchanged after changing %s", name)
			}
		})
	}
}
