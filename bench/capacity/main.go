// Command capacity calculates what serving a fleet takes with Hearth on
// PostgreSQL (by default issue 16's: 10,000,000 devices sending one
// reading a minute, about 166,667 readings/s), and checks the calculation
// with a discrete-event simulation of the nodes and the database:
//
//	go run ./bench/capacity
//	go run ./bench/capacity -node-cpu-us 70 -db-cpu-us 45 -row-bytes 620   # with a run's figures
//	go run ./bench/capacity -writers 1   # one group-commit writer per node
//
// The defaults are the figures BENCHMARKS.md reports ("Hearth on
// PostgreSQL"), measured on its 2-core machine; each flag's help says
// which run gave it. The calculation takes per-reading costs measured by
// bench/pgingest.sh (CPU time of a node and of PostgreSQL per stored
// reading, a node's writer's time per reading of a batch, bytes per stored
// reading in the table with its indexes and in the write-ahead log, memory
// per idle MQTT connection and per PostgreSQL backend) and sizes: the
// nodes (for the rate, and for the connections, plus one spare so that
// losing a node keeps the fleet served), PostgreSQL's cores, write rate
// and size, and the memory the connections take. A node's rate is bounded
// by the lowest of its cores, its group-commit writers (-writers of them,
// 4 as a node on PostgreSQL runs, each committing one batch at a time)
// and PostgreSQL's cores.
//
// The simulation then plays one stretch of the fleet's traffic through
// that many nodes: every device sends once a minute at its own random
// phase, the load balancer spreads devices evenly over the nodes, and each
// reading takes a node's CPU (node-cores servers, exponential service
// times of node-cpu-us mean), then waits for one of its node's writers
// (-writers per node, draining one queue: an idle writer takes a reading
// at once, batches of up to 512, a 2 ms linger when more than one reading
// was queued, as ingest's writers do), whose batch takes
// PostgreSQL's CPU (db-cores servers shared by every node, n × db-cpu-us),
// holds its writer at least n × writer-us (the batch's statement as
// measured end to end), and then a commit (the WAL flush, commit-ms); a
// node's writers commit their batches at the same time. It reports, for the
// calculated node count, for one node fewer (a node lost) and for the
// fewest nodes that still hold the rate, the achieved rate and the latency
// from arrival to commit, and calls a configuration sustained as
// bench/pgingest.sh does: at least 0.98× the offered rate committed and
// p99 ≤ 50 ms. It exits with status 1 if the calculated configuration, or
// the one with a node lost, is not sustained.
//
// It is a model: it assumes PostgreSQL's CPU per reading stays the same on
// more cores, which lock contention on one table and its indexes may not
// allow; that a writer's time per reading stays writer-us however many
// writers commit at once, which holds only while PostgreSQL has cores,
// disk and locks to spare for their batches; and that the network and the
// disks keep up (it prints the write rates they must sustain).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
}

// params are the model's inputs, from flags.
type params struct {
	devices        float64
	intervalS      float64
	nodeCores      int
	nodeCPUus      float64 // a node's CPU time per stored reading, µs
	nodeUtil       float64 // target CPU utilization of a node at the full rate
	connsPerNode   float64
	connBytes      float64 // memory per idle MQTT connection, plain
	tlsConnBytes   float64 // the same over TLS
	dbCores        int     // 0: calculated
	dbCPUus        float64 // PostgreSQL's CPU time per stored reading, µs
	dbUtil         float64
	writers        int     // group-commit writers per node (ingest.Config.Writers)
	writerUS       float64 // a writer's time per reading in a batch, µs (0: dbCPUus)
	poolConns      int     // connections per pool of a node (postgres.DefaultPoolConns)
	commitMS       float64
	rowBytes       float64 // table + index bytes per stored reading
	walBytes       float64 // WAL bytes per stored reading
	retentionDays  float64
	backendBytes   float64 // private memory per PostgreSQL backend
	copyRate       float64 // raw CopyFrom rows/s on the measuring machine, for reference
	nodeRate       float64 // measured max sustained rate of one node, for reference
	simSeconds     float64
	warmupS        float64
	seed           uint64
	maxBatch       int
	lingerMS       float64
	p99BoundMS     float64
	keptUpFraction float64
}

