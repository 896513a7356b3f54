package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// entry returns an unsaved ledger entry number seq about person, linked to
// prev. The store does not check hashes, so a made-up one does.
func entry(seq int64, person string, prev []byte) hearth.LedgerEntry {
	return hearth.LedgerEntry{
		Seq: seq, Time: at(time.Duration(seq) * time.Second), Type: hearth.EntryConsentGiven,
		Person: person, Purpose: "insights", HouseholdID: "hh_1", ManifestVersion: "2025.1",
		NoticeVersion: "n1", Method: hearth.MethodWeb, Actor: person,
		Statement: "I consent to my heart rate being used for insights.",
		Details:   []byte(`{"feature":"coach"}`), PrevHash: prev, Hash: []byte(fmt.Sprintf("hash-%d", seq)),
	}
}

// chain returns n linked entries starting at seq from, after prev.
func chain(from int64, n int, person string, prev []byte) []hearth.LedgerEntry {
	var out []hearth.LedgerEntry
	for i := range n {
		e := entry(from+int64(i), person, prev)
		out = append(out, e)
		prev = e.Hash
	}
	return out
}

// testLedger covers LedgerStore. CONSENT-LEDGER: the store keeps every
// field, enforces one entry per sequence number and refuses an append that
// does not continue the head, all or nothing.
func testLedger(t *testing.T, open func(t *testing.T) hearth.Store) {
	testChain(t, func(t *testing.T) hearth.LedgerStore { return open(t) })
}

// testChain covers the LedgerStore contract on the ledgers open returns:
// the consent ledger, or the audit log (audit.go).
func testChain(t *testing.T, open func(t *testing.T) hearth.LedgerStore) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.LedgerHead(ctx(t))
		wantCode(t, "LedgerHead of an empty ledger", err, hearth.ENOTFOUND)
		es := chain(1, 3, "p_a", nil)
		es[1].Person, es[1].Details, es[1].Statement = "p_b", nil, ""
		must(t, "AppendEntries", s.AppendEntries(ctx(t), es))
		got, err := s.LedgerEntries(ctx(t), 0, 0)
		must(t, "LedgerEntries", err)
		diff(t, "LedgerEntries", got, es)
		head, err := s.LedgerHead(ctx(t))
		must(t, "LedgerHead", err)
		diff(t, "LedgerHead", head, &es[2])
		got, err = s.LedgerEntriesFor(ctx(t), "p_a")
		must(t, "LedgerEntriesFor", err)
		diff(t, "LedgerEntriesFor p_a", got, []hearth.LedgerEntry{es[0], es[2]})
	})
	t.Run("Pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		es := chain(1, 5, "p_a", nil)
		must(t, "AppendEntries", s.AppendEntries(ctx(t), es[:2]))
		must(t, "AppendEntries", s.AppendEntries(ctx(t), es[2:]))
		got, err := s.LedgerEntries(ctx(t), 1, 2)
		must(t, "LedgerEntries", err)
		diff(t, "LedgerEntries after 1, limit 2", got, es[1:3])
		got, err = s.LedgerEntries(ctx(t), 5, 2)
		must(t, "LedgerEntries", err)
		diff(t, "LedgerEntries after the head", got, []hearth.LedgerEntry(nil))
	})
	t.Run("PagesAbout", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		es := chain(1, 6, "p_a", nil)
		es[1].Person, es[4].Person = "p_b", "p_b"
		must(t, "AppendEntries", s.AppendEntries(ctx(t), es))
		got, err := s.LedgerEntriesAbout(ctx(t), "p_a", 0, 2)
		must(t, "LedgerEntriesAbout", err)
		diff(t, "LedgerEntriesAbout p_a, first page of 2", got, []hearth.LedgerEntry{es[0], es[2]})
		got, err = s.LedgerEntriesAbout(ctx(t), "p_a", es[2].Seq, 2)
		must(t, "LedgerEntriesAbout", err)
		diff(t, "LedgerEntriesAbout p_a after seq 3", got, []hearth.LedgerEntry{es[3], es[5]})
		got, err = s.LedgerEntriesAbout(ctx(t), "p_a", es[5].Seq, 0)
		must(t, "LedgerEntriesAbout", err)
		diff(t, "LedgerEntriesAbout p_a after its last", got, []hearth.LedgerEntry(nil))
		got, err = s.LedgerEntriesAbout(ctx(t), "p_b", 0, 0)
		must(t, "LedgerEntriesAbout", err)
		diff(t, "LedgerEntriesAbout p_b", got, []hearth.LedgerEntry{es[1], es[4]})
	})
	t.Run("RefusesWhatDoesNotContinueTheHead", func(t *testing.T) {
		t.Parallel()
		first := chain(1, 2, "p_a", nil)
		tests := []struct {
			name string
			es   []hearth.LedgerEntry
			want string
		}{
			{"empty", nil, hearth.EINVALID},
			{"sequence taken", chain(2, 1, "p_a", first[0].Hash), hearth.ECONFLICT},
			{"gap", chain(4, 1, "p_a", first[1].Hash), hearth.ECONFLICT},
			{"wrong link", chain(3, 1, "p_a", []byte("hash-9")), hearth.ECONFLICT},
			{"link broken inside the batch", append(chain(3, 1, "p_a", first[1].Hash), entry(4, "p_a", []byte("x"))), hearth.ECONFLICT},
			{"first entry again", chain(1, 1, "p_a", nil), hearth.ECONFLICT},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := open(t)
				must(t, "AppendEntries", s.AppendEntries(ctx(t), first))
				wantCode(t, "AppendEntries", s.AppendEntries(ctx(t), tt.es), tt.want)
				got, err := s.LedgerEntries(ctx(t), 0, 0)
				must(t, "LedgerEntries", err)
				diff(t, "ledger after a refused append", got, first)
			})
		}
	})
	t.Run("FirstEntryMustBeOne", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantCode(t, "AppendEntries at 2 on an empty ledger", s.AppendEntries(ctx(t), chain(2, 1, "p_a", nil)), hearth.ECONFLICT)
		_, err := s.LedgerHead(ctx(t))
		wantCode(t, "LedgerHead", err, hearth.ENOTFOUND)
	})
}
