package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
)

// benchDevices is the number of devices (each in its own household) the
// benchmark's readings come from.
const benchDevices = 1000

// BenchmarkInsertReadings measures, in the same run on the same server,
// three ways to store a batch of reading-shaped rows (200-byte sealed
// payload, 1,000 known devices in cloud mode, every message ID new), each
// one transaction per batch, as the ingest writer commits them:
//   - unnest: the adapter's InsertReadings (device bindings locked and
//     checked, INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING
//     RETURNING, pipelined in one round trip);
//   - copy-temp: the alternative, with the same checks: COPY into a
//     temporary table, then INSERT … SELECT from it … ON CONFLICT DO
//     NOTHING RETURNING, in an explicit transaction;
//   - raw-copyfrom: pgx CopyFrom of the same rows straight into readings,
//     no check and no deduplication beyond the unique index: the storage
//     ceiling.
//
// It reports rows/s. The test server of internal/pgtest runs with
// fsync=off; set HEARTH_TEST_POSTGRES to a server with fsync on to
// measure durable commits.
func BenchmarkInsertReadings(b *testing.B) {
	for _, size := range []int{1, 64, 512} {
		for _, way := range []struct {
			name string
			fn   func(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error
		}{
			{"unnest", benchUnnest},
			{"copy-temp", benchCopyTemp},
			{"raw-copyfrom", benchRawCopy},
		} {
			b.Run(fmt.Sprintf("batch=%d/%s", size, way.name), func(b *testing.B) {
				data, keys := pgtest.Store(b)
				insert := way.fn(b, data, keys)
				fixture(b, data, benchDevices)
				sealed := make([]byte, 200)
				rand.Read(sealed)
				batch := make([]hearth.Reading, size)
				now := time.Now()
				var seq int
				for b.Loop() {
					for i := range batch {
						seq++
						d := seq % benchDevices
						batch[i] = hearth.Reading{
							DeviceID: fmt.Sprintf("dev_%d", d), HouseholdID: fmt.Sprintf("hh_%d", d),
							Category: "temperature", MsgID: fmt.Sprintf("m%09d", seq),
							Time: now, Received: now, Sealed: sealed,
						}
					}
					if err := insert(b.Context(), batch); err != nil {
						b.Fatalf("insert: %v", err)
					}
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func benchUnnest(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error {
	db := openOn(b, data, keys)
	return func(ctx context.Context, rs []hearth.Reading) error {
		ins, err := db.InsertReadings(ctx, rs)
		if err == nil && ins[0] != hearth.Stored {
			err = fmt.Errorf("reading not stored: %v", ins[0])
		}
		return err
	}
}

// benchCopyTemp stores a batch by COPY into a temporary table and INSERT …
// SELECT from it, with InsertReadings' binding lock and checks.
func benchCopyTemp(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error {
	openOn(b, data, keys) // migrates
	conn, err := pgx.Connect(context.Background(), data)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	_, err = conn.Exec(context.Background(), `CREATE TEMP TABLE readings_in (
		n int, device_id text, household_id text, person_id text, category text, msg_id text,
		time bigint, received bigint, inferred boolean, disputed boolean, sealed bytea) ON COMMIT DELETE ROWS`)
	if err != nil {
		b.Fatalf("create temporary table: %v", err)
	}
	cols := []string{"n", "device_id", "household_id", "person_id", "category", "msg_id", "time", "received", "inferred", "disputed", "sealed"}
	return func(ctx context.Context, rs []hearth.Reading) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var devices []string
			seen := map[string]bool{}
			for _, r := range rs {
				if !seen[r.DeviceID] {
					seen[r.DeviceID] = true
					devices = append(devices, r.DeviceID)
				}
			}
			rows, _ := tx.Query(ctx, "SELECT id, household_id, mode FROM devices WHERE id = ANY($1) ORDER BY id FOR SHARE", devices)
			if _, err := pgx.CollectRows(rows, pgx.RowToMap); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"readings_in"}, cols, pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
				r := &rs[i]
				var person *string
				if r.PersonID != "" {
					person = &r.PersonID
				}
				return []any{i, r.DeviceID, r.HouseholdID, person, r.Category, r.MsgID,
					r.Time.UnixNano(), r.Received.UnixNano(), r.Inferred, r.Disputed, r.Sealed}, nil
			}))
			if err != nil {
				return err
			}
			rows, _ = tx.Query(ctx, `INSERT INTO readings
				(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed)
				SELECT u.device_id, u.household_id, u.person_id, u.category, u.msg_id, u.time, u.received, u.inferred, u.disputed, u.sealed
				FROM readings_in u LEFT JOIN devices d ON d.id = u.device_id
				WHERE d.id IS NULL OR (d.household_id = u.household_id AND d.mode = 'cloud')
				ORDER BY u.n
				ON CONFLICT (device_id, msg_id) DO NOTHING
				RETURNING id, device_id, msg_id, household_id`)
			stored, err := pgx.CollectRows(rows, pgx.RowToMap)
			if err == nil && len(stored) != len(rs) {
				err = fmt.Errorf("stored %d of %d", len(stored), len(rs))
			}
			return err
		})
	}
}

// benchRawCopy stores a batch by CopyFrom straight into readings.
func benchRawCopy(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error {
	openOn(b, data, keys) // migrates
	conn, err := pgx.Connect(context.Background(), data)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	cols := []string{"device_id", "household_id", "person_id", "category", "msg_id", "time", "received", "inferred", "disputed", "sealed"}
	return func(ctx context.Context, rs []hearth.Reading) error {
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"readings"}, cols, pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
			r := &rs[i]
			var person *string
			if r.PersonID != "" {
				person = &r.PersonID
			}
			return []any{r.DeviceID, r.HouseholdID, person, r.Category, r.MsgID,
				r.Time.UnixNano(), r.Received.UnixNano(), r.Inferred, r.Disputed, r.Sealed}, nil
		}))
		return err
	}
}