func parse(args []string, stderr io.Writer) (*params, error) {
	p := &params{maxBatch: 512, lingerMS: 2, p99BoundMS: 50, keptUpFraction: 0.98}
	fs := flag.NewFlagSet("capacity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&p.devices, "devices", 10_000_000, "devices in the fleet")
	fs.Float64Var(&p.intervalS, "interval", 60, "seconds between two readings of a device")
	fs.IntVar(&p.nodeCores, "node-cores", 8, "CPU cores of a Hearth node (a deployment choice)")
	fs.Float64Var(&p.nodeCPUus, "node-cpu-us", 36, "a node's CPU time per stored reading, µs (bench/pgingest.sh, 12:38 run with 4 writers: one node at its highest kept-up step, 24,000/s)")
	fs.Float64Var(&p.nodeUtil, "node-util", 0.6, "target CPU utilization of a node at the full rate (headroom for bursts and reconnect storms)")
	fs.Float64Var(&p.connsPerNode, "conns-per-node", 200_000, "most device connections a node is given (a deployment choice: open files, memory, the blast radius of losing one)")
	fs.Float64Var(&p.connBytes, "conn-bytes", 5_100, "memory per idle plain MQTT connection, bytes (bench/pgingest.sh, 12:23 run: 10,000 idle connections)")
	fs.Float64Var(&p.tlsConnBytes, "tls-conn-bytes", 12_800, "memory per idle TLS MQTT connection from an X25519 device, bytes (issue 13: 12.8 KB)")
	fs.IntVar(&p.dbCores, "db-cores", 0, "PostgreSQL's CPU cores (0: as many as the calculation asks)")
	fs.Float64Var(&p.dbCPUus, "db-cpu-us", 27, "PostgreSQL's CPU time per stored reading, µs (bench/pgingest.sh, 12:38 run: one node at its highest kept-up step)")
	fs.Float64Var(&p.dbUtil, "db-util", 0.6, "target CPU utilization of PostgreSQL at the full rate")
	fs.IntVar(&p.writers, "writers", 4, "group-commit writers per node, each with one batch in flight (ingest.Config.Writers: 4 on PostgreSQL, 1 on SQLite)")
	fs.Float64Var(&p.writerUS, "writer-us", 0, "time a group-commit writer spends per reading of its batch, µs (0: -db-cpu-us, PostgreSQL's own CPU per reading, as on a database with cores to spare; bench/pgingest.sh measured 30 µs with one writer and 146 µs with four sharing its 2 cores, the mean commit over the readings per commit at 24,000/s)")
	fs.Float64Var(&p.commitMS, "commit-ms", 2, "latency of a commit's WAL flush, ms (a local NVMe disk: well under 1; network block storage: 1-3)")
	fs.Float64Var(&p.rowBytes, "row-bytes", 379, "bytes per stored reading in the readings table with its indexes (bench/pgingest.sh, 12:38 run: after the one-node sweep)")
	fs.Float64Var(&p.walBytes, "wal-bytes", 647, "write-ahead log bytes per stored reading (bench/pgingest.sh, 12:38 run: one node at its highest kept-up step)")
	fs.Float64Var(&p.retentionDays, "retention-days", 30, "days readings are kept (the manifest's longest retention)")
	fs.Float64Var(&p.backendBytes, "backend-bytes", 1_440_000, "private memory per PostgreSQL backend, bytes (bench/pgingest.sh, 12:23 run)")
	fs.IntVar(&p.poolConns, "pool-conns", 16, "connections of each of a node's two pools, data and keys (postgres.DefaultPoolConns, or pool_max_conns in the URL)")
	fs.Float64Var(&p.copyRate, "copy-rate", 0, "raw CopyFrom rows/s measured on the benchmark machine (printed for reference)")
	fs.Float64Var(&p.nodeRate, "node-rate", 0, "one node's max sustained stored rate on the benchmark machine (printed for reference)")
	fs.Float64Var(&p.simSeconds, "sim-seconds", 12, "simulated seconds of traffic per configuration, after the warm-up")
	fs.Float64Var(&p.warmupS, "warmup", 2, "simulated seconds before measuring")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed of the simulation")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if p.writerUS == 0 {
		p.writerUS = p.dbCPUus
	}
	if p.devices < 1 || p.writerUS < 0 || p.writers < 1 || p.poolConns < 1 || p.intervalS <= 0 || p.nodeCores < 1 || p.nodeCPUus <= 0 || p.dbCPUus <= 0 || p.connsPerNode < 1 ||
		p.nodeUtil <= 0 || p.nodeUtil > 1 || p.dbUtil <= 0 || p.dbUtil > 1 || p.simSeconds <= 0 || p.warmupS < 0 || p.dbCores < 0 {
		return nil, errors.New("every count, cost and duration must be positive, and utilizations in (0, 1]")
	}
	return p, nil
}

// plan is the calculation's outcome.
type plan struct {
	rate                    float64 // readings/s
	cpuCapacity             float64 // readings/s a node's cores can serve
	writerCapacity          float64 // readings/s one group-commit writer can commit
	writersCapacity         float64 // readings/s a node's writers can commit together
	dbCapacity              float64 // readings/s PostgreSQL's cores can store
	nodeCapacity            float64 // the lowest of the three, at the target utilization
	nodesForRate, nodesConn int
	nodes                   int // the larger, plus one spare
	dbCoresNeeded           float64
	dbCores                 int
	pgConns                 int
}

