package postgres_test

import (
	"fmt"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
)

// Checkpoint vacuums readings, so that the rows DeleteReadings deleted no
// longer take space or index entries (RIGHT-ERASE).
func TestCheckpointVacuumsDeletedReadings(t *testing.T) {
	data, keys := pgtest.Store(t)
	db := openOn(t, data, keys)
	fixture(t, data, 1)
	var rs []hearth.Reading
	for i := range 50 {
		r := rd(0, fmt.Sprintf("m%d", i))
		r.PersonID = "p_1"
		rs = append(rs, r)
	}
	if _, err := db.InsertReadings(t.Context(), rs); err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	n, err := db.DeleteReadings(t.Context(), hearth.ErasureFilter{PersonID: "p_1"}, 100)
	if err != nil || n != 50 {
		t.Fatalf("DeleteReadings = %d, %v; want 50", n, err)
	}
	if err := db.Checkpoint(t.Context()); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	var vacuumed bool
	var dead int64
	query(t, data, "SELECT last_vacuum IS NOT NULL, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'readings'", &vacuumed, &dead)
	if !vacuumed || dead != 0 {
		t.Errorf("after Checkpoint: vacuumed %v, %d dead rows; want true, 0", vacuumed, dead)
	}
}
