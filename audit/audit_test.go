package audit_test

import (
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/sqlite"
)

// fixture is an audit Logger on a real SQLite store.
type fixture struct {
	dir   string
	db    *sqlite.DB
	store hearth.LedgerStore
	log   *audit.Logger
}

// auditTable and its append-only triggers, which tamper drops.
var (
	auditTable    = "audit"
	auditTriggers = []string{"audit_no_update", "audit_no_delete"}
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	store := auditLog(db)
	l := audit.New(audit.Config{Store: store, QueueSize: 64, MaxBatch: 16})
	t.Cleanup(func() { l.Close(t.Context()) })
	return &fixture{dir: dir, db: db, store: store, log: l}
}

// access is an access entry by actor to person's data.
func access(actor, person string, n int) hearth.LedgerEntry {
	kind := audit.Member
	if actor == person {
		kind = audit.Self
	}
	return hearth.LedgerEntry{Type: audit.Access, Person: person, Actor: actor, HouseholdID: "hh_1",
		Purpose: "insights", Method: hearth.MethodAPI,
		Details: audit.Details{ActorKind: kind, Action: "GET /v1/households/{hh}/readings", Target: fmt.Sprint(n)}.JSON()}
}

// tamper runs SQL on hearth.db directly, after dropping the append-only
// triggers as an attacker with file access would.
func (f *fixture) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(f.dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	defer db.Close()
	for _, tr := range auditTriggers {
		stmts = append([]string{"DROP TRIGGER " + tr}, stmts...)
	}
	for _, s := range stmts {
		if _, err := db.Exec(strings.ReplaceAll(s, "$T", auditTable)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func (f *fixture) recordN(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if err := f.log.Record(t.Context(), access("p_b", "p_a", i)); err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
}

// AUDIT: many goroutines recording at once are group-committed into one
// unbroken chain; every Record returns only after its entry is stored, and
// each entry is stored once.
func TestGroupCommitKeepsChain(t *testing.T) {
	f := newFixture(t)
	const n = 300
	var wg sync.WaitGroup
	seqs := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			e, err := f.log.Append(t.Context(), access("p_b", fmt.Sprintf("p_%d", i%7), i))
			if err != nil {
				t.Errorf("Append %d: %v", i, err)
				return
			}
			stored, err := f.store.LedgerEntries(t.Context(), e.Seq-1, 1)
			if err != nil || len(stored) != 1 || string(stored[0].Hash) != string(e.Hash) {
				t.Errorf("entry %d not stored when Append returned: %v", e.Seq, err)
			}
			seqs <- e.Seq
		})
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for s := range seqs {
		if seen[s] {
			t.Errorf("seq %d returned twice", s)
		}
		seen[s] = true
	}
	head, err := f.log.Verify(t.Context())
	if err != nil || head.Seq != n {
		t.Errorf("Verify: head %d, %v; want %d entries in one chain", head.Seq, err, n)
	}
}

// AUDIT: entry times keep their nanoseconds through the store.
func TestNanosecondTimes(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 12, 1, 14, 30, 0, 123456789, time.UTC)
	e := access("p_a", "p_a", 1)
	e.Time = at
	if err := f.log.Record(t.Context(), e); err != nil {
		t.Fatalf("Record: %v", err)
	}
	es, err := f.store.LedgerEntriesFor(t.Context(), "p_a")
	if err != nil || len(es) != 1 {
		t.Fatalf("LedgerEntriesFor: %d, %v", len(es), err)
	}
	if !es[0].Time.Equal(at) {
		t.Errorf("stored time %s, want %s", es[0].Time.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
	}
	if d := audit.ParseDetails(es[0].Details); d.ActorKind != audit.Self || d.Action == "" {
		t.Errorf("stored details %+v, want actor_kind self and the action", d)
	}
}

// AUDIT: a bad entry fails alone; the good entries batched with it are
// stored. Close flushes, and Record after Close is refused.
func TestBadEntryAndClose(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			e := access("p_b", "p_a", i)
			if i == 4 {
				e.Details = []byte("[1]")
			}
			errs[i] = f.log.Record(t.Context(), e)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if want := i == 4; (hearth.ErrorCode(err) == hearth.EINVALID) != want || (err != nil) != want {
			t.Errorf("Record %d: %v", i, err)
		}
	}
	if err := f.log.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.log.Record(t.Context(), access("p_b", "p_a", 11)); hearth.ErrorCode(err) != hearth.EUNAVAILABLE {
		t.Errorf("Record after Close: %v, want EUNAVAILABLE", err)
	}
	if head, err := audit.Verify(t.Context(), f.store); err != nil || head.Seq != 9 {
		t.Errorf("Verify: head %d, %v; want the 9 good entries", head.Seq, err)
	}
}