func calculate(p *params) plan {
	var c plan
	c.rate = p.devices / p.intervalS
	c.cpuCapacity = float64(p.nodeCores) * 1e6 / p.nodeCPUus
	// Each writer commits one batch at a time on its own connection: full
	// batches of maxBatch readings, each taking n × writerUS plus the WAL
	// flush. A node's writers commit at the same time, so together they
	// give writers times as much; no node stores faster than PostgreSQL's
	// cores.
	b := float64(p.maxBatch)
	c.writerCapacity = b / (b*p.writerUS/1e6 + p.commitMS/1e3)
	c.writersCapacity = float64(p.writers) * c.writerCapacity
	c.dbCoresNeeded = c.rate * p.dbCPUus / 1e6 / p.dbUtil
	c.dbCores = p.dbCores
	if c.dbCores == 0 {
		c.dbCores = int(math.Ceil(c.dbCoresNeeded))
	}
	c.dbCapacity = float64(c.dbCores) * 1e6 / p.dbCPUus
	c.nodeCapacity = min(c.cpuCapacity, c.writersCapacity, c.dbCapacity) * p.nodeUtil
	c.nodesForRate = int(math.Ceil(c.rate / c.nodeCapacity))
	c.nodesConn = int(math.Ceil(p.devices / p.connsPerNode))
	c.nodes = max(c.nodesForRate, c.nodesConn) + 1
	// Each node: a data pool and a key pool of poolConns connections each
	// at most, the bus's listening connection and the lease's.
	c.pgConns = c.nodes * (2*p.poolConns + 2)
	return c
}

