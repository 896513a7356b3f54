// Command tail measures the latency tail of ingestion on a large store,
// below the transport: it drives ingest.Service.Submit (parse, policy gate,
// seal, group commit, fsync) at a fixed open-loop rate from many devices,
// as a broker's connections would, and reports the latency from each
// reading's due time to its durable acknowledgement, and the process's
// CPU time per stored reading.
//
// It works on a data directory provisioned by `hearth devices provision`
// (the devices of one household), which `tail fill` first fills with
// history:
//
//	hearth devices provision --data D --kek D.kek --manifest bench/manifest.yaml \
//		--model ember-t1 --count 1000 --household bench --out creds.csv
//	go run ./bench/tail fill -data D -readings 5000000
//	go run ./bench/tail run -data D -kek D.kek -rate 10000 -duration 60s
//
// fill writes rows straight into hearth.db with synchronous=OFF, spread
// round-robin over the household's devices with increasing message IDs
// and times, like a fleet's history; their sealed values are random bytes,
// since nothing opens them. It is a benchmark, not a test.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tail fill|run [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fill(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (fill or run)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tail:", err)
		os.Exit(1)
	}
}

// deviceIDs lists the claimed devices of a store and their households.
func deviceIDs(ctx context.Context, db *sql.DB) (ids, households []string, err error) {
	rows, err := db.QueryContext(ctx, "SELECT id, household_id FROM devices WHERE household_id IS NOT NULL ORDER BY id")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, hh string
		if err := rows.Scan(&id, &hh); err != nil {
			return nil, nil, err
		}
		ids, households = append(ids, id), append(households, hh)
	}
	if len(ids) == 0 && rows.Err() == nil {
		return nil, nil, errors.New("no claimed devices in the store: run hearth devices provision --household first")
	}
	return ids, households, rows.Err()
}

