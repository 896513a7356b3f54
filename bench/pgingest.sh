#!/usr/bin/env bash
# bench/pgingest.sh: Hearth on PostgreSQL (issue 16). In one run on one
# machine, against one PostgreSQL cluster that the script starts in a
# temporary directory with fsync on (durability is what is measured):
#
#   a. stored QoS 1 throughput steps with one Hearth node, then with two
#      nodes on the same databases (the devices split between them): the
#      highest sustained rate, where sustained means at least 0.98x the
#      offered rate acknowledged, nothing lost, and p99 <= 50 ms; with the
#      CPU of the nodes, of PostgreSQL and of the generator per step, and
#      the write-ahead log written per stored reading;
#   b. the storage ceiling: bench/pgcopy, raw pgx CopyFrom of the same rows
#      (sampled from what the nodes stored) into the same schema, with one
#      and with two writers;
#   c. memory per idle MQTT connection of one node, and per PostgreSQL
#      backend;
#   d. the bytes per stored reading (table with its indexes);
#
# then runs bench/capacity with the figures measured here. It prints one
# summary and writes it to bench/results/DATE-postgres.md. See
# bench/README.md. Usage: bench/pgingest.sh [--quick] [--out FILE|-] [...]
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/pgingest.sh [flags]

  --quick               smoke run of every part, about two minutes
  --out FILE            write the summary here; "-" for stdout only
                        (default: bench/results/YYYY-MM-DD-postgres.md, or
                        ...-HHMM.md if that exists)
  --nodes "N ..."       node counts to measure (default "1 2")
  --devices N           connections of the throughput steps, split over the
                        nodes (default 1000)
  --rates "R ..."       offered rates to step through, msg/s
                        (default "1000 2000 4000 8000 12000 16000 24000 32000")
  --refine N            extra steps bisecting between the last sustained and
                        the first failed rate (default 3)
  --step D              measured time per step (default 15s)
  --warmup D            warm-up before each step (default 3s)
  --p99-bound MS        a step whose p99 exceeds this is not sustained (default 50)
  --ceiling-duration D  measured time of each CopyFrom configuration (default 10s)
  --idle-devices N      silent connections for memory per connection (default 10000)
  --payload-size B      payload bytes (default 128)
  --pg-setting K=V      an extra PostgreSQL setting (repeatable), e.g.
                        --pg-setting synchronous_commit=off to see what
                        durability costs (the summary names every setting)
  --skip "PART ..."     leave out parts: steps ceiling idle capacity
  --keep                keep the work directory (logs, JSON of every run)

It needs Go, PostgreSQL's server programs (initdb, postgres; Debian's
postgresql package, as ./test.sh installs), psql, jq and curl. Run as root,
PostgreSQL runs as the user postgres.
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0 OUT="" NODES="1 2" DEVICES=1000 RATES="1000 2000 4000 8000 12000 16000 24000 32000" REFINE=3
STEP=15s WARMUP=3s P99_BOUND=50 CEIL_DURATION=10s IDLE_DEVICES=10000 PAYLOAD=128 SKIP="" KEEP=0
DRAIN=10s CATEGORY=room-temperature MODEL=ember-t1 SETTLE=5 PG_EXTRA=()
# SEALED is the size of a bench reading's sealed values (bench/manifest.yaml's
# room-temperature, 128-byte payloads): 66-74 bytes on average in the
# stored rows of earlier runs; the "before" ceiling's synthetic rows use it.
SEALED=70

parse_args() {
	while (($#)); do
		case $1 in
		--quick) QUICK=1 ;;
		--out) OUT=$2; shift ;;
		--nodes) NODES=$2; shift ;;
		--devices) DEVICES=$2; shift ;;
		--rates) RATES=$2; shift ;;
		--refine) REFINE=$2; shift ;;
		--step) STEP=$2; shift ;;
		--warmup) WARMUP=$2; shift ;;
		--p99-bound) P99_BOUND=$2; shift ;;
		--ceiling-duration) CEIL_DURATION=$2; shift ;;
		--idle-devices) IDLE_DEVICES=$2; shift ;;
		--payload-size) PAYLOAD=$2; shift ;;
		--pg-setting) PG_EXTRA+=("$2"); shift ;;
		--skip) SKIP=$2; shift ;;
		--keep) KEEP=1 ;;
		-h | --help) usage; exit 0 ;;
		*) echo "pgingest.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
		esac
		shift
	done
	if ((QUICK)); then
		DEVICES=50 RATES="500 1000" REFINE=0 STEP=3s WARMUP=1s CEIL_DURATION=2s IDLE_DEVICES=300 DRAIN=5s SETTLE=2
	fi
}

