#!/usr/bin/env bash
# bench/ingest.sh: Hearth's ingestion benchmark. In one run on one machine,
# with the same load generator (bench/loadgen), the same payloads and the same
# device count, it measures:
#
#   a. Mosquitto (Debian, persistence off): the broker ceiling, the highest
#      sustained QoS 1 ack rate, stepping the offered rate up;
#   b. Hearth: the same steps; its ack rate is its STORED rate, because Hearth
#      acknowledges a QoS 1 message only after the durable commit (checked
#      against hearth_readings_accepted_total on /metrics);
#   c. the storage ceiling: the raw batched SQLite insert benchmark
#      (go test -bench BenchmarkInsertReadings ./sqlite/);
#   d. p99 PUBACK latency at 10,000 msg/s from 1,000 devices, both brokers;
#   e. resident memory per idle connected device (10,000 connections).
#
# It prints one summary table and writes it to bench/results/DATE.md.
# See bench/README.md. Usage: bench/ingest.sh [--quick] [--out FILE|-] [...]
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/ingest.sh [flags]

  --quick            smoke run: few devices, one rate step, short runs
  --out FILE         write the summary here; "-" for stdout only
                     (default: bench/results/YYYY-MM-DD.md)
  --devices N        devices for the throughput steps (default 1000)
  --rates "R ..."    offered rates to step through, msg/s
                     (default "2000 5000 10000 20000 40000 80000")
  --refine N         extra steps bisecting between the last sustained and
                     the first failed rate (default 2)
  --step D           measured time per step (default 20s)
  --warmup D         warm-up before each step (default 5s)
  --p99-bound MS     a step whose p99 exceeds this is not sustained (default 500)
  --latency-rate R   rate of the latency run (default 10000)
  --latency-devices N  devices of the latency run (default 1000)
  --latency-duration D  measured time of the latency run (default 30s)
  --idle-devices N   idle connections for the memory figure (default 10000)
  --payload-size B   payload bytes (default 256)
  --only NAME        run only "mosquitto" or "hearth" (development)
  --keep             keep the work directory (logs, JSON of every run)
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0 OUT="" DEVICES=1000 RATES="2000 5000 10000 20000 40000 80000" REFINE=2
STEP=20s WARMUP=5s P99_BOUND=500 LAT_RATE=10000 LAT_DEVICES=1000 LAT_DURATION=30s
IDLE_DEVICES=10000 PAYLOAD=256 ONLY="" DRAIN=10s KEEP=0 CATEGORY=room-temperature MODEL=ember-t1

parse_args() {
	while (($#)); do
		case $1 in
		--quick) QUICK=1 ;;
		--out) OUT=$2; shift ;;
		--devices) DEVICES=$2; shift ;;
		--rates) RATES=$2; shift ;;
		--refine) REFINE=$2; shift ;;
		--step) STEP=$2; shift ;;
		--warmup) WARMUP=$2; shift ;;
		--p99-bound) P99_BOUND=$2; shift ;;
		--latency-rate) LAT_RATE=$2; shift ;;
		--latency-devices) LAT_DEVICES=$2; shift ;;
		--latency-duration) LAT_DURATION=$2; shift ;;
		--idle-devices) IDLE_DEVICES=$2; shift ;;
		--payload-size) PAYLOAD=$2; shift ;;
		--only) ONLY=$2; shift ;;
		--keep) KEEP=1 ;;
		-h | --help) usage; exit 0 ;;
		*) echo "ingest.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
		esac
		shift
	done
	if ((QUICK)); then
		DEVICES=100 RATES="2000" REFINE=0 STEP=5s WARMUP=1s
		LAT_RATE=1000 LAT_DEVICES=100 LAT_DURATION=5s IDLE_DEVICES=500
	fi
	case $ONLY in "" | mosquitto | hearth) ;; *) echo "ingest.sh: --only mosquitto|hearth" >&2; exit 2 ;; esac
}

log() { printf 'ingest.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---- processes ---------------------------------------------------------

PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if ((KEEP)); then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}

# stop PID: SIGTERM, wait for the exit, forget the PID.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() p
	for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# free_port prints a port below the ephemeral range (so no outgoing
# connection can take it meanwhile) with no socket on it.
free_port() {
	local p low
	low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
	for _ in $(seq 100); do
		p=$((10000 + RANDOM % (low - 10000)))
		if [[ -z $(ss -Htan "sport = :$p") ]]; then echo "$p"; return; fi
	done
	die "no free port found"
}