// AUDIT: changing an entry's column directly in SQLite, or reordering
// entries, is detected and the entry named.
func TestTamperingDetected(t *testing.T) {
	tests := []struct {
		name  string
		stmts []string
		seq   int64
		kind  ledger.ProblemKind
	}{
		{"actor changed", []string{"UPDATE $T SET actor = 'p_x' WHERE seq = 3"}, 3, ledger.Altered},
		{"person changed", []string{"UPDATE $T SET person = 'p_x' WHERE seq = 2"}, 2, ledger.Altered},
		{"time moved by a microsecond", []string{"UPDATE $T SET time = time + 1000 WHERE seq = 4"}, 4, ledger.Altered},
		{"purpose changed", []string{"UPDATE $T SET purpose = 'billing' WHERE seq = 1"}, 1, ledger.Altered},
		{"details changed", []string{`UPDATE $T SET details = CAST('{"actor_kind":"self"}' AS BLOB) WHERE seq = 5`}, 5, ledger.Altered},
		{"reordered", []string{"UPDATE $T SET seq = 1000 WHERE seq = 2", "UPDATE $T SET seq = 2 WHERE seq = 3",
			"UPDATE $T SET seq = 3 WHERE seq = 1000"}, 2, ledger.Reordered},
		{"middle deleted", []string{"DELETE FROM $T WHERE seq = 3"}, 3, ledger.Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.recordN(t, 6)
			f.tamper(t, tt.stmts...)
			_, err := f.log.Verify(t.Context())
			var p *ledger.Problem
			if !errors.As(err, &p) || p.Seq != tt.seq || p.Kind != tt.kind {
				t.Errorf("Verify: %v; want entry %d %s", err, tt.seq, tt.kind)
			}
			if !audit.IsBreak(err) {
				t.Errorf("IsBreak(%v) = false", err)
			}
		})
	}
}

