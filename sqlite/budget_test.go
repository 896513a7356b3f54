package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

// PET-DP: spends racing through two stores open on one directory (as two
// processes would be) never exceed a dataset's budget together: each spend
// sums and inserts under the file's write lock (BEGIN IMMEDIATE).
func TestSpendPrivacyBudgetAcrossStores(t *testing.T) {
	dir := t.TempDir()
	var dbs []*sqlite.DB
	for range 2 {
		db, err := sqlite.Open(dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	const n, fit = 16, 5 // sixteen spends of 0.2 race for a budget of 1.0
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := hearth.PrivacySpend{Dataset: "presence", Epsilon: 0.2, Query: "count", Actor: "cli", Time: time.Unix(100, int64(i))}
			errs[i] = dbs[i%2].SpendPrivacyBudget(t.Context(), s, 1.0, 0)
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch hearth.ErrorCode(err) {
		case "":
			if err != nil {
				t.Errorf("spend %d: %v", i, err)
				continue
			}
			ok++
		case hearth.EREFUSED:
		default:
			t.Errorf("spend %d: %v, want success or EREFUSED", i, err)
		}
	}
	if ok != fit {
		t.Errorf("%d of %d racing spends recorded, want %d", ok, n, fit)
	}
	got, err := dbs[1].PrivacySpends(t.Context(), "presence")
	if err != nil || len(got) != fit {
		t.Errorf("PrivacySpends = %d spends, %v; want %d", len(got), err, fit)
	}
}

// AUDIT: the audit log refuses UPDATE and DELETE even from outside
// Hearth's code; the hash chain detects what gets around that.
func TestAuditLogAppendOnly(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	e := hearth.LedgerEntry{Seq: 1, Time: time.Unix(1, 5), Type: "access", Person: "p_1", Hash: []byte("h1")}
	if err := db.AuditLog().AppendEntries(t.Context(), []hearth.LedgerEntry{e}); err != nil {
		t.Fatalf("AppendEntries: %v", err)
	}
	conn, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{"UPDATE audit SET person = 'p_2'", "DELETE FROM audit"} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s succeeded, want it refused", stmt)
		}
	}
	got, err := db.AuditLog().LedgerEntries(t.Context(), 0, 0)
	if err != nil || len(got) != 1 || got[0].Person != "p_1" || !got[0].Time.Equal(e.Time) {
		t.Errorf("audit log after refused changes = %v, %v; want the one entry unchanged", got, err)
	}
}
