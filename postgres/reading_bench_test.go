package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
)

// benchLock is InsertReadings' lock of the batch's devices (lockBindings).
const benchLock = `SELECT d.id, d.household_id, d.mode FROM unnest($1::text[]) AS u(id)
JOIN devices d ON d.id = u.id ORDER BY d.id FOR SHARE OF d`

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
//   - copy-direct: the same checks, COPY straight into readings with IDs
//     taken from the sequence first: one pipelined batch begins the
//     transaction, locks the bindings, looks the keys up and takes the IDs,
//     then CopyFrom, then commit;
//   - raw-copyfrom: pgx CopyFrom of the same rows straight into readings,
//     no check and no deduplication beyond the unique index: the storage
//     ceiling.
//
// Each iteration stores one batch each way, one after the other, each way
// in its own databases, so that the three meet the same load from the
// rest of the machine; it reports each way's rows/s and the ratios to
// raw-copyfrom. The test server of internal/pgtest runs with fsync=off;
// set HEARTH_TEST_POSTGRES to a server with fsync on to measure durable
// commits (BENCHMARKS.md). Run it with a fixed count of iterations:
//
//	go test ./postgres -run '^$' -bench InsertReadings -benchtime 300x
func BenchmarkInsertReadings(b *testing.B) {
	for _, size := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ways := []struct {
				name   string
				insert func(context.Context, []hearth.Reading) error
				took   time.Duration
			}{
				{name: "unnest"}, {name: "copy-temp"}, {name: "raw-copyfrom"}, {name: "copy-direct"},
			}
			for i, open := range []func(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error{
				benchUnnest, benchCopyTemp, benchRawCopy, benchCopyDirect,
			} {
				data, keys := pgtest.Store(b)
				ways[i].insert = open(b, data, keys)
				fixture(b, data, benchDevices)
			}
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
				for i := range ways {
					start := time.Now()
					if err := ways[i].insert(b.Context(), batch); err != nil {
						b.Fatalf("%s: %v", ways[i].name, err)
					}
					ways[i].took += time.Since(start)
				}
			}
			raw := ways[2].took.Seconds()
			for _, w := range ways {
				b.ReportMetric(float64(b.N*size)/w.took.Seconds(), w.name+"-rows/s")
			}
			b.ReportMetric(raw/ways[0].took.Seconds(), "unnest/raw")
			b.ReportMetric(raw/ways[1].took.Seconds(), "copy-temp/raw")
			b.ReportMetric(raw/ways[3].took.Seconds(), "copy-direct/raw")
			b.ReportMetric(0, "ns/op")
		})
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
			rows, _ := tx.Query(ctx, benchLock, devices)
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

// benchCopyDirect stores a batch with InsertReadings' checks but COPY
// straight into readings: one pipelined batch begins the transaction,
// locks the bindings, finds the keys stored already and takes IDs from the
// sequence; then CopyFrom of the rows left, with their IDs; then commit.
func benchCopyDirect(b *testing.B, data, keys string) func(context.Context, []hearth.Reading) error {
	openOn(b, data, keys) // migrates
	pool, err := pgxpool.New(context.Background(), data)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	b.Cleanup(pool.Close)
	cols := []string{"id", "device_id", "household_id", "person_id", "category", "msg_id", "time", "received", "inferred", "disputed", "sealed"}
	return func(ctx context.Context, rs []hearth.Reading) error {
		devs, dk, mk := []string{}, make([]string, len(rs)), make([]string, len(rs))
		seen := map[string]bool{}
		for i, r := range rs {
			dk[i], mk[i] = r.DeviceID, r.MsgID
			if !seen[r.DeviceID] {
				seen[r.DeviceID] = true
				devs = append(devs, r.DeviceID)
			}
		}
		batch := &pgx.Batch{}
		batch.BeginTx(pgx.TxOptions{})
		batch.Queue(benchLock, devs).Query(func(rows pgx.Rows) error {
			_, err := pgx.CollectRows(rows, pgx.RowToMap)
			return err
		})
		stored := map[[2]string]bool{}
		batch.Queue("SELECT r.device_id, r.msg_id FROM unnest($1::text[], $2::text[]) u(d, m) JOIN readings r ON r.device_id = u.d AND r.msg_id = u.m", dk, mk).Query(func(rows pgx.Rows) error {
			var d, m string
			_, err := pgx.ForEachRow(rows, []any{&d, &m}, func() error { stored[[2]string{d, m}] = true; return nil })
			return err
		})
		var ids []int64
		batch.Queue("SELECT nextval(pg_get_serial_sequence('readings', 'id')) FROM generate_series(1, $1)", len(rs)).Query(func(rows pgx.Rows) error {
			var err error
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		br := pool.SendBatch(ctx, batch)
		tx := br.Tx()
		defer tx.Rollback(context.Background())
		if err := br.Close(); err != nil {
			return err
		}
		if len(stored) != 0 {
			return fmt.Errorf("%d stored already", len(stored))
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"readings"}, cols, pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
			r := &rs[i]
			var person *string
			if r.PersonID != "" {
				person = &r.PersonID
			}
			return []any{ids[i], r.DeviceID, r.HouseholdID, person, r.Category, r.MsgID,
				r.Time.UnixNano(), r.Received.UnixNano(), r.Inferred, r.Disputed, r.Sealed}, nil
		}))
		if err != nil {
			return err
		}
		if int(n) != len(rs) {
			return fmt.Errorf("copied %d of %d", n, len(rs))
		}
		return tx.Commit(ctx)
	}
}
