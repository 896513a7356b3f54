package main

import (
	"io"
	"strings"
	"testing"
)

// small returns the model's defaults for a fleet small enough to simulate
// in a moment: 60,000 devices, 1,000 readings/s.
func small(t *testing.T, args ...string) *params {
	t.Helper()
	p, err := parse(append([]string{"-devices", "60000", "-sim-seconds", "5"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The simulation must commit what is offered when there is room, and no
// reading faster than the commit's own flush.
func TestSimulateWithRoom(t *testing.T) {
	p := small(t, "-commit-ms", "2")
	r := simulate(p, 2, 2, 1000)
	if !r.sustained {
		t.Fatalf("2 nodes, 2 database cores, 1,000 readings/s: not sustained: %+v", r)
	}
	if r.committed < 0.98*r.offered || r.offered < 900 || r.offered > 1100 {
		t.Errorf("offered %.0f/s, committed %.0f/s; want about 1,000 and all of it", r.offered, r.committed)
	}
	if r.p50 < 2 {
		t.Errorf("p50 = %.2f ms, below the 2 ms commit", r.p50)
	}
}

// Too little database CPU for the rate, or one writer whose batches cannot
// keep up, must show as not sustained, however many cores the nodes have.
func TestSimulateOverload(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		nodes, cores int
	}{
		// 1 core × 1e6 µs / 2,000 µs = 500 readings/s < 1,000.
		{"database CPU", []string{"-db-cpu-us", "2000"}, 4, 1},
		// One writer: 512 / (512 × 1,500 µs + 2 ms) ≈ 666 readings/s < 1,000,
		// with 8 database cores to spare.
		{"one writer", []string{"-db-cpu-us", "1500", "-node-cores", "64"}, 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := simulate(small(t, tt.args...), tt.nodes, tt.cores, 1000)
			if r.sustained {
				t.Errorf("sustained (committed %.0f of %.0f/s, p99 %.2f ms), want not", r.committed, r.offered, r.p99)
			}
		})
	}
}

// The calculation's node count holds the rate in the simulation with the
// default, measured costs, also with a node lost; run fails otherwise.
func TestRunChecksTheCalculation(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-devices", "600000", "-conns-per-node", "100000", "-sim-seconds", "4"}, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"(calculated)", "(one node lost)", "Check: the calculated configuration"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// With too few nodes forced by an impossible cost, run must fail.
	err := run([]string{"-devices", "600000", "-conns-per-node", "1000000", "-node-util", "1", "-db-cpu-us", "2000", "-db-cores", "1", "-sim-seconds", "3"}, io.Discard, io.Discard)
	if err == nil {
		t.Error("run with one database core for 10,000 readings/s at 2 ms each: no error, want the check to fail")
	}
}
