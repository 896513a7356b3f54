package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testAudit covers AuditStore. AUDIT: the audit log has the consent
// ledger's contract (one hash chain, append-only, all or nothing), keeps
// entry times to the nanosecond, and is a chain of its own: appending to
// it does not move the consent ledger, nor the other way round.
func testAudit(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("Contract", func(t *testing.T) {
		testChain(t, func(t *testing.T) hearth.LedgerStore { return open(t).AuditLog() })
	})
	t.Run("Nanoseconds", func(t *testing.T) {
		t.Parallel()
		log := open(t).AuditLog()
		es := chain(1, 3, "p_a", nil)
		es[0].Time = time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)
		es[1].Time = es[0].Time.Add(time.Nanosecond)
		es[2].Time = es[1].Time.Add(time.Nanosecond).In(time.FixedZone("UTC+2", 2*60*60))
		for i := range es {
			es[i].Type, es[i].Purpose = "access", ""
			es[i].Details = []byte(`{"actor_kind":"client","action":"GET /v1/readings"}`)
		}
		es[1].Actor = "client:c_1"
		must(t, "AppendEntries", log.AppendEntries(ctx(t), es))
		got, err := log.LedgerEntries(ctx(t), 0, 0)
		must(t, "LedgerEntries", err)
		if len(got) != len(es) {
			t.Fatalf("LedgerEntries: %d entries, want %d", len(got), len(es))
		}
		for i := range es {
			if !got[i].Time.Equal(es[i].Time) {
				t.Errorf("entry %d: time %s, want %s (to the nanosecond)", i+1, got[i].Time.Format(time.RFC3339Nano), es[i].Time.Format(time.RFC3339Nano))
			}
		}
		diff(t, "LedgerEntries", got, es)
		head, err := log.LedgerHead(ctx(t))
		must(t, "LedgerHead", err)
		if !head.Time.Equal(es[2].Time) {
			t.Errorf("LedgerHead time %s, want %s", head.Time.Format(time.RFC3339Nano), es[2].Time.Format(time.RFC3339Nano))
		}
		forP, err := log.LedgerEntriesFor(ctx(t), "p_a")
		must(t, "LedgerEntriesFor", err)
		if len(forP) != 3 || !forP[1].Time.Equal(es[1].Time) {
			t.Errorf("LedgerEntriesFor: %v, want the three entries to the nanosecond", forP)
		}
	})
	t.Run("ApartFromTheConsentLedger", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := s.AuditLog()
		audit := chain(1, 2, "p_a", nil)
		must(t, "AppendEntries to the audit log", log.AppendEntries(ctx(t), audit))
		_, err := s.LedgerHead(ctx(t))
		wantCode(t, "consent LedgerHead after appending to the audit log", err, hearth.ENOTFOUND)
		got, err := s.LedgerEntriesFor(ctx(t), "p_a")
		must(t, "consent LedgerEntriesFor", err)
		diff(t, "consent ledger entries about p_a", got, []hearth.LedgerEntry(nil))

		// The consent ledger starts its own chain at 1, and the audit log
		// still continues only its own head.
		consent := chain(1, 2, "p_a", nil)
		consent[0].Hash = []byte("consent-1")
		consent[1].PrevHash, consent[1].Hash = consent[0].Hash, []byte("consent-2")
		must(t, "AppendEntries to the consent ledger", s.AppendEntries(ctx(t), consent))
		head, err := log.LedgerHead(ctx(t))
		must(t, "audit LedgerHead", err)
		diff(t, "audit head after appending to the consent ledger", head, &audit[1])
		wantCode(t, "audit AppendEntries continuing the consent ledger",
			log.AppendEntries(ctx(t), chain(3, 1, "p_a", consent[1].Hash)), hearth.ECONFLICT)
		must(t, "audit AppendEntries continuing its own head", log.AppendEntries(ctx(t), chain(3, 1, "p_a", audit[1].Hash)))
		cs, err := s.LedgerEntries(ctx(t), 0, 0)
		must(t, "consent LedgerEntries", err)
		diff(t, "consent ledger", cs, consent)
		as, err := log.LedgerEntriesFor(ctx(t), "p_a")
		must(t, "audit LedgerEntriesFor", err)
		if len(as) != 3 {
			t.Errorf("audit log about p_a: %d entries, want 3", len(as))
		}
	})
}
