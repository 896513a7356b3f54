package ledger_test

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/sqlite"
)

// fixture is a ledger on a real SQLite store in a temporary directory.
type fixture struct {
	dir   string
	store *sqlite.DB
	l     *ledger.Ledger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	var mu sync.Mutex
	clock := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	return &fixture{dir: dir, store: store, l: ledger.New(store, now)}
}

// consentEntry is an entry about person, numbered n in its details.
func consentEntry(person string, n int) hearth.LedgerEntry {
	return hearth.LedgerEntry{
		Type: hearth.EntryConsentGiven, Person: person, Purpose: "insights", HouseholdID: "hh_1",
		ManifestVersion: "2025.1", NoticeVersion: "n1", Method: hearth.MethodApp, Actor: person,
		Statement: "I agree to my heart rate being used for insights.",
		Details:   fmt.Appendf(nil, `{ "n": %d }`, n),
	}
}

// appendN appends n entries, one per call.
func (f *fixture) appendN(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if _, err := f.l.Append(t.Context(), consentEntry("p_a", i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

// verify verifies the stored ledger.
func (f *fixture) verify(t *testing.T) (ledger.Head, error) {
	t.Helper()
	return ledger.Verify(ledger.Entries(t.Context(), f.store, 3))
}

// tamper runs SQL statements on hearth.db directly, around the adapter,
// after dropping the append-only triggers as an attacker with file access
// would.
func (f *fixture) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(f.dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	defer db.Close()
	stmts = append([]string{"DROP TRIGGER ledger_no_update", "DROP TRIGGER ledger_no_delete"}, stmts...)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// CONSENT-LEDGER: an untouched ledger verifies and reports its head.
func TestAppendAndVerify(t *testing.T) {
	f := newFixture(t)
	f.appendN(t, 7)
	out, err := f.l.Append(t.Context(), consentEntry("p_b", 7), consentEntry("p_b", 8))
	if err != nil {
		t.Fatalf("Append two: %v", err)
	}
	head, err := f.verify(t)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got, want := head.Seq, int64(9); got != want {
		t.Errorf("head Seq %d, want %d", got, want)
	}
	if got, want := fmt.Sprintf("%x", head.Hash), fmt.Sprintf("%x", out[1].Hash); got != want {
		t.Errorf("head Hash %s, want %s", got, want)
	}
	if got, want := string(out[0].Details), `{"n":7}`; got != want {
		t.Errorf("stored Details %s, want compact %s", got, want)
	}
}

// CONSENT-LEDGER: the append-only triggers refuse changes through SQL.
func TestStoreRefusesUpdateAndDelete(t *testing.T) {
	f := newFixture(t)
	f.appendN(t, 2)
	db, err := sql.Open("sqlite", filepath.Join(f.dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	defer db.Close()
	for _, s := range []string{"UPDATE ledger SET actor = 'p_x' WHERE seq = 1", "DELETE FROM ledger WHERE seq = 2"} {
		if _, err := db.Exec(s); err == nil {
			t.Errorf("%s: succeeded, want the append-only trigger to refuse it", s)
		}
	}
}

// CONSENT-LEDGER: altering any stored field of entry 3 is reported as
// entry 3 altered.
func TestVerifyDetectsAlteredField(t *testing.T) {
	sets := map[string]string{
		"seq":              "seq = 100",
		"time":             "time = time + 1000000000",
		"type":             "type = 'consent-refused'",
		"person":           "person = 'p_x'",
		"purpose":          "purpose = 'ads'",
		"household_id":     "household_id = 'hh_x'",
		"manifest_version": "manifest_version = '2026.1'",
		"notice_version":   "notice_version = 'n2'",
		"method":           "method = 'voice'",
		"actor":            "actor = 'p_guardian'",
		"statement":        "statement = 'I agree.'",
		"details":          `details = CAST('{"n":99}' AS BLOB)`,
		"prev_hash":        "prev_hash = zeroblob(32)",
		"hash":             "hash = zeroblob(32)",
	}
	for col, set := range sets {
		t.Run(col, func(t *testing.T) {
			f := newFixture(t)
			f.appendN(t, 5)
			f.tamper(t, "UPDATE ledger SET "+set+" WHERE seq = 3")
			_, err := f.verify(t)
			want := ledger.Altered
			if col == "seq" { // moved to the end: 3 is missing
				want = ledger.Missing
			}
			wantProblem(t, err, 3, want)
		})
	}
}

// CONSENT-LEDGER: removed and reordered entries are named.
func TestVerifyDetectsRemovedAndReordered(t *testing.T) {
	tests := []struct {
		name    string
		stmts   []string
		seq     int64
		kind    ledger.ProblemKind
		wantErr bool
	}{
		{"middle row deleted", []string{"DELETE FROM ledger WHERE seq = 3"}, 3, ledger.Missing, true},
		{"first row deleted", []string{"DELETE FROM ledger WHERE seq = 1"}, 1, ledger.Missing, true},
		{"two rows deleted", []string{"DELETE FROM ledger WHERE seq IN (2, 3)"}, 2, ledger.Missing, true},
		{"rows 3 and 4 swapped", swap(3, 4), 3, ledger.Reordered, true},
		{"rows 2 and 5 swapped", swap(2, 5), 2, ledger.Reordered, true},
		{"deleted and renumbered", []string{"DELETE FROM ledger WHERE seq = 3",
			"UPDATE ledger SET seq = seq - 1 WHERE seq > 3"}, 3, ledger.Altered, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.appendN(t, 6)
			f.tamper(t, tt.stmts...)
			_, err := f.verify(t)
			wantProblem(t, err, tt.seq, tt.kind)
		})
	}
}

// CONSENT-LEDGER: an entry altered and re-hashed breaks the next link, and
// the altered entry is the one named.
func TestVerifyDetectsRehashedEntry(t *testing.T) {
	f := newFixture(t)
	f.appendN(t, 4)
	es, err := f.store.LedgerEntries(t.Context(), 1, 1)
	if err != nil || len(es) != 1 {
		t.Fatalf("LedgerEntries: %v, %d entries", err, len(es))
	}
	e := es[0]
	e.Actor = "p_x"
	f.tamper(t, fmt.Sprintf("UPDATE ledger SET actor = 'p_x', hash = x'%x' WHERE seq = 2", ledger.Hash(&e)))
	_, err = f.verify(t)
	wantProblem(t, err, 2, ledger.Altered)
}

// swap returns statements that exchange the sequence numbers of rows a and b.
func swap(a, b int) []string {
	return []string{
		fmt.Sprintf("UPDATE ledger SET seq = 1000 WHERE seq = %d", a),
		fmt.Sprintf("UPDATE ledger SET seq = %d WHERE seq = %d", a, b),
		fmt.Sprintf("UPDATE ledger SET seq = %d WHERE seq = 1000", b),
	}
}

// wantProblem fails unless err is a *ledger.Problem about entry seq of kind.
func wantProblem(t *testing.T, err error, seq int64, kind ledger.ProblemKind) {
	t.Helper()
	var p *ledger.Problem
	if !errors.As(err, &p) {
		t.Fatalf("Verify error %v, want a *ledger.Problem", err)
	}
	if p.Seq != seq || p.Kind != kind {
		t.Errorf("Verify: entry %d %s (%v), want entry %d %s", p.Seq, p.Kind, err, seq, kind)
	}
}

// CONSENT-LEDGER: two ledgers on one store (as two processes would be)
// appending at once keep one unbroken chain; the store enforces sequence
// uniqueness and the loser of a race retries, with backoff, until it
// appends: every append lands.
func TestConcurrentWritersKeepOneChain(t *testing.T) {
	f := newFixture(t)
	other := ledger.New(f.store, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		l := f.l
		if i%2 == 1 {
			l = other
		}
		wg.Go(func() {
			_, err := l.Append(t.Context(), consentEntry("p_a", i))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Append: %v", err)
		}
	}
	if head, err := f.verify(t); err != nil || head.Seq != 40 {
		t.Errorf("Verify after 40 concurrent appends: head %d, %v; want 40 entries in one chain", head.Seq, err)
	}
}

// Bad entries are refused with a precise code and nothing is appended.
func TestAppendRefusesBadEntries(t *testing.T) {
	big := make([]byte, ledger.MaxFieldSize+1)
	tests := []struct {
		name   string
		modify func(e *hearth.LedgerEntry)
		want   string
	}{
		{"no type", func(e *hearth.LedgerEntry) { e.Type = "" }, hearth.EINVALID},
		{"unknown method", func(e *hearth.LedgerEntry) { e.Method = "fax" }, hearth.EINVALID},
		{"details not an object", func(e *hearth.LedgerEntry) { e.Details = []byte(`[1]`) }, hearth.EINVALID},
		{"details not JSON", func(e *hearth.LedgerEntry) { e.Details = []byte(`{`) }, hearth.EINVALID},
		{"statement too large", func(e *hearth.LedgerEntry) { e.Statement = string(big) }, hearth.ETOOLARGE},
		{"statement not UTF-8", func(e *hearth.LedgerEntry) { e.Statement = "\xff" }, hearth.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			bad := consentEntry("p_a", 1)
			tt.modify(&bad)
			_, err := f.l.Append(t.Context(), consentEntry("p_a", 0), bad)
			if got := hearth.ErrorCode(err); got != tt.want {
				t.Errorf("Append error code %q (%v), want %q", got, err, tt.want)
			}
			if head, err := f.verify(t); err != nil || head.Seq != 0 {
				t.Errorf("after a refused append: head %d, err %v; want an empty ledger", head.Seq, err)
			}
		})
	}
}