// AUDIT: deleting the last entries leaves a chain that verifies, but the
// anchor written before detects the truncation; a chain rewritten from
// the anchored entry on is detected too.
func TestAnchorDetectsTruncationAndRewrite(t *testing.T) {
	f := newFixture(t)
	f.recordN(t, 6)
	head, err := f.log.Verify(t.Context())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	a := audit.NewAnchor(ledger.Audit, head)
	if err := audit.CheckAnchor(t.Context(), f.store, a); err != nil {
		t.Fatalf("CheckAnchor on the untouched chain: %v", err)
	}
	f.recordN(t, 2) // entries after the anchor are fine
	if err := audit.CheckAnchor(t.Context(), f.store, a); err != nil {
		t.Fatalf("CheckAnchor after more entries: %v", err)
	}

	f.tamper(t, "DELETE FROM $T WHERE seq >= 5")
	if h, err := f.log.Verify(t.Context()); err != nil || h.Seq != 4 {
		t.Fatalf("Verify after cutting the end: head %d, %v; want an intact chain of 4", h.Seq, err)
	}
	var ae *audit.AnchorError
	if err := audit.CheckAnchor(t.Context(), f.store, a); !errors.As(err, &ae) || ae.Kind != "truncated" || ae.Head != 4 {
		t.Errorf("CheckAnchor after truncation: %v; want truncated at 4", err)
	}

	// Rewritten: re-record new entries 5 and 6 with a fresh Logger: the
	// chain verifies, but entry 6 has another hash.
	l2 := audit.New(audit.Config{Store: f.store})
	defer l2.Close(t.Context())
	for i := range 2 {
		if err := l2.Record(t.Context(), access("p_c", "p_a", 100+i)); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if _, err := l2.Verify(t.Context()); err != nil {
		t.Fatalf("Verify the rewritten chain: %v", err)
	}
	if err := audit.CheckAnchor(t.Context(), f.store, a); !errors.As(err, &ae) || ae.Kind != "rewritten" {
		t.Errorf("CheckAnchor after rewrite: %v; want rewritten", err)
	}
}

// AUDIT: a signed anchor verifies with its key only, and any change to it
// breaks the signature; anchor files round-trip.
func TestAnchorSignature(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	a := audit.NewAnchor(ledger.Audit, ledger.Head{Seq: 7, Hash: make([]byte, 32), Time: time.Unix(0, 1764599400123456789)})
	if err := a.VerifySignature([]ed25519.PublicKey{pub}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("unsigned anchor verified: %v", err)
	}
	a.Sign(priv)
	if err := a.VerifySignature([]ed25519.PublicKey{other, pub}); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	if err := a.VerifySignature([]ed25519.PublicKey{other}); err == nil {
		t.Error("signature accepted without its key")
	}
	path := filepath.Join(t.TempDir(), "anchors")
	if err := audit.AppendAnchor(path, a); err != nil {
		t.Fatal(err)
	}
	b := a
	b.Seq = 8
	if err := audit.AppendAnchor(path, b); err != nil {
		t.Fatal(err)
	}
	as, err := readAnchors(path)
	if err != nil || len(as) != 2 {
		t.Fatalf("ParseAnchors: %d, %v", len(as), err)
	}
	if err := as[0].VerifySignature([]ed25519.PublicKey{pub}); err != nil || !as[0].Time.Equal(a.Time) {
		t.Errorf("round-tripped anchor: %v, time %v", err, as[0].Time)
	}
	if err := as[1].VerifySignature([]ed25519.PublicKey{pub}); err == nil {
		t.Error("an altered anchor kept its signature")
	}
}

// Malformed anchor lines are refused with a message naming the line.
func TestParseAnchorsRefuses(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	tests := map[string]string{
		"not JSON":        "seq 1",
		"unknown field":   `{"format":"hearth-audit/1","seq":1,"hash":"` + hash + `","time":"2026-12-01T00:00:00Z","x":1}`,
		"bad format":      `{"format":"x","seq":1,"hash":"` + hash + `","time":"2026-12-01T00:00:00Z"}`,
		"short hash":      `{"format":"hearth-audit/1","seq":1,"hash":"abcd","time":"2026-12-01T00:00:00Z"}`,
		"upper hash":      `{"format":"hearth-audit/1","seq":1,"hash":"` + strings.ToUpper(hash) + `","time":"2026-12-01T00:00:00Z"}`,
		"negative seq":    `{"format":"hearth-audit/1","seq":-1,"hash":"","time":"2026-12-01T00:00:00Z"}`,
		"key without sig": `{"format":"hearth-audit/1","seq":1,"hash":"` + hash + `","time":"2026-12-01T00:00:00Z","key_id":"ab"}`,
		"two objects":     `{"format":"hearth-audit/1","seq":0,"hash":"","time":"2026-12-01T00:00:00Z"} {}`,
	}
	for name, line := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := audit.ParseAnchors(strings.NewReader("\n" + line + "\n"))
			if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(hearth.ErrorMessage(err), "anchor line 2") {
				t.Errorf("ParseAnchors: %v; want EINVALID naming line 2", err)
			}
		})
	}
	long := strings.Repeat(" ", audit.MaxAnchorLine+1)
	if _, err := audit.ParseAnchors(strings.NewReader(long + "x")); hearth.ErrorCode(err) != hearth.ETOOLARGE {
		t.Errorf("long line: %v, want ETOOLARGE", err)
	}
}

// AUDIT: Latest gives a person the newest of their entries, newest first,
// across the store's pages, and none of anyone else's.
func TestLatest(t *testing.T) {
	f := newFixture(t)
	const n = 1100 // more than two of Latest's pages about p_a
	es := make([]hearth.LedgerEntry, 0, 2*n)
	for i := range n {
		es = append(es, access("p_b", "p_a", i), access("p_b", "p_c", i))
	}
	if _, err := ledger.NewFormat(f.store, ledger.Audit, nil).Append(t.Context(), es...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	for _, limit := range []int{0, 1, 7, n, n + 50} {
		got, err := f.log.Latest(t.Context(), "p_a", limit)
		if err != nil {
			t.Fatalf("Latest(%d): %v", limit, err)
		}
		if want := min(limit, n); len(got) != want {
			t.Fatalf("Latest(%d) gave %d entries, want %d", limit, len(got), want)
		}
		for i, e := range got {
			// p_a's entries are the odd sequence numbers 1, 3, …, 2n-1.
			if want := int64(2*(n-i) - 1); e.Seq != want || e.Person != "p_a" {
				t.Fatalf("Latest(%d)[%d] = seq %d of %q, want seq %d of p_a", limit, i, e.Seq, e.Person, want)
			}
		}
	}
}