// fill adds history to a provisioned store (see the package comment).
func fill(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	data := fs.String("data", "", "data directory provisioned by hearth devices provision")
	n := fs.Int("readings", 5_000_000, "readings to add")
	size := fs.Int("sealed", 240, "bytes of each reading's sealed blob")
	fs.Parse(args)
	switch {
	case *data == "":
		return fmt.Errorf("fill: -data is required: the directory hearth devices provision made")
	case *n <= 0:
		return fmt.Errorf("fill: -readings %d: must be at least 1", *n)
	case *size <= 0:
		return fmt.Errorf("fill: -sealed %d: must be at least 1 byte", *size)
	}
	ctx := context.Background()
	st, err := sqlite.Open(*data) // migrates
	if err != nil {
		return err
	}
	st.Close()
	db, err := sql.Open("sqlite", filepath.Join(*data, sqlite.DataFile)+"?_pragma=synchronous(OFF)&_pragma=journal_mode(WAL)&_pragma=cache_size(-1048576)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ids, hhs, err := deviceIDs(ctx, db)
	if err != nil {
		return err
	}
	blob := make([]byte, *size)
	rand.Read(blob)
	start := time.Now()
	base := start.Add(-time.Duration(*n/len(ids)+1) * 10 * time.Second) // one reading per device every 10 s
	const batch = 50_000
	for from := 0; from < *n; from += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO readings (device_id, household_id, category, msg_id, time, received, inferred, sealed)
			VALUES (?, ?, 'room-temperature', ?, ?, ?, 0, ?)`)
		if err != nil {
			return err
		}
		for i := from; i < min(from+batch, *n); i++ {
			d := i % len(ids)
			seq := i / len(ids)
			t := base.Add(time.Duration(seq)*10*time.Second + time.Duration(d)*time.Millisecond).UnixNano()
			if _, err := stmt.ExecContext(ctx, ids[d], hhs[d], "h"+strconv.Itoa(1_000_000_000+seq), t, t, blob); err != nil {
				return err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "\rfilled %d of %d", min(from+batch, *n), *n)
	}
	fmt.Fprintln(os.Stderr)
	// The rows went in beside the adapter: their keys into reading_keys,
	// so that the first batch of a run does not have to catch up with them.
	if st, err = sqlite.Open(*data); err != nil {
		return err
	}
	if err := errors.Join(st.MergeReadingKeys(ctx), st.Close()); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	fmt.Printf("filled %d readings over %d devices in %s\n", *n, len(ids), time.Since(start).Round(time.Second))
	return nil
}

// run drives ingestion at a fixed rate and reports latency and CPU time.
func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	data := fs.String("data", "", "data directory")
	kekFile := fs.String("kek", "", "key-encryption key file of the data directory")
	manifestFile := fs.String("manifest", "bench/manifest.yaml", "privacy manifest")
	category := fs.String("category", "room-temperature", "category of the readings")
	nDev := fs.Int("devices", 1000, "devices (at most those in the store)")
	rate := fs.Float64("rate", 10000, "readings per second, all devices together")
	dur := fs.Duration("duration", 60*time.Second, "measured time")
	warmup := fs.Duration("warmup", 5*time.Second, "unmeasured time before")
	size := fs.Int("payload-size", 256, "payload bytes")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Parse(args)
	switch {
	case *data == "" || *kekFile == "":
		return fmt.Errorf("run: -data and -kek are required")
	case *nDev <= 0:
		return fmt.Errorf("run: -devices %d: must be at least 1", *nDev)
	case !(*rate > 0):
		return fmt.Errorf("run: -rate %v: must be above 0 readings per second", *rate)
	case *dur <= 0 || *warmup < 0:
		return fmt.Errorf("run: -duration %v, -warmup %v: the duration must be above 0 and the warm-up not negative", *dur, *warmup)
	case *size <= 0:
		return fmt.Errorf("run: -payload-size %d: must be at least 1 byte", *size)
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()

	mb, err := os.ReadFile(*manifestFile)
	if err != nil {
		return err
	}
	m, err := manifest.Parse(filepath.Base(*manifestFile), mb)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(*data)
	if err != nil {
		return err
	}
	defer db.Close()
	kids, err := db.KEKIDs(ctx)
	if err != nil {
		return err
	}
	kek, err := seal.OpenKEK(*kekFile, kids)
	if err != nil {
		return err
	}
	keys := seal.NewKeyring(kek, db)
	store := sealstore.New(db, keys)
	eng, err := policy.Compile(m)
	if err != nil {
		return err
	}
	cons, err := consent.NewService(consent.Config{Store: store, Ledger: ledger.New(store, nil), Manifest: m, Policy: eng})
	if err != nil {
		return err
	}
	subs, err := subject.New(subject.Config{Store: store, Manifest: m, Policy: eng, Consents: cons, Shares: cons})
	if err != nil {
		return err
	}
	met := metrics.NewUnregistered()
	svc := ingest.New(ingest.Config{Store: store, Keys: keys, Manifest: m, Policy: eng, Subjects: subs, Metrics: met})
	svc.Start()

	var devs []*hearth.Device
	{
		raw, err := sql.Open("sqlite", filepath.Join(*data, sqlite.DataFile)+"?mode=ro")
		if err != nil {
			return err
		}
		ids, _, err := deviceIDs(ctx, raw)
		raw.Close()
		if err != nil {
			return err
		}
		for _, id := range ids[:min(*nDev, len(ids))] {
			d, err := store.Device(ctx, id)
			if err != nil {
				return err
			}
			devs = append(devs, d)
		}
	}

	runID := make([]byte, 4)
	rand.Read(runID)
	run := fmt.Sprintf("%x", runID)
	D := len(devs)
	total := int(*rate * (warmup.Seconds() + dur.Seconds()))
	warm := int(*rate * warmup.Seconds())
	lat := make([]int64, total) // ns from due to ack; -1 refused or failed
	var acked, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now().Add(100 * time.Millisecond)
	var cpuStart, cpuEnd time.Duration
	var tStart, tEnd time.Time
	var markOnce sync.Once
	mark := func() { markOnce.Do(func() { cpuStart, tStart = cpuTime(), time.Now() }) }
	for d := range D {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, *size+64)
			for n := d; n < total; n += D {
				due := start.Add(time.Duration(float64(n) / *rate * float64(time.Second)))
				if w := time.Until(due); w > 0 {
					time.Sleep(w)
				}
				if n == warm {
					mark()
				}
				buf = payload(buf[:0], run, n, due, *category, *size)
				err := svc.Submit(ctx, devs[d], ingest.TransportMQTT, buf, func(res ingest.Result, err error) {
					if err != nil {
						failed.Add(1)
						lat[n] = -1
						return
					}
					lat[n] = int64(time.Since(due))
					acked.Add(1)
				})
				if err != nil {
					failed.Add(1)
					lat[n] = -1
					fmt.Fprintln(os.Stderr, "submit:", err)
				}
			}
		}()
	}
	wg.Wait()
	if err := svc.Close(ctx); err != nil {
		return err
	}
	cpuEnd, tEnd = cpuTime(), time.Now()
	ms := lat[warm:]
	slices.Sort(ms)
	i := 0
	for i < len(ms) && ms[i] < 0 {
		i++
	}
	ok := ms[i:]
	q := func(p float64) float64 {
		if len(ok) == 0 {
			return 0
		}
		return float64(ok[min(len(ok)-1, int(p*float64(len(ok))))]) / 1e6
	}
	wall := tEnd.Sub(tStart)
	fmt.Printf("devices %d rate %.0f/s duration %s: measured %d acked %d failed %d (total acked %d)\n",
		D, *rate, *dur, len(ms), len(ok), failed.Load(), acked.Load())
	fmt.Printf("latency ms: p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f\n", q(0.5), q(0.9), q(0.99), q(0.999), q(1))
	fmt.Printf("cpu: %.1f µs per reading (%.0f%% of a core) over %s\n",
		float64(cpuEnd-cpuStart)/1e3/float64(total-warm), 100*float64(cpuEnd-cpuStart)/float64(wall), wall.Round(time.Millisecond))
	fmt.Printf("commits: %s\n", histogram(met.CommitSeconds, 1e3, "ms"))
	fmt.Printf("batches: %s\n", histogram(met.BatchSize, 1, "readings"))
	return nil
}

// histogram summarises a histogram: count, mean and the upper bound of
// the bucket holding its p99, scaled.
func histogram(h prometheus.Histogram, scale float64, unit string) string {
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		return err.Error()
	}
	hg := m.GetHistogram()
	n := hg.GetSampleCount()
	if n == 0 {
		return "none"
	}
	p99 := "more"
	for _, b := range hg.GetBucket() {
		if float64(b.GetCumulativeCount()) >= 0.99*float64(n) {
			p99 = fmt.Sprintf("%.3g", b.GetUpperBound()*scale)
			break
		}
	}
	return fmt.Sprintf("%d, mean %.3g %s, p99 <= %s %s", n, hg.GetSampleSum()/float64(n)*scale, unit, p99, unit)
}

// payload builds a reading like bench/loadgen's: a unique id, the due
// time, the category and a temperature, padded to size bytes.
func payload(dst []byte, run string, n int, t time.Time, category string, size int) []byte {
	start := len(dst)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, run...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, `","time":"`...)
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","category":"`...)
	dst = append(dst, category...)
	dst = append(dst, `","values":{"celsius":`...)
	dst = strconv.AppendFloat(dst, 18+float64(n%70)/10, 'f', 1, 64)
	const padOpen, tail = `,"pad":"`, `"}}`
	if k := size - (len(dst) - start) - len(padOpen) - len(tail); k > 0 {
		dst = append(dst, padOpen...)
		dst = append(dst, bytes.Repeat([]byte{'x'}, k)...)
		dst = append(dst, '"')
	}
	return append(dst, "}}"...)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
