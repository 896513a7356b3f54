package sqlite_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkBackupRestore measures Backup (VACUUM INTO) and Restore (copy,
// checks including integrity_check, rename) of a hearth.db holding 200,000
// reading-shaped rows with 200-byte sealed payloads, against a plain copy
// of the same file (os.ReadFile + os.WriteFile) as the floor. It reports
// MB/s of the database file.
func BenchmarkBackupRestore(b *testing.B) {
	dir := b.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	sealed := make([]byte, 200)
	rand.Read(sealed)
	now := time.Now()
	batch := make([]hearth.Reading, 500)
	for n := range 400 {
		for i := range batch {
			seq := n*len(batch) + i
			batch[i] = hearth.Reading{DeviceID: fmt.Sprintf("dev_%04d", seq%1000), HouseholdID: fmt.Sprintf("hh_%04d", seq%1000),
				Category: "temperature", MsgID: fmt.Sprintf("m%09d", seq), Time: now, Received: now, Sealed: sealed}
		}
		if _, err := db.InsertReadings(b.Context(), batch); err != nil {
			b.Fatalf("InsertReadings: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, sqlite.DataFile)
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "backup.db")
	mbps := func(b *testing.B) { b.ReportMetric(float64(fi.Size())*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s") }
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			data, err := os.ReadFile(src)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(out, data, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		mbps(b)
	})
	b.Run("backup", func(b *testing.B) {
		for b.Loop() {
			if _, err := sqlite.Backup(b.Context(), dir, out, sqlite.BackupOptions{Force: true}); err != nil {
				b.Fatal(err)
			}
		}
		mbps(b)
	})
	b.Run("restore", func(b *testing.B) {
		for b.Loop() {
			if _, err := sqlite.Restore(b.Context(), dir, out, sqlite.RestoreOptions{Force: true}); err != nil {
				b.Fatal(err)
			}
		}
		mbps(b)
	})
}
