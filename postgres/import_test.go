package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
)

// personImport returns an import of export id: a person in household
// hh_0 with one ledger entry and readings m0 … m{n-1} of device dev_0.
func personImport(id string, n int) *hearth.PersonImport {
	p := hearth.Person{ID: "p_" + id, HouseholdID: "hh_0", DisplayName: "Imported", Created: time.Unix(1, 0)}
	return &hearth.PersonImport{
		ExportID: id, Person: p,
		Members: []hearth.Member{{HouseholdID: "hh_0", PersonID: p.ID, Role: hearth.RoleAdult, Added: time.Unix(1, 0)}},
		Entries: []hearth.LedgerEntry{{Time: time.Unix(1, 0), Type: hearth.EntryConsentImported, Person: p.ID, Details: []byte(`{}`)}},
		Link: func(seq int64, prev []byte, es []hearth.LedgerEntry) {
			for i := range es {
				seq++
				es[i].Seq, es[i].PrevHash, es[i].Hash = seq, prev, fmt.Appendf(nil, "hash-%d", seq)
				prev = es[i].Hash
			}
		},
		Readings: func(ctx context.Context, insert func([]hearth.Reading) error) error {
			for i := range n {
				if err := insert([]hearth.Reading{rd(0, fmt.Sprintf("m%d", i))}); err != nil {
					return err
				}
			}
			return nil
		},
		Imported: time.Unix(2, 0),
	}
}

// RIGHT-PORT: two nodes importing the same export at once apply it once:
// one succeeds, the other gets ECONFLICT, and its readings and ledger
// entry are stored once. Two nodes importing different exports at once
// both chain their entries onto one ledger; the readings they share are
// stored once.
func TestImportPersonTwoNodes(t *testing.T) {
	data, keys := pgtest.Store(t)
	nodes := []*postgres.DB{openOn(t, data, keys), openOn(t, data, keys)}
	fixture(t, data, 1)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = n.ImportPerson(context.Background(), personImport("ex_same", 20)) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || hearth.ErrorCode(errs[0])+hearth.ErrorCode(errs[1]) != hearth.ECONFLICT {
		t.Fatalf("the same export imported on two nodes: %v, %v; want one nil, one ECONFLICT", errs[0], errs[1])
	}
	for i, n := range nodes {
		wg.Go(func() { errs[i] = n.ImportPerson(context.Background(), personImport(fmt.Sprintf("ex_%d", i), 5)) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("two exports imported on two nodes: %v, %v", errs[0], errs[1])
	}
	var readings, entries, maxSeq int
	query(t, data, "SELECT count(*) FROM readings", &readings)
	query(t, data, "SELECT count(*), max(seq) FROM ledger", &entries, &maxSeq)
	if readings != 20 || entries != 3 || maxSeq != 3 {
		t.Errorf("%d readings, %d ledger entries up to seq %d; want 20, 3, 3", readings, entries, maxSeq)
	}
}
