//go:build driverbench

// Driver comparison: pure-Go modernc.org/sqlite against cgo
// github.com/mattn/go-sqlite3, on the same schema, pragmas and rows. Kept
// behind the driverbench build tag so that normal builds stay cgo-free:
//
//	go test -tags driverbench -run x -bench Driver -benchmem ./sqlite/

package sqlite_test

import (
	crand "crypto/rand"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

// benchDrivers are the two candidates, each with WAL and synchronous=FULL.
var benchDrivers = []struct {
	name, driver, params string
}{
	{"modernc", "sqlite", "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"},
	{"mattn", "sqlite3", "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"},
}

const benchSchema = `CREATE TABLE readings (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id TEXT NOT NULL, household_id TEXT NOT NULL, person_id TEXT,
	category TEXT NOT NULL, msg_id TEXT NOT NULL,
	time INTEGER NOT NULL, received INTEGER NOT NULL, inferred INTEGER NOT NULL,
	sealed BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX readings_device_msg ON readings(device_id, msg_id);
CREATE INDEX readings_household ON readings(household_id, id);`

const benchInsert = `INSERT INTO readings
	(device_id, household_id, person_id, category, msg_id, time, received, inferred, sealed)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, msg_id) DO NOTHING`

// openBench opens a fresh database file with one connection.
func openBench(b *testing.B, driver, params string) *sql.DB {
	b.Helper()
	db, err := sql.Open(driver, filepath.Join(b.TempDir(), "bench.db")+params)
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(benchSchema); err != nil {
		b.Fatalf("schema: %v", err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		b.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
	var sync int
	if err := db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		b.Fatalf("synchronous %d (%v), want 2 (FULL)", sync, err)
	}
	return db
}

// insertBatch inserts n reading-shaped rows from seq on, in one transaction.
func insertBatch(b *testing.B, db *sql.DB, seq, n int, sealed []byte) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatalf("begin: %v", err)
	}
	stmt, err := tx.Prepare(benchInsert)
	if err != nil {
		b.Fatalf("prepare: %v", err)
	}
	now := time.Now().UnixNano()
	for i := seq; i < seq+n; i++ {
		_, err := stmt.Exec(fmt.Sprintf("dev_%04d", i%1000), fmt.Sprintf("hh_%04d", i%1000), nil,
			"temperature", fmt.Sprintf("m%09d", i), now, now, false, sealed)
		if err != nil {
			b.Fatalf("insert: %v", err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatalf("commit: %v", err)
	}
}

// mallocs returns the process's heap allocation count so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// BenchmarkDriverInsert measures durable batched inserts: rows/s and Go
// heap allocations per row, for each driver and batch size.
func BenchmarkDriverInsert(b *testing.B) {
	sealed := make([]byte, 200)
	crand.Read(sealed)
	for _, size := range []int{1, 64, 512} {
		for _, d := range benchDrivers {
			b.Run(fmt.Sprintf("batch=%d/driver=%s", size, d.name), func(b *testing.B) {
				db := openBench(b, d.driver, d.params)
				seq := 0
				b.ReportAllocs()
				start := mallocs()
				for b.Loop() {
					insertBatch(b, db, seq, size, sealed)
					seq += size
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(mallocs()-start)/float64(b.N*size), "allocs/row")
			})
		}
	}
}

// BenchmarkDriverPointRead measures reads of one whole row by primary key
// from a 100,000-row table: reads/s and allocations per read.
func BenchmarkDriverPointRead(b *testing.B) {
	const rows = 100_000
	sealed := make([]byte, 200)
	crand.Read(sealed)
	for _, d := range benchDrivers {
		b.Run("driver="+d.name, func(b *testing.B) {
			db := openBench(b, d.driver, d.params)
			for seq := 0; seq < rows; seq += 1000 {
				insertBatch(b, db, seq, 1000, sealed)
			}
			stmt, err := db.Prepare("SELECT id, device_id, household_id, person_id, category, msg_id, time, received, inferred, sealed FROM readings WHERE id = ?")
			if err != nil {
				b.Fatalf("prepare: %v", err)
			}
			defer stmt.Close()
			var (
				id, t, recv       int64
				dev, hh, cat, msg string
				person            sql.NullString
				inferred          bool
				blob              []byte
			)
			b.ReportAllocs()
			for b.Loop() {
				err := stmt.QueryRow(rand.Int64N(rows)+1).Scan(&id, &dev, &hh, &person, &cat, &msg, &t, &recv, &inferred, &blob)
				if err != nil {
					b.Fatalf("read: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}
