// Command erasure benchmarks the erasure of one person in a large store
// (RIGHT-ERASE): how long destroying their data key takes, how long the
// physical deletion of their readings takes against one raw SQL DELETE of
// the same rows, and the ingestion latency (p50, p99) before and while the
// erasure runs.
//
// It uses the store that bench/rights generates (a household of 101
// people; person A has -person readings among -total), and never changes
// it: every measurement runs on a fresh copy in -scratch.
//
//	go run ./bench/rights -dir /var/tmp/hearth-rights -total 10000000 -person 1000000 -runs 1
//	go run ./bench/erasure -store /var/tmp/hearth-rights -scratch /var/tmp/hearth-erase
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "erasure: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	Store     string        // the generated store (bench/rights -dir)
	Scratch   string        // where the copies go
	Rate      int           // ingestion load, readings per second
	Baseline  time.Duration // how long ingestion is measured before the erasure
	Batch     int           // the erasure's delete batch
	BatchTime time.Duration // how long a delete batch should take
}

// meta is what bench/rights records about the store it generated.
type meta struct {
	Total      int    `json:"total"`
	PersonRows int    `json:"person_rows"`
	Household  string `json:"household"`
	Device     string `json:"device"`
	Person     string `json:"person"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("erasure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Store, "store", "/var/tmp/hearth-rights", "the store bench/rights generated (not changed)")
	fs.StringVar(&c.Scratch, "scratch", "/var/tmp/hearth-erase", "directory for the copies the measurements change (removed after)")
	fs.IntVar(&c.Rate, "rate", 500, "ingestion load while measuring, readings per second")
	fs.DurationVar(&c.Baseline, "baseline", 20*time.Second, "ingestion measured before the erasure starts")
	fs.DurationVar(&c.BatchTime, "batch-time", erasure.DefaultDeleteBatchTime, "how long one delete transaction of the erasure should take")
	fs.IntVar(&c.Batch, "batch", erasure.DefaultDeleteBatch, "the most readings per delete transaction of the erasure")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var m meta
	b, err := os.ReadFile(filepath.Join(c.Store, "bench-meta.json"))
	if err != nil {
		return fmt.Errorf("read the store's description (generate it with bench/rights first): %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("bench-meta.json: %w", err)
	}
	defer os.RemoveAll(c.Scratch)
	fmt.Fprintf(stderr, "raw DELETE on a copy...\n")
	raw, err := rawDelete(ctx, c, m)
	if err != nil {
		return fmt.Errorf("raw delete: %w", err)
	}
	fmt.Fprintf(stderr, "erasure under ingestion load on a fresh copy...\n")
	er, err := erase(ctx, c, m, stderr)
	if err != nil {
		return fmt.Errorf("erasure: %w", err)
	}
	report(stdout, c, m, raw, er)
	return nil
}

// report prints the results as Markdown.
func report(w io.Writer, c config, m meta, raw rawResult, er eraseResult) {
	fmt.Fprintf(w, "Store: %d readings; person A: %d readings (%d deleted). %s, %d CPUs; ingestion load %d readings/s.\n\n",
		m.Total, m.PersonRows, raw.Rows, runtime.Version(), runtime.NumCPU(), c.Rate)
	fmt.Fprintln(w, "| measurement | time | target |")
	fmt.Fprintln(w, "|---|---|---|")
	fmt.Fprintf(w, "| data key destroyed (`Keyring.Shred`) | %s | at most 1 s |\n", ms(er.Shred))
	fmt.Fprintf(w, "| raw `DELETE FROM readings WHERE person_id = ?` (no load) | %s | |\n", ms(raw.Delete))
	fmt.Fprintf(w, "| erasure's deletion: %d batches of about %s, at most %d rows each, paused as long after each (under load) | %s | at most 2x raw: %.2fx |\n",
		er.Batches, c.BatchTime, c.Batch, ms(er.Delete), er.Delete.Seconds()/raw.Delete.Seconds())
	fmt.Fprintf(w, "| raw: checkpoint and truncate the log after | %s | |\n", ms(raw.Checkpoint))
	fmt.Fprintf(w, "| erasure: checkpoint and truncate the logs | %s | |\n", ms(er.Checkpoint))
	fmt.Fprintf(w, "| whole erasure (`erasure.Service.Erase`) | %s | |\n", ms(er.Total))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| ingestion latency | readings | p50 | p99 | max |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, l := range []struct {
		name string
		s    latencies
	}{{"before the erasure", er.Before}, {"while the erasure runs", er.During}} {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", l.name, len(l.s), ms(l.s.pct(50)), ms(l.s.pct(99)), ms(l.s.pct(100)))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// copyStore copies the store's database files and key file into dir.
func copyStore(c config, dir string) (kek string, err error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for _, name := range []string{sqlite.DataFile, sqlite.KeysFile} {
		for _, suffix := range []string{"", "-wal"} {
			if err := copyFile(filepath.Join(c.Store, name+suffix), filepath.Join(dir, name+suffix)); err != nil {
				return "", err
			}
		}
	}
	kek = filepath.Clean(dir) + ".kek"
	return kek, copyFile(filepath.Clean(c.Store)+".kek", kek)
}

// copyFile copies src to dst, mode 0600; a missing src is skipped.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// Synced, so the copy's write-back does not stall the measurements.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
