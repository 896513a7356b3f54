// Command pgcopy measures the storage ceiling of Hearth on PostgreSQL: raw
// pgx CopyFrom of reading rows into the readings table of Hearth's own
// schema (its unique index on (device_id, msg_id) and its other indexes
// included), one COPY per batch, each its own durable transaction
// (synchronous_commit as the server has it: on by default), with no MQTT,
// parsing, policy gate, sealing, binding check or duplicate handling. It
// is what bench/pgingest.sh compares Hearth's stored QoS 1 rate with.
//
//	go run ./bench/pgcopy -data postgres://127.0.0.1:5432/ceiling -keys postgres://127.0.0.1:5432/ceiling_keys \
//		-from postgres://127.0.0.1:5432/hearth -batches 64,512 -writers 1,2 -duration 10s
//
// The data database is migrated to Hearth's schema (postgres.Open) and its
// readings table is emptied before each configuration, so every one starts
// from the same empty table. With -from, the rows are the same as Hearth
// stored: a sample of the readings table of that Hearth data database
// (device, household, person, category, time, sealed values), each copied
// with a fresh message ID; without it, rows of the same shape with random
// sealed values of -sealed bytes. For every configuration (batch size ×
// concurrent writers, each writer on a connection of its own) it prints one
// JSON line: rows/s, each COPY's latency, and the bytes per row the table
// with its indexes and the write-ahead log grew by. It is a benchmark, not
// a test.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-iot/hearth/postgres"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pgcopy:", err)
		os.Exit(1)
	}
}

