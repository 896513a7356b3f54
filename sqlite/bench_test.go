package sqlite_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/sqlite"
)

// BenchmarkInsertReadings measures the adapter's durable InsertReadings
// (one transaction, synced, per batch) with reading-shaped rows carrying a
// 200-byte sealed payload: the storage ceiling of the benchmark script.
// It reports rows/s.
func BenchmarkInsertReadings(b *testing.B) {
	for _, size := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, err := sqlite.Open(b.TempDir())
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			defer db.Close()
			sealed := make([]byte, 200)
			rand.Read(sealed)
			batch := make([]hearth.Reading, size)
			now := time.Now()
			var seq int
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					seq++
					batch[i] = hearth.Reading{
						DeviceID: fmt.Sprintf("dev_%04d", seq%1000), HouseholdID: fmt.Sprintf("hh_%04d", seq%1000),
						Category: "temperature", MsgID: fmt.Sprintf("m%09d", seq),
						Time: now, Received: now, Sealed: sealed,
					}
				}
				if _, err := db.InsertReadings(b.Context(), batch); err != nil {
					b.Fatalf("InsertReadings: %v", err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
