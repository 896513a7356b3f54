// Command rights benchmarks the rights that touch a whole person's data in
// a large store: the export of one person (RIGHT-ACCESS) against a raw SQL
// SELECT of the same rows, and its peak memory at two volumes. The store is
// generated once and kept (-dir), so later runs, and other measurements
// (see measure.go), reuse it.
//
//	go run ./bench/rights -dir /var/tmp/hearth-rights -total 10000000 -person 1000000
//
// Every measurement runs in a child process of its own, so that its peak
// resident memory (getrusage's maxrss) is its own. Results are printed as a
// Markdown table.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "rights: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	Dir     string
	Total   int    // readings in the store
	Person  int    // readings about the big person
	Small   int    // readings about the small person (the second volume)
	Only    string // run one measurement in this process (used by the parent)
	Subject string // the person the measurement is about
	Runs    int
	Profile string // with -only: write a CPU profile here
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("rights", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Dir, "dir", "/var/tmp/hearth-rights", "data directory of the generated store (kept and reused)")
	fs.IntVar(&c.Total, "total", 10_000_000, "readings in the store")
	fs.IntVar(&c.Person, "person", 1_000_000, "readings about the exported person")
	fs.IntVar(&c.Small, "small", 100_000, "readings about a second person, for memory at a smaller volume")
	fs.IntVar(&c.Runs, "runs", 3, "runs of each timed measurement; the median is reported")
	fs.StringVar(&c.Only, "only", "", "run one measurement in this process and print its JSON result (internal)")
	fs.StringVar(&c.Subject, "subject", "", "the person of -only (internal)")
	fs.StringVar(&c.Profile, "cpuprofile", "", "with -only: write a CPU profile of the measurement to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Only != "" {
		return runOne(ctx, c, stdout)
	}
	meta, err := ensureStore(ctx, c, stderr)
	if err != nil {
		return err
	}
	return report(ctx, c, meta, stdout, stderr)
}

// result is what one measurement in a child process reports.
type result struct {
	Name     string        `json:"name"`
	Rows     int64         `json:"rows"`
	Bytes    int64         `json:"bytes"`
	Elapsed  time.Duration `json:"elapsed"`
	MaxRSS   int64         `json:"max_rss"`   // bytes: the process's peak resident memory
	PeakHeap uint64        `json:"peak_heap"` // bytes: the highest HeapInuse sampled
	Note     string        `json:"note,omitempty"`
}

// measurement measures one thing about a person in the store.
type measurement func(ctx context.Context, s *benchStore, person string) (result, error)

// measurements are the measurements -only can run, by name. Add one by
// registering it in an init function of a new file (see measure.go).
var measurements = map[string]measurement{}

// runOne runs one measurement and prints its result as JSON.
func runOne(ctx context.Context, c config, stdout io.Writer) error {
	m, ok := measurements[c.Only]
	if !ok {
		return fmt.Errorf("no measurement %q", c.Only)
	}
	s, err := openBenchStore(c.Dir)
	if err != nil {
		return err
	}
	defer s.close()
	if c.Profile != "" {
		f, err := os.Create(c.Profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	stop := sampleHeap()
	res, err := m(ctx, s, c.Subject)
	if err != nil {
		return err
	}
	res.PeakHeap = stop()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	res.Name = c.Only
	return json.NewEncoder(stdout).Encode(res)
}

// sampleHeap samples HeapInuse every 10 ms until the returned function is
// called, which returns the highest sample.
func sampleHeap() func() uint64 {
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			max = maxU(max, ms.HeapInuse)
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-peak }
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// child runs one measurement in a new process of this program.
func child(ctx context.Context, c config, name, person string) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-dir", c.Dir, "-only", name, "-subject", person)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return r, nil
}

// median runs a measurement runs times and returns the run with the median
// elapsed time, and the highest peak memory of all runs.
func median(ctx context.Context, c config, name, person string) (result, error) {
	var rs []result
	for range c.Runs {
		r, err := child(ctx, c, name, person)
		if err != nil {
			return result{}, err
		}
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Elapsed < rs[j].Elapsed })
	m := rs[len(rs)/2]
	for _, r := range rs {
		m.MaxRSS = max(m.MaxRSS, r.MaxRSS)
		m.PeakHeap = maxU(m.PeakHeap, r.PeakHeap)
	}
	return m, nil
}

// report runs every measurement of the report and prints the table.
func report(ctx context.Context, c config, meta *storeMeta, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "Store: %s, %d readings; person A: %d readings, person B: %d readings. %d runs each, median; %s, %d CPUs.\n\n",
		c.Dir, meta.Total, meta.PersonRows, meta.SmallRows, c.Runs, runtime.Version(), runtime.NumCPU())
	fmt.Fprintln(stdout, "| measurement | person | rows | time | rows/s | bytes out | peak RSS | peak heap |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	var sel, exp time.Duration
	for _, step := range reportSteps(meta) {
		fmt.Fprintf(stderr, "running %s for %s...\n", step.name, step.label)
		r, err := median(ctx, c, step.name, step.person)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %s | %s | %d | %.2f s | %.0f | %s | %s | %s |\n", r.Name, step.label, r.Rows,
			r.Elapsed.Seconds(), float64(r.Rows)/r.Elapsed.Seconds(), mib(r.Bytes), mib(r.MaxRSS), mib(int64(r.PeakHeap)))
		if step.person == meta.Person {
			switch step.name {
			case "select":
				sel = r.Elapsed
			case "export":
				exp = r.Elapsed
			}
		}
	}
	if sel > 0 && exp > 0 {
		fmt.Fprintf(stdout, "\nExport of person A / raw SELECT of the same rows: %.2fx (target: at most 3x).\n", exp.Seconds()/sel.Seconds())
	}
	return nil
}

// reportStep is one row of the report.
type reportStep struct{ name, person, label string }

// reportSteps lists the report's rows: each registered measurement for
// both people, the raw SELECT first.
func reportSteps(meta *storeMeta) []reportStep {
	var names []string
	for n := range measurements {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return order(names[i]) < order(names[j]) })
	var out []reportStep
	for _, n := range names {
		out = append(out, reportStep{n, meta.Person, "A"}, reportStep{n, meta.Small, "B"})
	}
	return out
}

// order puts the raw SELECT first, then the export, then the rest by name.
func order(name string) string {
	switch name {
	case "select":
		return "0"
	case "export":
		return "1"
	}
	return "2" + name
}

func mib(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