log() { printf 'pgingest.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# ---- processes ---------------------------------------------------------

PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if ((KEEP)); then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}

stop() { # PID: SIGTERM, wait, forget
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() p
	for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

free_port() {
	local p low
	low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
	for _ in $(seq 100); do
		p=$((10000 + RANDOM % (low - 10000)))
		if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	die "no free port found"
}

# ---- PostgreSQL --------------------------------------------------------

# The settings of the benchmark's cluster: durable (fsync, full-page
# writes and synchronous commit at their defaults, on), enough shared
# buffers that the readings' indexes stay in memory over a run, and a WAL
# large enough that checkpoints come from checkpoint_timeout rather than
# from every few seconds of load. docs/deploy.md explains each.
PG_SETTINGS=(
	fsync=on synchronous_commit=on full_page_writes=on wal_level=replica
	shared_buffers=1GB max_wal_size=8GB checkpoint_timeout=5min checkpoint_completion_target=0.9
	max_connections=200 wal_compression=off
)

pg_bin() {
	local d
	if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[[ -x $d/initdb ]] && { echo "$d"; return; }
	done
	die "PostgreSQL's server programs were not found: apt-get install -y postgresql (./test.sh does it)"
}

# start_pg sets PGURL (the superuser's postgres database), PG_PID and PGDATA.
start_pg() {
	local bin as=() port s opts=()
	bin=$(pg_bin)
	PGDATA=$WORK/pg
	mkdir -p "$PGDATA"
	if ((EUID == 0)); then
		chmod a+x "$WORK"
		chown postgres: "$PGDATA"
		as=(runuser -u postgres --)
	fi
	[[ $(df --output=fstype "$PGDATA" | tail -1) != tmpfs ]] || log "warning: $PGDATA is on tmpfs, where fsync costs nothing: the figures are not durable ones"
	"${as[@]}" "$bin/initdb" -D "$PGDATA" -U hearth -A trust -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 ||
		die "initdb failed: $(tail -5 "$WORK/initdb.log")"
	port=$(free_port)
	for s in "${PG_SETTINGS[@]}" "${PG_EXTRA[@]}"; do opts+=(-c "$s"); done
	"${as[@]}" "$bin/postgres" -D "$PGDATA" -c listen_addresses=127.0.0.1 -c port="$port" -c unix_socket_directories= \
		"${opts[@]}" >"$WORK/postgres.log" 2>&1 &
	PIDS+=($!)
	PGURL="postgres://hearth@127.0.0.1:$port/postgres?sslmode=disable"
	for _ in $(seq 300); do
		psql "$PGURL" -Atqc 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.1
	done
	psql "$PGURL" -Atqc 'SELECT 1' >/dev/null 2>&1 || die "postgres did not start: $(tail -5 "$WORK/postgres.log")"
	PG_PID=$(head -1 "$PGDATA/postmaster.pid")
	PG_BASE="postgres://hearth@127.0.0.1:$port"
	for s in hearth hearth_keys ceiling ceiling_keys; do
		psql "$PGURL" -Atqc "CREATE DATABASE $s" >/dev/null
	done
	PG_VERSION=$(psql "$PGURL" -Atqc 'SHOW server_version')
}

db_url() { echo "$PG_BASE/$1?sslmode=disable"; }
sql() { psql "$(db_url "$1")" -Atqc "$2"; } # DB SQL
wal_lsn() { sql postgres 'SELECT pg_current_wal_lsn()'; }
wal_diff() { sql postgres "SELECT pg_wal_lsn_diff('$1', '$2')::bigint"; } # A B: bytes from B to A

# ---- Hearth nodes ------------------------------------------------------

hearth_store_flags() {
	echo --store "$(db_url hearth)" --keys-store "$(db_url hearth_keys)" --kek "$WORK/hearth.kek"
}

provision() { # N
	log "provisioning $1 Hearth devices on PostgreSQL"
	# shellcheck disable=SC2046
	"$WORK/hearth" devices provision $(hearth_store_flags) --manifest "$ROOT/bench/manifest.yaml" --model "$MODEL" \
		--count "$1" --household bench --out "$WORK/creds.csv" >"$WORK/provision.out" 2>"$WORK/provision.err" ||
		die "hearth devices provision failed: $(tail -5 "$WORK/provision.err")"
}

# start_nodes N: N `hearth serve` on the same databases. Sets BROKERS
# (comma-separated), NODE_PIDS (comma-separated), METRICS_URLS.
start_nodes() {
	local n=$1 i out pid line broker metrics
	METRICS_TOKEN=${METRICS_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
	BROKERS="" NODE_PIDS="" METRICS_URLS=()
	for i in $(seq "$n"); do
		out=$WORK/node$i.out
		: >"$out"
		# shellcheck disable=SC2046
		HEARTH_METRICS_TOKEN=$METRICS_TOKEN "$WORK/hearth" serve $(hearth_store_flags) --manifest "$ROOT/bench/manifest.yaml" \
			--http 127.0.0.1:0 --mqtt 127.0.0.1:0 --log-level warn >"$out" 2>>"$WORK/node$i.log" &
		pid=$!
		PIDS+=("$pid")
		broker="" metrics=""
		for _ in $(seq 600); do
			kill -0 "$pid" 2>/dev/null || die "hearth node $i exited: $(tail -5 "$WORK/node$i.log")"
			line=$(grep -m1 '^hearth: mqtt listening on mqtt://' "$out" || true)
			[[ -n $line ]] && broker=tcp://${line#hearth: mqtt listening on mqtt://}
			line=$(grep -m1 '^hearth: http listening on ' "$out" || true)
			[[ -n $line ]] && metrics=${line#hearth: http listening on }/metrics
			[[ -n $broker && -n $metrics ]] && break
			sleep 0.1
		done
		[[ -n $broker && -n $metrics ]] || die "hearth node $i did not print its listening lines: $(tail -5 "$WORK/node$i.log")"
		BROKERS+=${BROKERS:+,}$broker
		NODE_PIDS+=${NODE_PIDS:+,}$pid
		METRICS_URLS+=("$metrics")
	done
}

stop_nodes() {
	local p
	for p in ${NODE_PIDS//,/ }; do stop "$p"; done
	NODE_PIDS=""
}

# stored_total: hearth_readings_accepted_total summed over the nodes.
stored_total() {
	local u s=0 v
	for u in "${METRICS_URLS[@]}"; do
		v=$(curl -kfsS -H "Authorization: Bearer $METRICS_TOKEN" "$u" | awk '/^hearth_readings_accepted_total[{ ]/ {s += $NF} END {printf "%d\n", s}')
		s=$((s + v))
	done
	echo "$s"
}

# hist_sums NAME: "SUM COUNT" of a Prometheus histogram, summed over the
# nodes (hearth_ingest_commit_seconds, hearth_ingest_batch_size).
hist_sums() {
	local u
	for u in "${METRICS_URLS[@]}"; do
		curl -kfsS -H "Authorization: Bearer $METRICS_TOKEN" "$u"
	done | awk -v n="$1" '$1 == n "_sum" {s += $2} $1 == n "_count" {c += $2} END {printf "%s %d\n", s + 0, c}'
}

# writer_stats BEFORE_COMMIT BEFORE_BATCH AFTER_COMMIT AFTER_BATCH: "mean
# readings per commit, mean commit ms" between two hist_sums readings.
writer_stats() {
	awk -v c0="$1" -v b0="$2" -v c1="$3" -v b1="$4" 'BEGIN {
		split(c0, a, " "); split(c1, b, " "); split(b0, x, " "); split(b1, y, " ")
		n = b[2] - a[2]
		if (n > 0) printf "%.0f | %.1f\n", (y[1] - x[1]) / n, 1000 * (b[1] - a[1]) / n; else print "n/a | n/a"
	}'
}

# ---- runs --------------------------------------------------------------

loadgen() { # NAME ARGS...
	local name=$1
	shift
	"$WORK/loadgen" --broker "$BROKERS" --creds "$WORK/creds.csv" --payload-size "$PAYLOAD" --category "$CATEGORY" \
		--drain "$DRAIN" --warmup "$WARMUP" --server-pid "$NODE_PIDS" --store-pid "$PG_PID" --connect-concurrency 32 --json "$@" \
		>"$WORK/$name.json" 2>>"$WORK/loadgen.log" || die "loadgen $name failed: $(tail -3 "$WORK/loadgen.log")"
}

j() { jq -r "$1" "$WORK/$2.json"; }

# step NODES RATE: one throughput step; appends a row to WORK/nN.steps and
# returns 0 if it was sustained. KEPT is 1 if it kept up with the offered
# rate (loadgen's kept_up: >= 0.98x acknowledged, nothing lost), p99 aside.
step() {
	local nodes=$1 rate=$2 name=n$1-step-$2 before stored ok=1 lsn0 wal c0 b0
	before=$(stored_total)
	lsn0=$(wal_lsn)
	c0=$(hist_sums hearth_ingest_commit_seconds) b0=$(hist_sums hearth_ingest_batch_size)
	log "$nodes node(s): $rate msg/s from $DEVICES connections"
	loadgen "$name" --devices "$DEVICES" --rate "$rate" --duration "$STEP"
	stored=$(($(stored_total) - before))
	wal=$(wal_diff "$(wal_lsn)" "$lsn0")
	writer_stats "$c0" "$b0" "$(hist_sums hearth_ingest_commit_seconds)" "$(hist_sums hearth_ingest_batch_size)" >"$WORK/$name.writer"
	awk -v w="$wal" -v s="$stored" 'BEGIN {if (s > 0) printf "%.0f\n", w / s}' >"$WORK/$name.wal"
	if ((stored < $(j .acked_total "$name"))); then
		log "$stored stored but $(j .acked_total "$name") PUBACKed: acknowledged readings lost"
		LOST=1
	fi
	KEPT=0
	[[ $(j .kept_up "$name") == true ]] && KEPT=1
	((KEPT)) || ok=0
	if ((KEPT)) && (($(printf '%.0f' "$(j .ack_rate "$name")") > TPUT)); then
		TPUT=$(printf '%.0f' "$(j .ack_rate "$name")")
		echo "$name" >"$WORK/n$nodes.tputstep"
	fi
	awk -v p="$(j .latency_ms.p99 "$name")" -v b="$P99_BOUND" 'BEGIN {exit !(p > b)}' && ok=0
	printf '| %s | %.0f | %s | %s | %s | %s | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n' "$rate" "$(j .ack_rate "$name")" \
		"$(j .latency_ms.p50 "$name")" "$(j .latency_ms.p99 "$name")" "$(j .latency_ms.p999 "$name")" "$(j .latency_ms.max "$name")" \
		"$(j '.server_cpu_cores // 0' "$name")" "$(j '.store_cpu_cores // 0' "$name")" "$(j .generator_cpu_cores "$name")" \
		"$( ((ok)) && echo yes || echo no)" "$stored" "$(val "$name.wal")" "$(val "$name.writer")" \
		>>"$WORK/n$nodes.steps"
	if ((ok)) && (($(printf '%.0f' "$(j .ack_rate "$name")") > BEST)); then
		BEST=$(printf '%.0f' "$(j .ack_rate "$name")")
		echo "$name" >"$WORK/n$nodes.beststep"
	fi
	return $((!ok))
}

# sweep NODES: steps up while the offered rate is kept up (p99 aside),
# then bisects REFINE times between the last sustained rate and the first
# that was not. Writes the highest sustained ack rate to WORK/nN.best and
# the highest kept-up one to WORK/nN.tput.
sweep() {
	local nodes=$1 lo=0 hi=0 rate mid
	BEST=0 TPUT=0
	: >"$WORK/n$nodes.steps"
	for rate in $RATES; do
		if step "$nodes" "$rate"; then
			lo=$rate
		else
			((hi > 0)) || hi=$rate
			((KEPT)) || break
		fi
	done
	for _ in $(seq "$REFINE"); do
		((hi > 0 && hi - lo > 500)) || break
		mid=$(((lo + hi) / 2 / 500 * 500))
		((mid > lo)) || break
		if step "$nodes" "$mid"; then lo=$mid; else hi=$mid; fi
	done
	echo "$BEST" >"$WORK/n$nodes.best"
	echo "$TPUT" >"$WORK/n$nodes.tput"
}

# throughput: for each node count, an empty readings table, the nodes, a
# sweep; the table's size per reading is read before it is emptied.
throughput() {
	local n rows
	for n in $NODES; do
		sql hearth 'TRUNCATE readings' >/dev/null
		start_nodes "$n"
		sweep "$n"
		stop_nodes
		rows=$(sql hearth 'SELECT count(*) FROM readings')
		sql hearth "SELECT $rows, pg_total_relation_size('readings'), pg_relation_size('readings'),
			pg_indexes_size('readings'), (SELECT coalesce(avg(octet_length(sealed)), 0)::int FROM readings)" | tr '|' ' ' >"$WORK/n$n.size"
		# The ceiling copies the rows of the last sweep.
	done
}

# ceiling WHEN: bench/pgcopy with one and two writers, batches of 64 and
# 512 (the writer's group commits are of that order). "before" the sweeps
# copies synthetic rows whose sealed values have a bench reading's size;
# "after" copies rows sampled from those the nodes stored. The ceiling is
# the higher of the two runs' best.
ceiling() {
	local when=$1 from=(-sealed "$SEALED")
	if [[ $when == after ]] && (($(sql hearth 'SELECT count(*) FROM readings') > 0)); then from=(-from "$(db_url hearth)"); fi
	log "storage ceiling ($when the sweeps): raw CopyFrom, $CEIL_DURATION per configuration"
	"$WORK/pgcopy" -data "$(db_url ceiling)" -keys "$(db_url ceiling_keys)" "${from[@]}" -batches 64,512 -writers 1,2 \
		-duration "$CEIL_DURATION" -pg-pid "$PG_PID" | jq -c --arg w "$when" '. + {when: $w}' >>"$WORK/ceiling.jsonl" 2>"$WORK/ceiling.err" ||
		die "pgcopy failed: $(tail -5 "$WORK/ceiling.err")"
	jq -s 'max_by(.rows_per_s) | .rows_per_s | round' "$WORK/ceiling.jsonl" >"$WORK/ceiling.best"
}

# idle: one node, IDLE_DEVICES silent connections; its RSS before and
# after, and the private memory of each PostgreSQL backend.
idle() {
	local before after out=$WORK/idle.out
	start_nodes 1
	sleep 2
	before=$(rss_kb "$NODE_PIDS")
	log "connecting $IDLE_DEVICES silent devices to one node"
	"$WORK/loadgen" --broker "$BROKERS" --creds "$WORK/creds.csv" --devices "$IDLE_DEVICES" --idle --duration 0 \
		--keepalive 1200s --connect-concurrency 32 >"$out" 2>>"$WORK/loadgen.log" &
	local lg=$!
	PIDS+=("$lg")
	for _ in $(seq 2400); do
		grep -q '^loadgen: idle with' "$out" && break
		kill -0 "$lg" 2>/dev/null || die "idle loadgen exited: $(tail -3 "$WORK/loadgen.log")"
		sleep 0.25
	done
	grep -q "^loadgen: idle with $IDLE_DEVICES devices connected" "$out" || die "not all idle devices connected: $(cat "$out")"
	sleep "$SETTLE"
	after=$(rss_kb "$NODE_PIDS")
	echo "$before $after" >"$WORK/idle.rss"
	backend_memory >"$WORK/pg.backends"
	stop "$lg"
	stop_nodes
}

# backend_memory prints the count of client backends and their mean
# private memory (Private_Clean + Private_Dirty of smaps_rollup) in KiB.
backend_memory() {
	local p n=0 kb=0 v
	for p in $(sql postgres "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IN ('hearth', 'hearth_keys')"); do
		v=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s + 0}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		((v > 0)) || continue
		n=$((n + 1)) kb=$((kb + v))
	done
	echo "$n $((n > 0 ? kb / n : 0))"
}

# capacity: bench/capacity with this run's figures: one node's CPU and
# PostgreSQL's per stored reading and WAL bytes per stored reading at its
# highest kept-up step (at a low rate, fixed costs inflate them), the bytes per stored reading of the table with
# its indexes, memory per idle connection and per backend.
capacity() {
	local args=() s
	[[ -f $WORK/n1.best ]] && args+=(-node-rate "$(cat "$WORK/n1.best")")
	if [[ -f $WORK/n1.tputstep ]]; then
		s=$(cat "$WORK/n1.tputstep")
		args+=(-node-cpu-us "$(j '.server_cpu_us_per_ack | round' "$s")"
			-db-cpu-us "$(j '.store_cpu_us_per_ack | round' "$s")")
		[[ -s $WORK/$s.wal ]] && args+=(-wal-bytes "$(cat "$WORK/$s.wal")")
		# Not -writer-us: the mean commit over the readings per commit
		# includes waiting for the cores this machine shares with the
		# generator and the other writers; bench/capacity's default (PostgreSQL's
		# CPU per reading) is used instead (BENCHMARKS.md, issue 16).
	fi
	[[ -f $WORK/ceiling.best ]] && args+=(-copy-rate "$(cat "$WORK/ceiling.best")")
	if [[ -f $WORK/n1.size ]] && (($(awk '{print $1}' "$WORK/n1.size") > 0)); then
		args+=(-row-bytes "$(awk '{printf "%.0f", $2 / $1}' "$WORK/n1.size")")
	fi
	[[ -f $WORK/idle.rss ]] && args+=(-conn-bytes "$(awk -v n="$IDLE_DEVICES" '{printf "%.0f", ($2 - $1) * 1024 / n}' "$WORK/idle.rss")")
	[[ -f $WORK/pg.backends ]] && (($(awk '{print $2}' "$WORK/pg.backends") > 0)) &&
		args+=(-backend-bytes "$(awk '{print $2 * 1024}' "$WORK/pg.backends")")
	log "capacity model: bench/capacity ${args[*]}"
	echo "${args[*]}" >"$WORK/capacity.args"
	"$WORK/capacity" "${args[@]}" >"$WORK/capacity.out" 2>&1 || log "bench/capacity: $(tail -1 "$WORK/capacity.out")"
}

# ---- report ------------------------------------------------------------

val() { [[ -s $WORK/$1 ]] && cat "$WORK/$1" || echo n/a; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'; }
verdict() { # VALUE LIMIT: met if VALUE >= LIMIT
	[[ $1 =~ ^[0-9.]+$ ]] || { echo "n/a"; return; }
	awk -v v="$1" -v l="$2" 'BEGIN {print ((v >= l) ? "met" : "**missed**")}'
}

report() {
	local n1 n2 c c1
	n1=$(val n1.best) n2=$(val n2.best) c=$(val ceiling.best)
	c1=$( [[ -f $WORK/ceiling.jsonl ]] && jq -s '[.[] | select(.writers == 1)] | max_by(.rows_per_s) | .rows_per_s | round' "$WORK/ceiling.jsonl" || echo n/a)
	cat <<EOF
# Hearth on PostgreSQL, $(date -u +%Y-%m-%dT%H:%MZ)

Command: \`bench/pgingest.sh${ARGS:+ $ARGS}\`

Machine: $(nproc) CPU cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r), $(go version | awk '{print $3}'), PostgreSQL $PG_VERSION, hearth $(git -C "$ROOT" rev-parse --short HEAD).
Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg).
PostgreSQL: one cluster in a temporary directory on $(df --output=fstype "$WORK" | tail -1) ($(df --output=source "$WORK" | tail -1)), settings: ${PG_SETTINGS[*]} ${PG_EXTRA[*]}.
The load generator (bench/loadgen, lean client, one core), the Hearth nodes and PostgreSQL share these $(nproc) cores: $( (($(nproc) < 4)) && echo "**two nodes on a machine this size cannot show scale-out** (they share the same cores with the database and the generator); they are measured anyway, to show that two nodes on one database store every reading once and what the sharing costs" || echo "each figure is a floor for the servers alone").
Load: $DEVICES devices (split in turn between the nodes), MQTT 3.1.1, QoS 1, $PAYLOAD-byte readings, open loop; latency from each message's scheduled send time to its PUBACK. Hearth acknowledges a reading only once it is gated, sealed and committed (PostgreSQL's commit, synchronous_commit on), so its ack rate is its stored rate (checked against /metrics after every step: $( ((LOST)) && echo "**some acknowledged readings were not stored**" || echo "every acknowledged reading was stored")).
A step is sustained when at least 0.98× the offered rate is acknowledged within the step, nothing is lost, failed or left unacknowledged after a $DRAIN drain, and p99 ≤ $P99_BOUND ms; it is kept up when all but the p99 bound hold. The sweep goes up while steps are kept up, then bisects between the last sustained step and the first that was not.

## Summary

| Figure | Value | Ratio | Target (issue 16) |
|---|---|---|---|
| Storage ceiling: raw CopyFrom, best of 1–2 writers × batches 64/512, before and after the sweeps (rows/s) | $c (one writer: $c1) | | |
| Max sustained stored QoS 1 msg/s, one node | $n1 | $(ratio "$n1" "$c")× the ceiling | ≥ 0.3×: $(verdict "$(ratio "$n1" "$c")" 0.3) |
| Max sustained stored QoS 1 msg/s, two nodes | $n2 | $(ratio "$n2" "$n1")× one node, $(ratio "$n2" "$c")× the ceiling | ≥ 1.6× where the cores allow: $(verdict "$(ratio "$n2" "$n1")" 1.6) ($(nproc) cores) |
| Highest stored rate kept up (≥ 0.98× offered, nothing lost, p99 aside), one node / two nodes | $(val n1.tput) / $(val n2.tput) | $(ratio "$(val n1.tput)" "$c")× / $(ratio "$(val n2.tput)" "$c")× the ceiling | |
EOF
	local n what s
	for n in $NODES; do
		for what in best tput; do
			[[ -f $WORK/n$n.${what}step ]] || continue
			s=$(cat "$WORK/n$n.${what}step")
			echo "| $n node(s), highest $([[ $what == best ]] && echo sustained || echo kept-up) step ($(j .offered_rate "$s") offered): p50 / p99 / p99.9 ms; nodes / PostgreSQL / generator cores; µs of node and of PostgreSQL CPU per stored reading | $(j '"\(.latency_ms.p50) / \(.latency_ms.p99) / \(.latency_ms.p999); \(.server_cpu_cores*100|round/100) / \(.store_cpu_cores*100|round/100) / \(.generator_cpu_cores*100|round/100); \(.server_cpu_us_per_ack|round) / \(.store_cpu_us_per_ack|round)"' "$s") | | |"
		done
	done
	[[ -f $WORK/idle.rss ]] && echo "| RSS per idle MQTT connection, one node, $IDLE_DEVICES plain connections (KB) | $(awk -v n="$IDLE_DEVICES" '{printf "%.1f", ($2 - $1) * 1.024 / n}' "$WORK/idle.rss") | | |"
	[[ -f $WORK/pg.backends ]] && echo "| PostgreSQL client backends of that node, private memory each (KiB) | $(awk '{print $1 ", " $2}' "$WORK/pg.backends") | | |"
	for n in $NODES; do
		[[ -f $WORK/n$n.size ]] && awk -v n="$n" '$1 > 0 {printf "| Stored after the %s-node sweep: readings; bytes per reading, table + indexes (heap / indexes); mean sealed bytes | %d; %.0f (%.0f / %.0f); %d | | |\n", n, $1, $2 / $1, $3 / $1, $4 / $1, $5}' "$WORK/n$n.size"
	done
	echo
	echo "KB are 1,000 bytes. Cores are CPU time over the measured window: the nodes' (summed), PostgreSQL's (postmaster and its children) and the generator's. Readings per commit and the commit's mean time come from the nodes' hearth_ingest_batch_size and hearth_ingest_commit_seconds over the whole step (warm-up and drain included)."
	for n in $NODES; do
		[[ -s $WORK/n$n.steps ]] || continue
		cat <<EOF

## Steps: $n node(s)

| Offered msg/s | Ack msg/s | p50 ms | p99 ms | p99.9 ms | max ms | Node cores | PostgreSQL cores | Generator cores | Sustained | Stored (incl. warm-up) | WAL bytes per stored reading | Readings per commit | Commit ms (mean) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(cat "$WORK/n$n.steps")
EOF
	done
	if [[ -s $WORK/ceiling.jsonl ]]; then
		cat <<EOF

## Storage ceiling: raw CopyFrom (bench/pgcopy)

| When | Writers | Rows per COPY | Rows/s | COPY p50 / p99 ms | PostgreSQL CPU µs per row | Table + index bytes per row | WAL bytes per row | Sealed bytes per row | Rows |
|---|---|---|---|---|---|---|---|---|---|
$(jq -r '"| \(.when) the sweeps | \(.writers) | \(.batch) | \(.rows_per_s|round) | \(.copy_p50_ms) / \(.copy_p99_ms) | \(.pg_cpu_us_per_row // 0 | round) | \(.table_bytes_per_row|round) | \(.wal_bytes_per_row|round) | \(.sealed_bytes_per_row|round) (\(.source)) | \(.rows) |"' "$WORK/ceiling.jsonl")
EOF
	fi
	if [[ -s $WORK/capacity.out ]]; then
		printf '\n## Capacity model for 10,000,000 devices (bench/capacity %s)\n\n```\n%s\n```\n' "$(cat "$WORK/capacity.args")" "$(cat "$WORK/capacity.out")"
	fi
}

main() {
	ARGS="$*"
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	parse_args "$@"
	command -v jq >/dev/null && command -v psql >/dev/null && command -v curl >/dev/null || die "needs jq, psql and curl"
	WORK=$(mktemp -d)
	trap cleanup EXIT
	LOST=0
	ulimit -n "$(ulimit -Hn)"
	cd "$ROOT"
	log "building loadgen, hearth, pgcopy and capacity in $WORK"
	go build -o "$WORK/loadgen" ./bench/loadgen
	go build -o "$WORK/hearth" ./cmd/hearth
	go build -o "$WORK/pgcopy" ./bench/pgcopy
	skipped capacity || go build -o "$WORK/capacity" ./bench/capacity
	start_pg
	log "PostgreSQL $PG_VERSION on $PG_BASE (pid $PG_PID)"
	local need=0
	skipped steps || need=$DEVICES
	if ! skipped idle && ((IDLE_DEVICES > need)); then need=$IDLE_DEVICES; fi
	if ((need > 0)); then
		(($(ulimit -n) > need + 100)) || die "ulimit -n is $(ulimit -n); need more than $need open files"
		provision "$need"
	fi
	skipped ceiling || ceiling before
	skipped steps || throughput
	skipped ceiling || ceiling after
	skipped idle || idle
	skipped capacity || capacity
	local out=$OUT
	if [[ -z $out ]]; then
		mkdir -p "$ROOT/bench/results"
		out=$ROOT/bench/results/$(date -u +%F)-postgres.md
		[[ -e $out ]] && out=$ROOT/bench/results/$(date -u +%F-%H%M)-postgres.md
	fi
	if [[ $out == - ]]; then
		report
	else
		report | tee "$out"
		log "summary written to $out"
	fi
}

main "$@"