func run(args []string, stdout, stderr io.Writer) error {
	p, err := parse(args, stderr)
	if err != nil {
		return err
	}
	c := calculate(p)
	printPlan(stdout, p, c)
	fmt.Fprintf(stdout, "\nSimulation: %.0f s of traffic after %.0f s of warm-up per configuration; each device sends once every %.0f s at its own random phase.\n\n",
		p.simSeconds, p.warmupS, p.intervalS)
	fmt.Fprintln(stdout, "| nodes | devices per node | offered/s | committed/s | p50 ms | p99 ms | p99.9 ms | max ms | node CPU asked | PostgreSQL CPU asked | mean batch | sustained |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	planned := simulate(p, c.nodes, c.dbCores, c.rate)
	fmt.Fprintln(stdout, planned.row("calculated"))
	lost := simulate(p, c.nodes-1, c.dbCores, c.rate)
	fmt.Fprintln(stdout, lost.row("one node lost"))
	// The fewest nodes that still hold the rate (fewer nodes never hold
	// more): a binary search below the count with a node lost.
	fewest := lost
	if lost.sustained {
		lo, hi := 0, lost.nodes // lo is not sustained (or none), hi is
		var failed *result
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			r := simulate(p, mid, c.dbCores, c.rate)
			if r.sustained {
				hi, fewest = mid, r
			} else {
				lo, failed = mid, &r
			}
		}
		if fewest.nodes != lost.nodes {
			fmt.Fprintln(stdout, fewest.row("fewest"))
		}
		if failed != nil && failed.nodes == fewest.nodes-1 {
			fmt.Fprintln(stdout, failed.row("one fewer"))
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "CPU asked: the CPU time the readings of the window asked of the nodes' cores and of PostgreSQL's, over the time there was (above 100%: overload).")
	if !lost.sustained {
		return errors.New("the calculated configuration is not sustained in the simulation: the calculation is wrong for these inputs")
	}
	fmt.Fprintf(stdout, "Fewest nodes that hold the rate in the simulation (connections aside): %d, at %.0f%% node CPU; the calculation asks %d for the rate at %.0f%% of a node's capacity (headroom), %d for the connections, plus one spare.\n",
		fewest.nodes, 100*fewest.nodeUtil, c.nodesForRate, 100*p.nodeUtil, c.nodesConn)
	if fewest.nodes > c.nodesForRate {
		fmt.Fprintln(stdout, "**The rate alone needs more nodes than the calculation gives it**: only the connections' count hides it here.")
	}
	if !planned.sustained || !lost.sustained {
		return errors.New("the calculated configuration is not sustained in the simulation: the calculation is wrong for these inputs")
	}
	fmt.Fprintln(stdout, "Check: the calculated configuration, and the same with one node lost, are sustained in the simulation.")
	return nil
}

func printPlan(w io.Writer, p *params, c plan) {
	day := c.rate * 86400
	fmt.Fprintf(w, "Fleet: %s devices, one reading every %.0f s: %s readings/s, %s a day.\n", human(p.devices), p.intervalS, human(c.rate), human(day))
	if p.nodeRate > 0 {
		fmt.Fprintf(w, "Measured on the benchmark machine: one node sustained %s readings/s.\n", human(p.nodeRate))
	}
	if p.copyRate > 0 {
		fmt.Fprintf(w, "Measured on the benchmark machine: raw CopyFrom %s rows/s.\n", human(p.copyRate))
	}
	fmt.Fprintf(w, "\nNodes (%d cores each, %.0f µs of CPU per stored reading):\n", p.nodeCores, p.nodeCPUus)
	fmt.Fprintf(w, "- its cores: %d × 1,000,000 µs / %.0f µs = %s readings/s\n", p.nodeCores, p.nodeCPUus, human(c.cpuCapacity))
	fmt.Fprintf(w, "- its group-commit writers, each one batch at a time: %d × %d / (%d × %.0f µs + %.1f ms commit) = %d × %s = %s readings/s\n",
		p.writers, p.maxBatch, p.maxBatch, p.writerUS, p.commitMS, p.writers, human(c.writerCapacity), human(c.writersCapacity))
	fmt.Fprintf(w, "- PostgreSQL's %d cores (below): %d × 1,000,000 µs / %.0f µs = %s readings/s\n", c.dbCores, c.dbCores, p.dbCPUus, human(c.dbCapacity))
	fmt.Fprintf(w, "- for the rate: the lowest (%s), at %.0f%% = %s readings/s per node → %d nodes\n", bound(c), 100*p.nodeUtil, human(c.nodeCapacity), c.nodesForRate)
	fmt.Fprintf(w, "- for the connections: %s devices / %s per node → %d nodes\n", human(p.devices), human(p.connsPerNode), c.nodesConn)
	fmt.Fprintf(w, "- the larger, plus one spare (a lost node's devices reconnect to the others): **%d nodes**\n", c.nodes)
	perNode := p.devices / float64(c.nodes-1)
	fmt.Fprintf(w, "\nMemory for device connections: %s over TLS (%.1f KB each; %s plain at %.1f KB); per node with one node lost: %s connections, %s over TLS.\n",
		bytes(p.devices*p.tlsConnBytes), p.tlsConnBytes/1000, bytes(p.devices*p.connBytes), p.connBytes/1000,
		human(perNode), bytes(perNode*p.tlsConnBytes))
	fmt.Fprintf(w, "\nPostgreSQL (%.0f µs of its CPU per stored reading):\n", p.dbCPUus)
	fmt.Fprintf(w, "- CPU: %s readings/s × %.0f µs / %.0f%% utilization = %.1f cores → %d cores\n", human(c.rate), p.dbCPUus, 100*p.dbUtil, c.dbCoresNeeded, c.dbCores)
	if float64(c.dbCores) < c.dbCoresNeeded {
		fmt.Fprintf(w, "  **-db-cores %d is below the %.1f the rate asks**\n", c.dbCores, c.dbCoresNeeded)
	}
	fmt.Fprintf(w, "- write rate: %s rows/s in one commit per batch of a node's writer; the table and its indexes grow %s/s (%.0f bytes per reading), the WAL %s/s (%.0f bytes per reading), before checkpoints write the pages again\n",
		human(c.rate), bytes(c.rate*p.rowBytes), p.rowBytes, bytes(c.rate*p.walBytes), p.walBytes)
	fmt.Fprintf(w, "- size: %s a day; %s for %.0f days of retention (without bloat; deleted rows' space is reused after VACUUM)\n",
		bytes(day*p.rowBytes), bytes(day*p.rowBytes*p.retentionDays), p.retentionDays)
	fmt.Fprintf(w, "- connections: %d nodes × (2 pools × %d + 2) = %s at most (max_connections above it), %s of backend memory at %s each\n",
		c.nodes, p.poolConns, human(float64(c.pgConns)), bytes(float64(c.pgConns)*p.backendBytes), bytes(p.backendBytes))
}

// bound names what sets a node's capacity in c.
func bound(c plan) string {
	switch m := min(c.cpuCapacity, c.writersCapacity, c.dbCapacity); m {
	case c.writersCapacity:
		return "the writers"
	case c.cpuCapacity:
		return "its cores"
	default:
		return "PostgreSQL's cores"
	}
}

// human formats a count with a thousands separator, or in millions and
// billions.
func human(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f billion", v/1e9)
	case v >= 1e7:
		return fmt.Sprintf("%.1f million", v/1e6)
	}
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// bytes formats a byte count in decimal units.
func bytes(v float64) string {
	for _, u := range []struct {
		f float64
		n string
	}{{1e15, "PB"}, {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "KB"}} {
		if v >= u.f {
			return fmt.Sprintf("%.1f %s", v/u.f, u.n)
		}
	}
	return fmt.Sprintf("%.0f B", v)
}
