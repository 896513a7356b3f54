package ledger_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
)

// pinnedAudit is the SHA-256 of vector's encoding in format Audit,
// computed once; it must never change.
const pinnedAudit = "daea6917766f5bbd715fb41fb3938cf40fb8cc4969293fb28c2b6abf642dff51"

// AUDIT: the audit format's encoding, re-implemented from the package
// documentation, gives the same hash; the time is hashed in nanoseconds, so
// a nanosecond's change changes it; and a fixed vector pins it.
func TestAuditFormatHash(t *testing.T) {
	e := vector
	e.Time = time.Unix(1740830400, 123456789).UTC()
	var b []byte
	field := func(p []byte) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(p)))
		b = append(b, p...)
	}
	num := func(v int64) { field(binary.BigEndian.AppendUint64(nil, uint64(v))) }
	field([]byte("hearth-audit/1"))
	num(e.Seq)
	num(e.Time.UnixNano())
	for _, s := range []string{"consent-given", "p_a", "insights", "hh_1", "2025.1", "n1", "web", "p_a", "I agree."} {
		field([]byte(s))
	}
	field(e.Details)
	field(e.PrevHash)
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(ledger.Audit.Hash(&e))
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Audit.Hash = %s, want %s (the documented encoding)", got, want)
	}
	if got != pinnedAudit {
		t.Errorf("Audit.Hash = %s, want the pinned %s", got, pinnedAudit)
	}
	later := e
	later.Time = later.Time.Add(time.Nanosecond)
	if hex.EncodeToString(ledger.Audit.Hash(&later)) == got {
		t.Error("Audit.Hash unchanged after moving the time by a nanosecond")
	}
	if hex.EncodeToString(ledger.Consent.Hash(&e)) == got {
		t.Error("the consent and audit formats hash the same entry alike")
	}
}

// AUDIT, CONSENT-LEDGER: an audit ledger keeps times to the nanosecond
// through a real store and verifies in its own format only; the consent
// format, and so every existing consent ledger, is unchanged (the pinned
// vector of TestHashMatchesDocumentedEncoding).
func TestAuditFormatLedger(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 12, 1, 14, 0, 0, 123456789, time.UTC)
	l := ledger.NewFormat(f.store, ledger.Audit, func() time.Time { return at })
	out, err := l.Append(t.Context(),
		hearth.LedgerEntry{Type: "access", Person: "p_a", Actor: "p_b", Method: ledger.MethodCLI},
		hearth.LedgerEntry{Type: "admin", Actor: "p_op", Method: ledger.MethodSystem})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if !out[0].Time.Equal(at) {
		t.Errorf("appended time %v, want %v to the nanosecond", out[0].Time, at)
	}
	head, err := ledger.Audit.Verify(ledger.Entries(t.Context(), f.store, 0))
	if err != nil || head.Seq != 2 {
		t.Fatalf("Audit.Verify: head %d, %v; want 2 entries", head.Seq, err)
	}
	if !head.Time.Equal(at) {
		t.Errorf("head time %v, want %v", head.Time, at)
	}
	var p *ledger.Problem
	if _, err := ledger.Verify(ledger.Entries(t.Context(), f.store, 0)); !errors.As(err, &p) || p.Seq != 1 || p.Kind != ledger.Altered {
		t.Errorf("Verify in the consent format: %v, want entry 1 altered", err)
	}
	if _, err := f.l.Append(t.Context(), hearth.LedgerEntry{Type: "access", Method: ledger.MethodCLI}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("consent ledger Append with method cli: %v, want EINVALID", err)
	}
}
