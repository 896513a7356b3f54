package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// TestInsertReadingsLargeBatches shows that batches larger than one INSERT
// statement report exactly which readings were stored and give each the ID
// it was stored under, with resends scattered through them: of a reading
// stored by an earlier call, of one earlier in the same statement, and of
// one in an earlier statement of the same batch.
func TestInsertReadingsLargeBatches(t *testing.T) {
	db := open(t)
	defer db.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	reading := func(dev, msg string) hearth.Reading {
		return hearth.Reading{DeviceID: dev, HouseholdID: "hh_1", Category: "temperature", MsgID: msg,
			Time: now, Received: now, Sealed: []byte("sealed")}
	}
	if _, err := db.InsertReadings(ctx, []hearth.Reading{reading("d0", "old")}); err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	for _, size := range []int{1, 127, 128, 129, 300, 700} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rs := make([]hearth.Reading, size)
			want := make([]bool, size)
			for i := range rs {
				rs[i], want[i] = reading(fmt.Sprintf("d%d", i%7), fmt.Sprintf("n%d-%d", size, i)), true
				switch {
				case i%50 == 3:
					rs[i], want[i] = reading("d0", "old"), false // stored by an earlier call
				case i%50 == 7 && i > 0:
					rs[i], want[i] = rs[i-1], false // earlier in the same statement
				case i%200 == 150:
					rs[i], want[i] = rs[10], false // in an earlier statement of the batch
				}
			}
			stored, err := db.InsertReadings(ctx, rs)
			if err != nil {
				t.Fatalf("InsertReadings: %v", err)
			}
			ids := map[[2]string]int64{}
			var after int64
			for {
				page, err := db.Readings(ctx, hearth.ReadingFilter{HouseholdID: "hh_1", After: after})
				if err != nil {
					t.Fatalf("Readings: %v", err)
				}
				if len(page) == 0 {
					break
				}
				for _, r := range page {
					ids[[2]string{r.DeviceID, r.MsgID}] = r.ID
				}
				after = page[len(page)-1].ID
			}
			var last int64
			for i := range rs {
				if (stored[i] == hearth.Stored) != want[i] {
					t.Fatalf("reading %d: stored = %v, want %v", i, stored[i], want[i])
				}
				if stored[i] != hearth.Stored {
					continue
				}
				if id := ids[[2]string{rs[i].DeviceID, rs[i].MsgID}]; rs[i].ID != id || id <= last {
					t.Fatalf("reading %d: ID %d, stored under %d, after %d; want the stored ID, increasing", i, rs[i].ID, id, last)
				}
				last = rs[i].ID
			}
		})
	}
}