wait_port() { # PORT PID
	for _ in $(seq 200); do
		kill -0 "$2" 2>/dev/null || return 1
		(echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---- brokers -----------------------------------------------------------

# start_mosquitto sets BROKER and SERVER_PID.
start_mosquitto() {
	local port conf=$WORK/mosquitto.conf
	port=$(free_port)
	cat >"$conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
max_inflight_messages 0
max_queued_messages 100000
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
	/usr/sbin/mosquitto -c "$conf" >>"$WORK/mosquitto.log" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_port "$port" "$SERVER_PID" || die "mosquitto did not start: $(tail -5 "$WORK/mosquitto.log")"
	BROKER=tcp://127.0.0.1:$port
}

# start_hearth sets BROKER, METRICS and SERVER_PID.
start_hearth() {
	local out=$WORK/hearth.out line
	: >"$out"
	"$WORK/hearth" serve --data "$WORK/hearth-data" --manifest "$ROOT/bench/manifest.yaml" \
		--http 127.0.0.1:0 --mqtt 127.0.0.1:0 --log-level warn >"$out" 2>>"$WORK/hearth.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BROKER="" METRICS=""
	for _ in $(seq 600); do
		kill -0 "$SERVER_PID" 2>/dev/null || die "hearth exited: $(tail -5 "$WORK/hearth.log")"
		line=$(grep -m1 '^hearth: mqtt listening on mqtt://' "$out" || true)
		[[ -n $line ]] && BROKER=tcp://${line#hearth: mqtt listening on mqtt://}
		line=$(grep -m1 '^hearth: http listening on ' "$out" || true)
		[[ -n $line ]] && METRICS=${line#hearth: http listening on }/metrics
		[[ -n $BROKER && -n $METRICS ]] && return
		sleep 0.1
	done
	die "hearth did not print its listening lines: $(tail -5 "$WORK/hearth.log")"
}

# stored_total prints Hearth's hearth_readings_accepted_total, all transports.
stored_total() {
	curl -fsS "$METRICS" | awk '/^hearth_readings_accepted_total[{ ]/ {s += $NF} END {printf "%d\n", s}'
}

provision_hearth() {
	local n=$((IDLE_DEVICES > DEVICES ? IDLE_DEVICES : DEVICES))
	n=$((LAT_DEVICES > n ? LAT_DEVICES : n))
	log "provisioning $n Hearth devices"
	"$WORK/hearth" devices provision --data "$WORK/hearth-data" --manifest "$ROOT/bench/manifest.yaml" --model "$MODEL" --count "$n" \
		--household bench --out "$WORK/creds.csv" >"$WORK/provision.out" 2>"$WORK/provision.err" ||
		die "hearth devices provision failed: $(tail -5 "$WORK/provision.err")"
}

# ---- runs --------------------------------------------------------------

# loadgen NAME ARGS...: one load run; its JSON summary goes to WORK/NAME.json.
loadgen() {
	local name=$1
	shift
	local creds=()
	[[ $SYSTEM == hearth ]] && creds=(--creds "$WORK/creds.csv")
	"$WORK/loadgen" --broker "$BROKER" "${creds[@]}" --payload-size "$PAYLOAD" --category "$CATEGORY" \
		--drain "$DRAIN" --json "$@" >"$WORK/$name.json" 2>>"$WORK/loadgen.log" ||
		die "loadgen $name failed: $(tail -3 "$WORK/loadgen.log")"
}

j() { jq -r "$1" "$WORK/$2.json"; }

# step RATE: one throughput step; appends a row to WORK/SYSTEM.steps and
# returns 0 if the step was sustained.
step() {
	local rate=$1 name=$SYSTEM-step-$1 before=0 stored="" ok=1
	[[ $SYSTEM == hearth ]] && before=$(stored_total)
	log "$SYSTEM: $rate msg/s from $DEVICES devices"
	loadgen "$name" --devices "$DEVICES" --rate "$rate" --duration "$STEP" --warmup "$WARMUP"
	if [[ $SYSTEM == hearth ]]; then
		stored=$(($(stored_total) - before))
		if ((stored < $(j .acked_total "$name"))); then
			log "hearth: $stored stored but $(j .acked_total "$name") PUBACKed: acknowledged readings lost"
			LOST=1
		fi
	fi
	[[ $(j .kept_up "$name") == true ]] || ok=0
	awk -v p="$(j .latency_ms.p99 "$name")" -v b="$P99_BOUND" 'BEGIN {exit !(p > b)}' && ok=0
	printf '| %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$rate" "$(j .acked_total "$name")" \
		"$(j .ack_rate "$name")" "$(j .latency_ms.p50 "$name")" "$(j .latency_ms.p99 "$name")" \
		"$(j .latency_ms.max "$name")" "$( ((ok)) && echo yes || echo no)" "${stored:-n/a}" >>"$WORK/$SYSTEM.steps"
	((ok)) && (($(printf '%.0f' "$(j .ack_rate "$name")") > BEST)) && BEST=$(printf '%.0f' "$(j .ack_rate "$name")")
	return $((!ok))
}

# sweep steps the offered rate up until a step is not sustained, then
# bisects REFINE times. Sets BEST (highest sustained ack rate, msg/s).
sweep() {
	local lo=0 hi=0 rate mid
	BEST=0
	: >"$WORK/$SYSTEM.steps"
	for rate in $RATES; do
		if step "$rate"; then lo=$rate; else hi=$rate; break; fi
	done
	for _ in $(seq "$REFINE"); do
		((hi > 0 && hi - lo > 500)) || break
		mid=$(((lo + hi) / 2 / 500 * 500))
		((mid > lo)) || break
		if step "$mid"; then lo=$mid; else hi=$mid; fi
	done
}

latency_run() {
	log "$SYSTEM: latency at $LAT_RATE msg/s from $LAT_DEVICES devices"
	loadgen "$SYSTEM-latency" --devices "$LAT_DEVICES" --rate "$LAT_RATE" --duration "$LAT_DURATION" --warmup "$WARMUP"
}

# idle_memory: fresh server, RSS before and after IDLE_DEVICES idle
# connections. Sets IDLE_KB (KiB per device, one decimal).
idle_memory() {
	local before after lg=$WORK/$SYSTEM-idle.out creds=()
	[[ $SYSTEM == hearth ]] && creds=(--creds "$WORK/creds.csv")
	sleep 2
	before=$(rss_kb "$SERVER_PID")
	log "$SYSTEM: connecting $IDLE_DEVICES idle devices"
	"$WORK/loadgen" --broker "$BROKER" "${creds[@]}" --devices "$IDLE_DEVICES" --idle --duration 0 \
		--connect-concurrency 32 >"$lg" 2>>"$WORK/loadgen.log" &
	local lg_pid=$!
	PIDS+=("$lg_pid")
	for _ in $(seq 1200); do
		grep -q '^loadgen: idle with' "$lg" && break
		kill -0 "$lg_pid" 2>/dev/null || die "idle loadgen exited: $(tail -3 "$WORK/loadgen.log")"
		sleep 0.5
	done
	grep -q "^loadgen: idle with $IDLE_DEVICES devices connected" "$lg" ||
		die "$SYSTEM: not all idle devices connected: $(cat "$lg")"
	sleep 5
	after=$(rss_kb "$SERVER_PID")
	stop "$lg_pid"
	IDLE_KB=$(awk -v a="$after" -v b="$before" -v n="$IDLE_DEVICES" 'BEGIN {printf "%.1f", (a - b) / n}')
	printf '%s %s %s\n' "$before" "$after" "$IDLE_KB" >"$WORK/$SYSTEM.idle"
}

measure() { # SYSTEM
	SYSTEM=$1
	"start_$SYSTEM"
	sweep
	echo "$BEST" >"$WORK/$SYSTEM.best"
	latency_run
	stop "$SERVER_PID"
	"start_$SYSTEM"
	idle_memory
	stop "$SERVER_PID"
}

# storage_ceiling runs helper A's raw batched insert benchmark and records
# the highest readings/s it reports (or computes from ns/op and batch=N).
storage_ceiling() {
	local benchtime=3s
	((QUICK)) && benchtime=200ms
	log "storage ceiling: go test -bench BenchmarkInsertReadings ./sqlite/"
	(cd "$ROOT" && go test -run '^$' -bench BenchmarkInsertReadings -benchtime "$benchtime" ./sqlite/) \
		>"$WORK/storage.txt" 2>&1 || { log "storage benchmark failed: $(tail -5 "$WORK/storage.txt")"; echo 0 >"$WORK/storage.best"; return; }
	awk '/^BenchmarkInsertReadings/ {
		r = 0
		for (i = 2; i <= NF; i++) if ($i ~ /^(readings|rows)\/s$/) r = $(i - 1)
		if (r == 0 && match($1, /batch=[0-9]+/)) for (i = 2; i <= NF; i++) if ($i == "ns/op") r = substr($1, RSTART + 6, RLENGTH - 6) * 1e9 / $(i - 1)
		if (r > best) best = r
	} END {printf "%.0f\n", best}' "$WORK/storage.txt" >"$WORK/storage.best"
}

# ---- report ------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'; }
val() { [[ -f $WORK/$1 ]] && cat "$WORK/$1" || echo n/a; }
lat() { [[ -f $WORK/$1-latency.json ]] && j "$2" "$1-latency" || echo n/a; }
idle() { [[ -f $WORK/$1.idle ]] && awk "{print \$$2}" "$WORK/$1.idle" || echo n/a; }

report() {
	local m h s
	m=$(val mosquitto.best) h=$(val hearth.best) s=$(val storage.best)
	cat <<EOF
# Hearth ingestion benchmark, $(date -u +%Y-%m-%dT%H:%MZ)

Command: \`bench/ingest.sh${ARGS:+ $ARGS}\`

Machine: $(nproc) CPU cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r), $(go version | awk '{print $3}'), $(/usr/sbin/mosquitto -h 2>/dev/null | awk 'NR == 1 {print $1, $3}'), $("$WORK/hearth" version 2>/dev/null | head -1 || echo "hearth not built").
The load generator and the server share these cores, so every figure is a floor for the server alone.
Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg). Other work on the machine lowers every figure; compare the ratios.
Load: MQTT 3.1.1, QoS 1, one TCP connection per device, $PAYLOAD-byte JSON readings (category $CATEGORY), open loop; latency from each message's scheduled send time to its PUBACK.
A step is sustained when at least 95% of the offered rate is acknowledged within the step, nothing is lost or left unacknowledged, and p99 ≤ $P99_BOUND ms.

## Summary

| Figure | Mosquitto (persistence off) | Hearth (durable, sealed, gated) | Ratio Hearth/Mosquitto |
|---|---|---|---|
| Max sustained QoS 1 msg/s ($DEVICES devices) | $m | $h (stored) | $(ratio "$h" "$m") |
| p50 PUBACK at $LAT_RATE msg/s, $LAT_DEVICES devices (ms) | $(lat mosquitto .latency_ms.p50) | $(lat hearth .latency_ms.p50) | |
| p99 PUBACK at $LAT_RATE msg/s, $LAT_DEVICES devices (ms) | $(lat mosquitto .latency_ms.p99) | $(lat hearth .latency_ms.p99) | |
| Ack rate in that run (msg/s) | $(lat mosquitto '.ack_rate | round') | $(lat hearth '.ack_rate | round') | |
| Unacknowledged after a ${DRAIN} drain, errors, in that run | $(lat mosquitto '"\(.unacked), \(.errors)"') | $(lat hearth '"\(.unacked), \(.errors)"') | |
| RSS per idle device, $IDLE_DEVICES connections (KiB) | $(idle mosquitto 3) | $(idle hearth 3) | $(ratio "$(idle hearth 3)" "$(idle mosquitto 3)") |

Storage ceiling (raw batched SQLite insert, BenchmarkInsertReadings): $s readings/s; Hearth / storage ceiling: $(ratio "$h" "$s").
$( ((LOST)) && echo "**Hearth stored fewer readings than it acknowledged in some step (see the step table).**")

Targets (issue 2): Hearth ≥ 0.5× Mosquitto (stretch 0.7×); p99 ≤ 50 ms at 10,000 msg/s from 1,000 devices; ≤ 16 KB per idle device.

EOF
	local sys
	for sys in mosquitto hearth; do
		[[ -f $WORK/$sys.steps ]] || continue
		cat <<EOF
## Steps: $sys

| Offered msg/s | PUBACKed (incl. warm-up) | Ack msg/s | p50 ms | p99 ms | max ms | Sustained | Stored (Hearth) |
|---|---|---|---|---|---|---|---|
$(cat "$WORK/$sys.steps")

EOF
	done
	echo "Idle memory (VmRSS KiB before, after, per device): mosquitto $(val mosquitto.idle); hearth $(val hearth.idle)."
	if [[ -s $WORK/storage.txt ]]; then
		printf '\n## Storage benchmark output\n\n```\n%s\n```\n' "$(grep -E '^(Benchmark|goos|goarch|cpu)' "$WORK/storage.txt")"
	fi
}

main() {
	ARGS="$*"
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	parse_args "$@"
	WORK=$(mktemp -d)
	trap cleanup EXIT
	LOST=0
	ulimit -n "$(ulimit -Hn)"
	(($(ulimit -n) > IDLE_DEVICES + 100)) || die "ulimit -n is $(ulimit -n); need more than $IDLE_DEVICES open files"
	cd "$ROOT"
	log "building loadgen and hearth in $WORK"
	go build -o "$WORK/loadgen" ./bench/loadgen
	[[ $ONLY == mosquitto ]] || go build -o "$WORK/hearth" ./cmd/hearth
	[[ $ONLY == hearth ]] || measure mosquitto
	if [[ $ONLY != mosquitto ]]; then
		provision_hearth
		measure hearth
		storage_ceiling
	fi
	local out=$OUT
	[[ -n $out ]] || { mkdir -p "$ROOT/bench/results"; out=$ROOT/bench/results/$(date -u +%F).md; }
	if [[ $out == - ]]; then
		report
	else
		report | tee "$out"
		log "summary written to $out"
	fi
}

main "$@"
