package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/postgres"
)

// Two nodes appending to one ledger at once keep it one hash chain
// (CONSENT-LEDGER): every append lands and is in the chain once,
// the entries of one append stay next to each other, and ledger.Verify
// finds no break. Each node is its own store (its own pools) with its own
// ledger.Ledger, as two Hearth processes on the same databases are.
func TestLedgerTwoNodesAppendOneChain(t *testing.T) {
	data, keys := pgtest.Store(t)
	const (
		nodes     = 2
		workers   = 3  // goroutines per node, sharing the node's Ledger
		perWorker = 20 // appends per goroutine, each of two entries
	)
	stores := make([]*postgres.DB, nodes)
	for i := range stores {
		db, err := postgres.Open(t.Context(), data, keys)
		if err != nil {
			t.Fatalf("Open node %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		stores[i] = db
	}
	var wg sync.WaitGroup
	errs := make(chan error, nodes*workers)
	for n, db := range stores {
		l := ledger.New(db, nil)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					if err := appendPair(t.Context(), l, fmt.Sprintf("n%d-w%d-%d", n, w, i)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	head, err := ledger.Verify(ledger.Entries(t.Context(), stores[1], 7))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := int64(nodes * workers * perWorker * 2); head.Seq != want {
		t.Errorf("head at %d, want %d entries", head.Seq, want)
	}
	all, err := stores[0].LedgerEntries(t.Context(), 0, nodes*workers*perWorker*2+1)
	if err != nil {
		t.Fatalf("LedgerEntries: %v", err)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(all); i += 2 {
		a, b := all[i], all[i+1]
		if a.Purpose != b.Purpose || a.Statement != "1" || b.Statement != "2" {
			t.Fatalf("entries %d and %d are not one append's pair: %q/%q, %q/%q", a.Seq, b.Seq, a.Purpose, a.Statement, b.Purpose, b.Statement)
		}
		if seen[a.Purpose] {
			t.Fatalf("append %s is in the ledger twice", a.Purpose)
		}
		seen[a.Purpose] = true
	}
	if len(seen) != nodes*workers*perWorker {
		t.Errorf("%d appends in the ledger, want %d", len(seen), nodes*workers*perWorker)
	}
}

// appendPair appends two entries marked with call as one unit. Losing the
// race for the head to another node is no excuse: ledger.Append retries,
// so every append must land.
func appendPair(ctx context.Context, l *ledger.Ledger, call string) error {
	e := hearth.LedgerEntry{Type: hearth.EntryConsentGiven, Person: "p_" + call, Purpose: call, Method: hearth.MethodAPI}
	first, second := e, e
	first.Statement, second.Statement = "1", "2"
	if _, err := l.Append(ctx, first, second); err != nil {
		return fmt.Errorf("append %s: %w", call, err)
	}
	return nil
}

// Two stores appending the same next entry at once: exactly one wins and
// the other gets ECONFLICT, whatever the timing, and the ledger holds the
// winner's entry only.
func TestLedgerRaceForTheHead(t *testing.T) {
	data, keys := pgtest.Store(t)
	a, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer a.Close()
	b, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	var prev []byte
	for seq := int64(1); seq <= 30; seq++ {
		entries := [2]hearth.LedgerEntry{}
		results := [2]error{}
		var wg sync.WaitGroup
		for i, db := range []*postgres.DB{a, b} {
			entries[i] = hearth.LedgerEntry{Seq: seq, Type: hearth.EntryConsentGiven, Person: fmt.Sprintf("node%d", i),
				PrevHash: prev, Hash: []byte(fmt.Sprintf("hash-%d-%d", seq, i))}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = db.AppendEntries(t.Context(), entries[i:i+1])
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range results {
			switch hearth.ErrorCode(err) {
			case "":
				if err != nil {
					t.Fatalf("seq %d node %d: %v", seq, i, err)
				}
				if winner >= 0 {
					t.Fatalf("seq %d: both nodes appended", seq)
				}
				winner = i
			case hearth.ECONFLICT:
			default:
				t.Fatalf("seq %d node %d: %v, want success or ECONFLICT", seq, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("seq %d: neither node appended", seq)
		}
		head, err := b.LedgerHead(t.Context())
		if err != nil {
			t.Fatalf("LedgerHead: %v", err)
		}
		if head.Seq != seq || head.Person != entries[winner].Person {
			t.Fatalf("head %d by %s, want %d by %s", head.Seq, head.Person, seq, entries[winner].Person)
		}
		prev = entries[winner].Hash
	}
}
