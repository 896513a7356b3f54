package main

import (
	"io"
	"math"
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
		{"one writer", []string{"-writers", "1", "-db-cpu-us", "1500", "-node-cores", "64"}, 1, 8},
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

// More writers per node lift the writer bound: the node that one writer
// cannot keep up with (512 / (512 × 1,500 µs + 2 ms) ≈ 666 readings/s
// < 1,000) keeps up with four committing at once (≈ 2,664/s), with the
// same database, and the calculation says the same.
func TestWritersLiftTheWriterBound(t *testing.T) {
	args := []string{"-db-cpu-us", "1500", "-writer-us", "1500", "-node-cores", "64"}
	one := small(t, append(args, "-writers", "1")...)
	four := small(t, append(args, "-writers", "4")...)
	if r := simulate(one, 1, 8, 1000); r.sustained {
		t.Errorf("one writer: sustained (committed %.0f of %.0f/s, p99 %.2f ms), want not", r.committed, r.offered, r.p99)
	}
	r := simulate(four, 1, 8, 1000)
	if !r.sustained {
		t.Errorf("four writers: not sustained (committed %.0f of %.0f/s, p99 %.2f ms), want sustained", r.committed, r.offered, r.p99)
	}
	if r.dbUtil < 0.15 || r.dbUtil > 0.25 {
		t.Errorf("four writers: PostgreSQL CPU asked %.2f of 8 cores, want about 1,000 × 1.5 ms / 8 = 0.19", r.dbUtil)
	}
	c1, c4 := calculate(one), calculate(four)
	if c1.writersCapacity > 700 || c4.writersCapacity < 4*c1.writersCapacity*0.999 || c4.writersCapacity > 4*c1.writersCapacity*1.001 {
		t.Errorf("writer capacity: one writer %.0f/s, four %.0f/s; want about 666 and four times that", c1.writersCapacity, c4.writersCapacity)
	}
	if c4.nodesForRate >= c1.nodesForRate {
		t.Errorf("nodes for the rate: %d with four writers, %d with one; want fewer with four", c4.nodesForRate, c1.nodesForRate)
	}
	// The node's cores still bound it: with 1 core at 1,500 µs a reading
	// (≈ 666/s), four writers do not help.
	cpu := calculate(small(t, "-writers", "4", "-node-cores", "1", "-node-cpu-us", "1500", "-db-cpu-us", "10"))
	if cpu.cpuCapacity >= cpu.writersCapacity || math.Abs(cpu.nodeCapacity-0.6*cpu.cpuCapacity) > 1 {
		t.Errorf("a 1-core node at 1,500 µs a reading: capacity %.0f/s (cores %.0f, writers %.0f), want bounded by its cores", cpu.nodeCapacity, cpu.cpuCapacity, cpu.writersCapacity)
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