// config is pgcopy's configuration, from its flags.
type config struct {
	data, keys, from string
	batches, writers []int
	duration         time.Duration
	sealed           int
	sample           int
	pgPID            int
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("pgcopy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.data, "data", "", "URL of the PostgreSQL database to copy into (migrated to Hearth's schema; its readings are deleted)")
	fs.StringVar(&c.keys, "keys", "", "URL of its key database (default: the data database's name + _keys)")
	fs.StringVar(&c.from, "from", "", "URL of a Hearth data database whose stored readings give the rows (default: synthetic rows)")
	batches := fs.String("batches", "64,512", "comma-separated rows per COPY")
	writers := fs.String("writers", "1,2", "comma-separated numbers of concurrent writers, each on its own connection")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured time per configuration")
	fs.IntVar(&c.sealed, "sealed", 240, "without -from: bytes of each row's sealed values")
	fs.IntVar(&c.sample, "sample", 10000, "with -from: stored readings sampled")
	fs.IntVar(&c.pgPID, "pg-pid", 0, "PostgreSQL's postmaster on this machine: report its and its children's CPU time per row")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if c.batches, err = ints("batches", *batches); err != nil {
		return nil, err
	}
	if c.writers, err = ints("writers", *writers); err != nil {
		return nil, err
	}
	if c.data == "" {
		return nil, errors.New("-data is required")
	}
	if c.keys == "" {
		if c.keys, err = postgres.KeysURL(c.data); err != nil {
			return nil, err
		}
	}
	if c.duration <= 0 || c.sealed < 1 || c.sample < 1 {
		return nil, errors.New("-duration, -sealed and -sample must be positive")
	}
	return c, nil
}

// ints parses a comma-separated list of positive integers.
func ints(name, s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-%s: %q is not a positive integer", name, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.data, cfg.keys)
	if err != nil {
		return err
	}
	defer db.Close()
	proto, err := prototypes(ctx, cfg)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, w := range cfg.writers {
		for _, b := range cfg.batches {
			res, err := measure(ctx, db.Data(), proto, b, w, cfg.duration, cfg.pgPID)
			if err != nil {
				return fmt.Errorf("batch %d, %d writers: %w", b, w, err)
			}
			res.Source = "synthetic"
			if cfg.from != "" {
				res.Source = "sampled"
			}
			if err := enc.Encode(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// row is one reading row, in the order of columns.
type row = []any

// columns are the readings columns COPY fills; id is the identity column's
// default and disputed its default false, as for a stored reading.
var columns = []string{"device_id", "household_id", "person_id", "category", "msg_id", "time", "received", "inferred", "sealed"}

// prototypes returns the rows to copy, message IDs still to be set: a
// sample of a Hearth store's readings, or synthetic ones.
func prototypes(ctx context.Context, cfg *config) ([]row, error) {
	if cfg.from == "" {
		return synthetic(cfg.sealed), nil
	}
	conn, err := pgx.Connect(ctx, cfg.from)
	if err != nil {
		return nil, fmt.Errorf("connect to -from: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT device_id, household_id, person_id, category, time, received, inferred, sealed
		FROM readings ORDER BY id DESC LIMIT $1`, cfg.sample)
	if err != nil {
		return nil, fmt.Errorf("sample readings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var dev, hh, cat string
		var person *string
		var t, recv int64
		var inferred bool
		var sealed []byte
		err := r.Scan(&dev, &hh, &person, &cat, &t, &recv, &inferred, &sealed)
		return row{dev, hh, person, cat, "", t, recv, inferred, sealed}, err
	})
	if err != nil {
		return nil, fmt.Errorf("sample readings: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("-from: the store holds no readings to sample")
	}
	return out, nil
}

// synthetic returns rows shaped like a bench reading: 1,000 devices of
// one household, IDs as hearth.NewID makes them, no person.
func synthetic(sealed int) []row {
	out := make([]row, 1000)
	now := time.Now().UnixNano()
	for i := range out {
		blob := make([]byte, sealed)
		rand.Read(blob)
		out[i] = row{fmt.Sprintf("dev_%016d", i), "hh_bench0000000000", nil, "room-temperature", "", now, now, false, blob}
	}
	return out
}

// result is one configuration's outcome, printed as a JSON line.
type result struct {
	Batch       int     `json:"batch"`
	Writers     int     `json:"writers"`
	Rows        int64   `json:"rows"`
	Seconds     float64 `json:"seconds"`
	RowsPerSec  float64 `json:"rows_per_s"`
	CopyP50ms   float64 `json:"copy_p50_ms"`
	CopyP99ms   float64 `json:"copy_p99_ms"`
	TableBytes  float64 `json:"table_bytes_per_row"` // pg_total_relation_size('readings') per row: heap, TOAST and indexes
	WALBytes    float64 `json:"wal_bytes_per_row"`   // pg_current_wal_lsn() growth per row, over the whole cluster
	SealedBytes float64 `json:"sealed_bytes_per_row"`
	PGCPUus     float64 `json:"pg_cpu_us_per_row,omitempty"`   // with -pg-pid: PostgreSQL's CPU time per row
	CopyCPUus   float64 `json:"copy_cpu_us_per_row,omitempty"` // this process's CPU time per row
	Source      string  `json:"source"`                        // "sampled" (a Hearth store's rows) or "synthetic"
}

// measure empties the readings table, then runs writers concurrent
// writers, each copying batches of batch rows until d has passed.
func measure(ctx context.Context, pool *pgxpool.Pool, proto []row, batch, writers int, d time.Duration, pgPID int) (*result, error) {
	if _, err := pool.Exec(ctx, "TRUNCATE readings"); err != nil {
		return nil, fmt.Errorf("empty readings: %w", err)
	}
	// A checkpoint first, so that every configuration starts with the same
	// full-page images to write. It needs a superuser or pg_checkpoint;
	// without, the figures are only a little noisier.
	_, _ = pool.Exec(ctx, "CHECKPOINT")
	var lsn0 string
	if err := pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn0); err != nil {
		return nil, fmt.Errorf("read the WAL position: %w", err)
	}
	var (
		mu    sync.Mutex
		lat   []time.Duration
		total int64
		errs  []error
		wg    sync.WaitGroup
	)
	pg0, self0 := treeCPU(pgPID), treeCPU(os.Getpid())
	start := time.Now()
	deadline := start.Add(d)
	runID := strconv.FormatInt(start.UnixNano(), 36)
	for w := range writers {
		wg.Go(func() {
			n, l, err := writer(ctx, pool, proto, batch, fmt.Sprintf("%s.%d.", runID, w), deadline)
			mu.Lock()
			defer mu.Unlock()
			total += n
			lat = append(lat, l...)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	pg1, self1 := treeCPU(pgPID), treeCPU(os.Getpid())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := &result{Batch: batch, Writers: writers, Rows: total, Seconds: elapsed.Seconds(), RowsPerSec: float64(total) / elapsed.Seconds()}
	slices.Sort(lat)
	res.CopyP50ms, res.CopyP99ms = ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99))
	var tableBytes, walBytes int64
	var sealed float64
	err := pool.QueryRow(ctx, `SELECT pg_total_relation_size('readings'), pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint,
		(SELECT avg(octet_length(sealed)) FROM readings)::float8`, lsn0).Scan(&tableBytes, &walBytes, &sealed)
	if err != nil {
		return nil, fmt.Errorf("read sizes: %w", err)
	}
	if total > 0 {
		res.TableBytes = float64(tableBytes) / float64(total)
		res.WALBytes = float64(walBytes) / float64(total)
		res.SealedBytes = sealed
		res.CopyCPUus = (self1 - self0) * 1e6 / float64(total)
		if pg0 >= 0 && pg1 >= 0 {
			res.PGCPUus = (pg1 - pg0) * 1e6 / float64(total)
		}
	}
	return res, nil
}

// writer copies batches on a connection of its own until deadline, and
// returns the rows copied and each COPY's latency.
func writer(ctx context.Context, pool *pgxpool.Pool, proto []row, batch int, prefix string, deadline time.Time) (int64, []time.Duration, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release()
	rows := make([]row, batch)
	for i := range rows {
		rows[i] = slices.Clone(proto[0])
	}
	var n int64
	var lat []time.Duration
	for seq := 0; time.Now().Before(deadline); {
		for i := range rows {
			p := proto[seq%len(proto)]
			copy(rows[i], p)
			rows[i][4] = prefix + strconv.Itoa(seq)
			seq++
		}
		t := time.Now()
		c, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"readings"}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return n, lat, fmt.Errorf("copy: %w", err)
		}
		lat = append(lat, time.Since(t))
		n += c
	}
	return n, lat, nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// treeCPU returns the CPU time, in seconds, of process pid and of its
// live children (a postmaster's backends and background processes), or -1
// if pid is 0 or cannot be read.
func treeCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	own, _, err := procCPU(strconv.Itoa(pid))
	if err != nil {
		return -1
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if v, parent, err := procCPU(e.Name()); err == nil && parent == pid {
			own += v
		}
	}
	return own
}

// procCPU reads utime + stime (seconds) and the parent of a process from
// /proc/PID/stat.
func procCPU(pid string) (float64, int, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, errors.New("unexpected /proc stat format")
	}
	parent, _ := strconv.Atoi(f[1])
	u, err1 := strconv.ParseFloat(f[11], 64)
	k, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	return (u + k) / 100, parent, nil // USER_HZ is 100 on Linux
}
