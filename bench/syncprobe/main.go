// Command syncprobe measures how long the disk under a data directory
// takes to make a small write durable, the way a group commit does: it
// overwrites a 16 KiB block of a preallocated file (as SQLite reuses its
// write-ahead log) and calls fdatasync, every few milliseconds, for a
// while, and reports the latency percentiles and every stall over a
// threshold.
//
// Hearth acknowledges a reading only after such a sync, so a stall of the
// disk delays every reading that arrives during it: with readings arriving
// evenly, at least (the time spent in stalls beyond the threshold) ÷ (the
// run's length) of them wait longer than the threshold, whatever the
// server does. syncprobe prints that fraction: when it is over 1%, no
// fsync-acknowledged ingestion on that disk can have a p99 under the
// threshold for that period.
//
//	go run ./bench/syncprobe -file /var/tmp/syncprobe.dat -duration 60s
//
// Run it alone for the disk's own figure, and beside a load (bench/tail,
// bench/ingest.sh) to see the stalls under that load.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "syncprobe:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("syncprobe", flag.ContinueOnError)
	file := fs.String("file", "syncprobe.dat", "scratch file to write (created, truncated, removed at the end)")
	dur := fs.Duration("duration", 60*time.Second, "how long to measure")
	block := fs.Int("block", 16<<10, "bytes written before each sync")
	span := fs.Int("span", 64<<20, "bytes of the preallocated file the writes cycle over")
	interval := fs.Duration("interval", 2*time.Millisecond, "pause between syncs")
	threshold := fs.Duration("threshold", 20*time.Millisecond, "a sync longer than this is a stall")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *dur <= 0:
		return fmt.Errorf("-duration %v: must be positive", *dur)
	case *block <= 0 || *span < *block:
		return fmt.Errorf("-block %d, -span %d: need 0 < block <= span", *block, *span)
	case *interval < 0:
		return fmt.Errorf("-interval %v: must not be negative", *interval)
	case *threshold <= 0:
		return fmt.Errorf("-threshold %v: must be positive", *threshold)
	}
	f, err := os.OpenFile(*file, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(*file)
	defer f.Close()
	buf := make([]byte, *block)
	for off := 0; off+*block <= *span; off += *block {
		if _, err := f.WriteAt(buf, int64(off)); err != nil {
			return fmt.Errorf("preallocate: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("preallocate: %w", err)
	}

	var lat []time.Duration
	var beyond time.Duration
	start := time.Now()
	end := start.Add(*dur)
	for off := 0; time.Now().Before(end); off = (off + *block) % (*span - *span%*block) {
		t := time.Now()
		if _, err := f.WriteAt(buf, int64(off)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if err := datasync(f); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		d := time.Since(t)
		lat = append(lat, d)
		if d > *threshold {
			beyond += d - *threshold
			fmt.Printf("stall %s %.1f ms\n", t.UTC().Format("15:04:05.000"), ms(d))
		}
		time.Sleep(*interval)
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) float64 { return ms(lat[int(p*float64(len(lat)-1))]) }
	fmt.Printf("syncs %d over %s: p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms\n",
		len(lat), elapsed.Round(time.Millisecond), q(0.5), q(0.99), q(0.999), ms(lat[len(lat)-1]))
	fmt.Printf("time in stalls beyond %v: %.1f ms = %.2f%% of the run\n",
		*threshold, ms(beyond), 100*beyond.Seconds()/elapsed.Seconds())
	return nil
}

func ms(d time.Duration) float64 { return d.Seconds() * 1e3 }
