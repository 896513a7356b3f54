package postgres_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
)

// A destroyed key is gone from the key table's pages, not only from
// queries: its line pointer is freed, so nothing that reads the table finds
// the row again (RIGHT-ERASE, crypto-shredding). Read with pageinspect,
// below the adapter.
func TestDeleteKeyLeavesNoRow(t *testing.T) {
	data, keys := pgtest.Store(t)
	db, err := postgres.Open(t.Context(), data, keys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	for _, s := range []string{"p_gone", "p_kept"} {
		k := &hearth.WrappedKey{ID: "k_" + s, Subject: s, KEKID: "kek1", Wrapped: []byte("wrapped-" + s), Created: time.Unix(1, 0)}
		if err := db.PutKey(t.Context(), k); err != nil {
			t.Fatalf("PutKey: %v", err)
		}
	}
	exec(t, keys, "CREATE EXTENSION IF NOT EXISTS pageinspect")
	tuples := func() int {
		t.Helper()
		var n int
		query(t, keys, "SELECT count(*) FROM heap_page_items(get_raw_page('keys', 0)) WHERE t_data IS NOT NULL", &n)
		return n
	}
	if n := tuples(); n != 2 {
		t.Fatalf("%d tuples in the page before, want 2", n)
	}
	if err := db.DeleteKey(t.Context(), "p_gone"); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if n := tuples(); n != 1 {
		t.Errorf("%d tuples in the page after DeleteKey, want 1 (the kept key's)", n)
	}
	if _, err := db.Key(t.Context(), "p_kept"); err != nil {
		t.Errorf("Key of the kept subject: %v", err)
	}
}
