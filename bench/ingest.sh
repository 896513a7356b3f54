#!/usr/bin/env bash
# bench/ingest.sh: Hearth's ingestion benchmark (issue 13). In one run on one
# machine, with the same load generator (bench/loadgen, lean MQTT client),
# the same payloads and the same devices, Mosquitto (persistence off) and
# Hearth (durable, gated, sealed) get:
#
#   a. throughput steps with 100 and with 1,000 connections: the highest
#      sustained QoS 1 rate, where sustained means at least 0.98x the
#      offered rate acknowledged, nothing lost, and p99 <= 50 ms;
#   b. a latency run at 10,000 msg/s from 1,000 devices: p50, p99, p99.9,
#      max, and the server's CPU time per acknowledged (for Hearth: stored)
#      reading, from /proc/PID/stat over the measured window;
#   c. idle: 10,000 connected silent devices, the server's CPU time and
#      context switches over 30 s, and what it is woken by (strace -c);
#   d. resident memory per idle connected device, plain and over TLS
#      (self-signed P-256 certificate), at 10,000 and at as many connections
#      as the open-file limit allows, from X25519-only devices, and at 10,000
#      with Go's default ClientHello;
#   e. Hearth only: the tail run, the latency run held for 5 minutes on a
#      store pre-filled with 5,000,000 readings;
#   f. the storage ceiling: go test -bench BenchmarkInsertReadings ./sqlite/.
#
# It prints one summary and writes it to bench/results/DATE.md.
# See bench/README.md. Usage: bench/ingest.sh [--quick] [--out FILE|-] [...]
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/ingest.sh [flags]

  --quick               smoke run of every part, about a minute and a half: small
                        fleets, one step per sweep, short runs
  --out FILE            write the summary here; "-" for stdout only
                        (default: bench/results/YYYY-MM-DD.md, or
                        YYYY-MM-DD-HHMM.md if that exists)
  --conns "N ..."       connection counts of the throughput sweeps (default "100 1000")
  --rates "R ..."       offered rates to step through, msg/s
                        (default "5000 10000 20000 40000 80000 120000")
  --refine N            extra steps bisecting between the last sustained and
                        the first failed rate (default 3)
  --step D              measured time per step (default 15s)
  --warmup D            warm-up before each run (default 3s)
  --p99-bound MS        a step whose p99 exceeds this is not sustained (default 50)
  --latency-rate R      rate of the latency and tail runs (default 10000)
  --latency-devices N   devices of the latency and tail runs (default 1000)
  --latency-duration D  measured time of the latency run (default 30s)
  --idle-devices N      silent connections for idle CPU and plain memory (default 10000)
  --idle-window D       how long idle CPU is measured (default 30s)
  --tls-devices "N ..." idle TLS connection counts, ascending (default "10000 MAX":
                        MAX is the open-file limit less 2,000, the most both
                        the server and the generator can hold here)
  --prefill N           readings in the tail run's store before it starts (default 5000000)
  --tail-duration D     measured time of the tail run; 0 skips it (default 5m)
  --payload-size B      payload bytes (default 128; the issue's readings were ~110)
  --client C            loadgen's MQTT client, lean or paho (default lean)
  --synth               readings' values from package synth (loadgen --synth-manifest
                        bench/manifest.yaml: a room's temperature by time of day)
                        instead of a temperature cycling with the message number
  --only NAME           run only "mosquitto" or "hearth" (development)
  --skip "PART ..."     leave out parts: steps latency idle tls tail storage
  --keep                keep the work directory (logs, JSON of every run)

The environment variable TAILFILL names a prebuilt bench/tail binary to
pre-fill the tail store with instead of building ./bench/tail.
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0 OUT="" CONNS="100 1000" RATES="5000 10000 20000 40000 80000 120000" REFINE=3
STEP=15s WARMUP=3s P99_BOUND=50 LAT_RATE=10000 LAT_DEVICES=1000 LAT_DURATION=30s
IDLE_DEVICES=10000 IDLE_WINDOW=30s TLS_DEVICES="10000 MAX" PREFILL=5000000 TAIL_DURATION=5m
PAYLOAD=128 CLIENT=lean ONLY="" SKIP="" DRAIN=10s KEEP=0 CATEGORY=room-temperature MODEL=ember-t1
VALUES=() # with --synth, loadgen's --synth-manifest
SETTLE=5 # seconds between connecting an idle fleet and reading RSS; also the strace time

parse_args() {
	while (($#)); do
		case $1 in
		--quick) QUICK=1 ;;
		--out) OUT=$2; shift ;;
		--conns) CONNS=$2; shift ;;
		--rates) RATES=$2; shift ;;
		--refine) REFINE=$2; shift ;;
		--step) STEP=$2; shift ;;
		--warmup) WARMUP=$2; shift ;;
		--p99-bound) P99_BOUND=$2; shift ;;
		--latency-rate) LAT_RATE=$2; shift ;;
		--latency-devices) LAT_DEVICES=$2; shift ;;
		--latency-duration) LAT_DURATION=$2; shift ;;
		--idle-devices) IDLE_DEVICES=$2; shift ;;
		--idle-window) IDLE_WINDOW=$2; shift ;;
		--tls-devices) TLS_DEVICES=$2; shift ;;
		--prefill) PREFILL=$2; shift ;;
		--tail-duration) TAIL_DURATION=$2; shift ;;
		--payload-size) PAYLOAD=$2; shift ;;
		--client) CLIENT=$2; shift ;;
		--synth) VALUES=(--synth-manifest "$ROOT/bench/manifest.yaml") ;;
		--only) ONLY=$2; shift ;;
		--skip) SKIP=$2; shift ;;
		--keep) KEEP=1 ;;
		-h | --help) usage; exit 0 ;;
		*) echo "ingest.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
		esac
		shift
	done
	if ((QUICK)); then
		CONNS="20 50" RATES="1000" REFINE=0 STEP=3s WARMUP=1s LAT_RATE=1000 LAT_DEVICES=100
		LAT_DURATION=3s IDLE_DEVICES=300 IDLE_WINDOW=2s TLS_DEVICES="100 200" PREFILL=20000 TAIL_DURATION=3s DRAIN=5s SETTLE=2
	fi
	case $ONLY in "" | mosquitto | hearth) ;; *) echo "ingest.sh: --only mosquitto|hearth" >&2; exit 2 ;; esac
	FD_MAX=$(($(ulimit -Hn) - 2000))
	TLS_DEVICES=${TLS_DEVICES//MAX/$FD_MAX}
}

log() { printf 'ingest.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
secs() { # DURATION (Go syntax: 30s, 5m, 1m30s) -> seconds
	awk -v d="$1" 'BEGIN {s = 0; while (match(d, /^[0-9.]+(ms|h|m|s)/)) {
		v = substr(d, 1, RLENGTH); u = v; sub(/^[0-9.]+/, "", u); v += 0
		s += v * (u == "h" ? 3600 : u == "m" ? 60 : u == "ms" ? 0.001 : 1); d = substr(d, RLENGTH + 1)}
		print s}'
}

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
cpu_s() { awk '{sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / 100}' "/proc/$1/stat"; }
# ctx_switches PID: voluntary and involuntary context switches of all its threads.
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ {s += $2} END {print s + 0}'; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

# ---- brokers -----------------------------------------------------------

# make_cert writes a self-signed P-256 certificate for 127.0.0.1.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
	# Mosquitto started as root reads them as the user mosquitto. A throwaway key.
	chmod a+x "$WORK" && chmod a+r "$WORK/key.pem" "$WORK/cert.pem"
}

# start_mosquitto [tls] sets BROKER and SERVER_PID.
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
	[[ ${1:-} == tls ]] && printf 'certfile %s\nkeyfile %s\n' "$WORK/cert.pem" "$WORK/key.pem" >>"$conf"
	/usr/sbin/mosquitto -c "$conf" >>"$WORK/mosquitto.log" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_port "$port" "$SERVER_PID" || die "mosquitto did not start: $(tail -5 "$WORK/mosquitto.log")"
	BROKER=tcp://127.0.0.1:$port
	[[ ${1:-} == tls ]] && BROKER=tls://127.0.0.1:$port
	return 0
}

# start_hearth [tls] sets BROKER, METRICS, METRICS_TOKEN (/metrics needs
# it) and SERVER_PID; it serves
# HEARTH_DATA (default WORK/hearth-data).
start_hearth() {
	local out=$WORK/hearth.out line tls=()
	[[ ${1:-} == tls ]] && tls=(--tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem")
	: >"$out"
	METRICS_TOKEN=${METRICS_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
	HEARTH_METRICS_TOKEN=$METRICS_TOKEN "$WORK/hearth" serve --data "${HEARTH_DATA:-$WORK/hearth-data}" --manifest "$ROOT/bench/manifest.yaml" \
		--http 127.0.0.1:0 --mqtt 127.0.0.1:0 --log-level warn "${tls[@]}" >"$out" 2>>"$WORK/hearth.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BROKER="" METRICS=""
	for _ in $(seq 600); do
		kill -0 "$SERVER_PID" 2>/dev/null || die "hearth exited: $(tail -5 "$WORK/hearth.log")"
		line=$(grep -m1 '^hearth: mqtt listening on mqtts\?://' "$out" || true)
		[[ $line == *mqtts://* ]] && BROKER=tls://${line#hearth: mqtt listening on mqtts://}
		[[ $line == *mqtt://* ]] && BROKER=tcp://${line#hearth: mqtt listening on mqtt://}
		line=$(grep -m1 '^hearth: http listening on ' "$out" || true)
		[[ -n $line ]] && METRICS=${line#hearth: http listening on }/metrics
		[[ -n $BROKER && -n $METRICS ]] && return
		sleep 0.1
	done
	die "hearth did not print its listening lines: $(tail -5 "$WORK/hearth.log")"
}

start() { "start_$SYSTEM" "$@"; }

# stored_total prints Hearth's hearth_readings_accepted_total, all transports.
stored_total() {
	curl -kfsS -H "Authorization: Bearer $METRICS_TOKEN" "$METRICS" | awk '/^hearth_readings_accepted_total[{ ]/ {s += $NF} END {printf "%d\n", s}'
}

# provision DATA N: N Hearth devices claimed into one household; their
# credentials go to DATA.csv.
provision() {
	log "provisioning $2 Hearth devices in $1"
	"$WORK/hearth" devices provision --data "$1" --manifest "$ROOT/bench/manifest.yaml" --model "$MODEL" --count "$2" \
		--household bench --out "$1.csv" >"$WORK/provision.out" 2>"$WORK/provision.err" ||
		die "hearth devices provision failed: $(tail -5 "$WORK/provision.err")"
}

# ---- runs --------------------------------------------------------------

# loadgen NAME ARGS...: one load run against the running server; its JSON
# summary goes to WORK/NAME.json.
loadgen() {
	local name=$1
	shift
	local creds=()
	[[ $SYSTEM == hearth ]] && creds=(--creds "${CREDS:-$WORK/hearth-data.csv}")
	"$WORK/loadgen" --broker "$BROKER" "${creds[@]}" "${VALUES[@]}" --client "$CLIENT" --payload-size "$PAYLOAD" --category "$CATEGORY" \
		--drain "$DRAIN" --warmup "$WARMUP" --server-pid "$SERVER_PID" --connect-concurrency 32 --json "$@" \
		>"$WORK/$name.json" 2>>"$WORK/loadgen.log" || die "loadgen $name failed: $(tail -3 "$WORK/loadgen.log")"
}

j() { jq -r "$1" "$WORK/$2.json"; }

# step CONNS RATE: one throughput step; appends a row to
# WORK/SYSTEM-CONNS.steps and returns 0 if the step was sustained.
step() {
	local conns=$1 rate=$2 name=$SYSTEM-$1-step-$2 before=0 stored="" ok=1
	[[ $SYSTEM == hearth ]] && before=$(stored_total)
	log "$SYSTEM: $rate msg/s from $conns connections"
	loadgen "$name" --devices "$conns" --rate "$rate" --duration "$STEP"
	if [[ $SYSTEM == hearth ]]; then
		stored=$(($(stored_total) - before))
		if ((stored < $(j .acked_total "$name"))); then
			log "hearth: $stored stored but $(j .acked_total "$name") PUBACKed: acknowledged readings lost"
			LOST=1
		fi
	fi
	# The strict rule: >= 0.98x offered acknowledged in the window (loadgen's
	# kept_up also asks for no error, nothing unacknowledged or unsent) and p99
	# within the bound.
	[[ $(j .kept_up "$name") == true ]] || ok=0
	awk -v p="$(j .latency_ms.p99 "$name")" -v b="$P99_BOUND" 'BEGIN {exit !(p > b)}' && ok=0
	printf '| %s | %.0f | %s | %s | %s | %s | %.2f | %.2f | %s | %s |\n' "$rate" "$(j .ack_rate "$name")" \
		"$(j .latency_ms.p50 "$name")" "$(j .latency_ms.p99 "$name")" "$(j .latency_ms.p999 "$name")" \
		"$(j .latency_ms.max "$name")" "$(j .server_cpu_cores "$name")" "$(j .generator_cpu_cores "$name")" \
		"$( ((ok)) && echo yes || echo no)" "${stored:-n/a}" >>"$WORK/$SYSTEM-$conns.steps"
	((ok)) && (($(printf '%.0f' "$(j .ack_rate "$name")") > BEST)) && BEST=$(printf '%.0f' "$(j .ack_rate "$name")")
	return $((!ok))
}

# sweep CONNS steps the offered rate up until a step is not sustained, then
# bisects REFINE times. Writes the highest sustained ack rate to
# WORK/SYSTEM-CONNS.best.
sweep() {
	local conns=$1 lo=0 hi=0 rate mid
	BEST=0
	: >"$WORK/$SYSTEM-$conns.steps"
	for rate in $RATES; do
		if step "$conns" "$rate"; then lo=$rate; else hi=$rate; break; fi
	done
	for _ in $(seq "$REFINE"); do
		((hi > 0 && hi - lo > 1000)) || break
		mid=$(((lo + hi) / 2 / 1000 * 1000))
		((mid > lo)) || break
		if step "$conns" "$mid"; then lo=$mid; else hi=$mid; fi
	done
	echo "$BEST" >"$WORK/$SYSTEM-$conns.best"
}

latency_run() {
	log "$SYSTEM: latency at $LAT_RATE msg/s from $LAT_DEVICES devices"
	local before=0
	[[ $SYSTEM == hearth ]] && before=$(stored_total)
	loadgen "$SYSTEM-latency" --devices "$LAT_DEVICES" --rate "$LAT_RATE" --duration "$LAT_DURATION"
	if [[ $SYSTEM == hearth ]] && (($(stored_total) - before < $(j .acked_total "$SYSTEM-latency"))); then
		log "hearth: fewer readings stored than PUBACKed in the latency run"
		LOST=1
	fi
}

# idle_fleet NAME SKIP N [ARGS...]: connects N silent devices (after the
# first SKIP) in the background and waits until all are connected. Sets
# IDLE_PID.
idle_fleet() {
	local name=$1 skip=$2 n=$3 creds=()
	shift 3
	[[ $SYSTEM == hearth ]] && creds=(--creds "$WORK/hearth-data.csv")
	local out=$WORK/$name.out
	"$WORK/loadgen" --broker "$BROKER" "${creds[@]}" --client "$CLIENT" --skip "$skip" --devices "$n" --idle --duration 0 \
		--keepalive 1200s --connect-concurrency 32 "$@" >"$out" 2>>"$WORK/loadgen.log" &
	IDLE_PID=$!
	PIDS+=("$IDLE_PID")
	for _ in $(seq 2400); do
		grep -q '^loadgen: idle with' "$out" && break
		kill -0 "$IDLE_PID" 2>/dev/null || die "$name: loadgen exited: $(tail -3 "$WORK/loadgen.log")"
		sleep 0.25
	done
	grep -q "^loadgen: idle with $n devices connected" "$out" || die "$name: not all idle devices connected: $(cat "$out")"
}

# idle_plain: fresh server, RSS before and after IDLE_DEVICES silent
# connections, then its CPU time and context switches over IDLE_WINDOW and
# a syscall count (strace -c -f) over SETTLE seconds.
idle_plain() {
	local before after cpu0 cpu1 cs0 cs1 w
	start
	sleep 2
	before=$(rss_kb "$SERVER_PID")
	log "$SYSTEM: connecting $IDLE_DEVICES silent devices"
	idle_fleet "$SYSTEM-idle" 0 "$IDLE_DEVICES"
	sleep "$SETTLE"
	after=$(rss_kb "$SERVER_PID")
	w=$(secs "$IDLE_WINDOW")
	log "$SYSTEM: idle CPU over $IDLE_WINDOW"
	cpu0=$(cpu_s "$SERVER_PID") cs0=$(ctx_switches "$SERVER_PID")
	sleep "$w"
	cpu1=$(cpu_s "$SERVER_PID") cs1=$(ctx_switches "$SERVER_PID")
	printf '%s %s %s %s %s %s %s\n' "$before" "$after" "$(rss_kb "$SERVER_PID")" \
		"$(awk -v a="$cpu1" -v b="$cpu0" -v w="$w" 'BEGIN {printf "%.2f", 100 * (a - b) / w}')" \
		"$(awk -v a="$cs1" -v b="$cs0" -v w="$w" 'BEGIN {printf "%.1f", (a - b) / w}')" \
		"$(threads "$SERVER_PID")" "$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN {printf "%.2f", a - b}')" >"$WORK/$SYSTEM.idle"
	timeout -s INT "$SETTLE" strace -c -f -p "$SERVER_PID" -o "$WORK/$SYSTEM.strace" 2>/dev/null || true
	stop "$IDLE_PID"
	stop "$SERVER_PID"
}

# idle_tls HELLO COUNTS: fresh TLS server; RSS per device at each of COUNTS
# silent TLS connections (separate generators of at most 10,000 connections
# each) whose ClientHello offers HELLO's key shares: "x25519" (an X25519-only
# device, as embedded TLS stacks and OpenSSL 3.0's clients send) or "default"
# (Go's own, with an X25519MLKEM768 key share, about 1.2 KB larger).
idle_tls() {
	local hello=$1 before prev=0 n rss batch groups=()
	[[ $hello == default ]] || groups=(--tls-groups "$hello")
	start tls
	sleep 2
	before=$(rss_kb "$SERVER_PID")
	: >"$WORK/$SYSTEM.tls-$hello"
	local fleets=()
	for n in $2; do
		while ((prev < n)); do
			batch=$((n - prev < 10000 ? n - prev : 10000))
			log "$SYSTEM: TLS ($hello hello), connecting devices $((prev + 1))-$((prev + batch))"
			idle_fleet "$SYSTEM-tls-$hello-$prev" "$prev" "$batch" "${groups[@]}"
			fleets+=("$IDLE_PID")
			prev=$((prev + batch))
		done
		sleep "$SETTLE"
		rss=$(rss_kb "$SERVER_PID")
		printf '%s %s %s %s\n' "$n" "$before" "$rss" "$(awk -v a="$rss" -v b="$before" -v n="$n" 'BEGIN {printf "%.1f", (a - b) * 1.024 / n}')" >>"$WORK/$SYSTEM.tls-$hello"
	done
	for n in "${fleets[@]}"; do stop "$n"; done
	stop "$SERVER_PID"
}

# tail_run: a fresh store with LAT_DEVICES devices, pre-filled with PREFILL
# readings by bench/tail's fill, then the latency run for TAIL_DURATION.
tail_run() {
	local data=$WORK/tail-data start
	provision "$data" "$LAT_DEVICES"
	log "hearth: pre-filling the tail store with $PREFILL readings"
	start=$(date +%s)
	"$WORK/tailfill" fill -data "$data" -readings "$PREFILL" >"$WORK/fill.out" 2>"$WORK/fill.err" ||
		die "pre-fill failed: $(tail -3 "$WORK/fill.err")"
	echo "$(($(date +%s) - start)) $(du -sm "$data" | cut -f1)" >"$WORK/fill.meta"
	HEARTH_DATA=$data start
	log "hearth: tail run, $LAT_RATE msg/s from $LAT_DEVICES devices for $TAIL_DURATION"
	local before
	before=$(stored_total)
	CREDS=$data.csv loadgen hearth-tail --devices "$LAT_DEVICES" --rate "$LAT_RATE" --duration "$TAIL_DURATION"
	(($(stored_total) - before >= $(j .acked_total hearth-tail))) || { log "hearth: tail run lost acknowledged readings"; LOST=1; }
	du -sm "$data" | cut -f1 >"$WORK/fill.after"
	stop "$SERVER_PID"
}

measure() { # SYSTEM
	SYSTEM=$1
	local c
	if ! skipped steps || ! skipped latency; then
		start
		if ! skipped steps; then for c in $CONNS; do sweep "$c"; done; fi
		skipped latency || latency_run
		stop "$SERVER_PID"
	fi
	skipped idle || idle_plain
	if ! skipped tls; then
		idle_tls x25519 "$TLS_DEVICES"
		idle_tls default "${TLS_DEVICES%% *}"
	fi
	[[ $SYSTEM == hearth ]] && ! skipped tail && [[ $(secs "$TAIL_DURATION") != 0 ]] && tail_run
	return 0
}

# storage_ceiling runs the raw batched insert benchmark and records the
# highest readings/s it reports.
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
lat() { [[ -f $WORK/$1.json ]] && j "$2" "$1" || echo n/a; }
field() { [[ -f $WORK/$1 ]] && awk -v f="$2" '{print $f}' "$WORK/$1" || echo n/a; }
# verdict VALUE OP LIMIT: "met" or "**missed**" (n/a when VALUE is not a number).
verdict() {
	[[ $1 =~ ^[0-9.]+$ ]] || { echo "n/a"; return; }
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "**missed**"}'
}
best() { [[ $1 == 0 ]] && echo "none (lowest step ${RATES%% *} not sustained)" || echo "$1"; }
tls_kb() { [[ -f $WORK/$1.tls-$2 ]] && awk -v n="$3" '$1 == n {print $4}' "$WORK/$1.tls-$2" || echo n/a; } # SYSTEM HELLO N
kb() { [[ $1 =~ ^[0-9.]+$ ]] && awk -v k="$1" 'BEGIN {printf "%.1f", k * 1.024}' || echo n/a; }

report() {
	local c m h r tlsmax
	tlsmax=${TLS_DEVICES##* }
	cat <<EOF
# Hearth ingestion benchmark, $(date -u +%Y-%m-%dT%H:%MZ)

Command: \`bench/ingest.sh${ARGS:+ $ARGS}\`

Machine: $(nproc) CPU cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r), $(go version | awk '{print $3}'), $(/usr/sbin/mosquitto -h 2>/dev/null | awk 'NR == 1 {print $1, $3}'), $("$WORK/hearth" version 2>/dev/null | head -1 || echo "hearth not built"), open-file limit $(ulimit -Hn) (hard).
The load generator and the server share these cores, so every figure is a floor for the server alone.
Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg). Other work on the machine lowers every figure; compare the ratios.
Load: bench/loadgen, $CLIENT client, MQTT 3.1.1, QoS 1, one TCP connection per device, $PAYLOAD-byte JSON readings (category $CATEGORY$( ((${#VALUES[@]})) && echo ", values from package synth by time of day" || true)), open loop; latency from each message's scheduled send time to its PUBACK. Hearth acknowledges a reading only once it is gated, sealed and durably committed, so its ack rate is its stored rate (checked against /metrics after every run: $( ((LOST)) && echo "**some acknowledged readings were not stored**" || echo "every acknowledged reading was stored")).
A step is sustained when at least 0.98× the offered rate is acknowledged within the step, nothing is lost, failed or left unacknowledged after a $DRAIN drain, and p99 ≤ $P99_BOUND ms.

## Summary

| Figure | Mosquitto (persistence off) | Hearth (durable, sealed, gated) | Hearth/Mosquitto | Target (issue 13) |
|---|---|---|---|---|
EOF
	for c in $CONNS; do
		m=$(val "mosquitto-$c.best") h=$(val "hearth-$c.best") r=$(ratio "$h" "$m")
		[[ $h == 0 ]] && r=0
		echo "| Max sustained QoS 1 msg/s, $c connections | $(best "$m") | $(best "$h")$([[ $h == 0 ]] || echo " (stored)") | $r | ≥ 0.7×: $(verdict "$r" ">=" 0.7) |"
	done
	local lm=mosquitto-latency lh=hearth-latency
	cat <<EOF
| PUBACK p50 / p99 / p99.9 / max at $LAT_RATE msg/s, $LAT_DEVICES devices (ms) | $(lat $lm '"\(.latency_ms.p50) / \(.latency_ms.p99) / \(.latency_ms.p999) / \(.latency_ms.max)"') | $(lat $lh '"\(.latency_ms.p50) / \(.latency_ms.p99) / \(.latency_ms.p999) / \(.latency_ms.max)"') | | p99 ≤ 20 ms: $(verdict "$(lat $lh .latency_ms.p99)" "<=" 20) |
| Server CPU per acknowledged reading in that run (µs) | $(lat $lm '.server_cpu_us_per_ack | .*10 | round / 10') | $(lat $lh '.server_cpu_us_per_ack | .*10 | round / 10') | $(ratio "$(lat $lh .server_cpu_us_per_ack)" "$(lat $lm .server_cpu_us_per_ack)") | ≤ 3×: $(verdict "$(ratio "$(lat $lh .server_cpu_us_per_ack)" "$(lat $lm .server_cpu_us_per_ack)")" "<=" 3) |
| Server / generator CPU in that run (cores) | $(lat $lm '"\(.server_cpu_cores*100|round/100) / \(.generator_cpu_cores*100|round/100)"') | $(lat $lh '"\(.server_cpu_cores*100|round/100) / \(.generator_cpu_cores*100|round/100)"') | | |
| Ack rate, unacknowledged, errors in that run | $(lat $lm '"\(.ack_rate|round), \(.unacked), \(.errors)"') | $(lat $lh '"\(.ack_rate|round), \(.unacked), \(.errors)"') | | |
| Tail run: p50 / p99 / p99.9 / max over $TAIL_DURATION at $LAT_RATE msg/s, store pre-filled with $PREFILL readings (ms) | | $(lat hearth-tail '"\(.latency_ms.p50) / \(.latency_ms.p99) / \(.latency_ms.p999) / \(.latency_ms.max)"') | | p99 ≤ 20 ms: $(verdict "$(lat hearth-tail .latency_ms.p99)" "<=" 20) |
| Tail run: server CPU per stored reading (µs), ack rate, unacknowledged | | $(lat hearth-tail '"\(.server_cpu_us_per_ack*10|round/10), \(.ack_rate|round), \(.unacked)"') | | |
| Idle server CPU, $IDLE_DEVICES silent connections, over $IDLE_WINDOW (% of a core) | $(field mosquitto.idle 4) | $(field hearth.idle 4) | | near zero |
| Idle context switches per second (all threads), threads | $(field mosquitto.idle 5), $(field mosquitto.idle 6) | $(field hearth.idle 5), $(field hearth.idle 6) | | |
| RSS per idle device, $IDLE_DEVICES plain connections (KB) | $(kb "$(awk '{printf "%.2f", ($2 - $1) / '"$IDLE_DEVICES"'}' "$WORK/mosquitto.idle" 2>/dev/null)") | $(kb "$(awk '{printf "%.2f", ($2 - $1) / '"$IDLE_DEVICES"'}' "$WORK/hearth.idle" 2>/dev/null)") | | ≤ 8 KB: $(verdict "$(kb "$(awk '{printf "%.2f", ($2 - $1) / '"$IDLE_DEVICES"'}' "$WORK/hearth.idle" 2>/dev/null)")" "<=" 8) |
EOF
	for c in $TLS_DEVICES; do
		echo "| RSS per idle device, $c TLS connections, X25519 devices (KB) | $(tls_kb mosquitto x25519 "$c") | $(tls_kb hearth x25519 "$c") | $(ratio "$(tls_kb hearth x25519 "$c")" "$(tls_kb mosquitto x25519 "$c")") | ≤ 15 KB: $(verdict "$(tls_kb hearth x25519 "$c")" "<=" 15) |"
	done
	c=${TLS_DEVICES%% *}
	echo "| RSS per idle device, $c TLS connections, Go's default ClientHello (KB) | $(tls_kb mosquitto default "$c") | $(tls_kb hearth default "$c") | $(ratio "$(tls_kb hearth default "$c")" "$(tls_kb mosquitto default "$c")") | ≤ 15 KB: $(verdict "$(tls_kb hearth default "$c")" "<=" 15) |"
	cat <<EOF

KB are 1,000 bytes; RSS is VmRSS from /proc/PID/status, before and $SETTLE s after the devices connected. Idle devices send nothing (keep-alive 1200 s). TLS: TLS 1.3, self-signed P-256 certificate, Mosquitto with OpenSSL; "X25519 devices" offer only an X25519 key share, as embedded TLS stacks do; "Go's default ClientHello" adds an X25519MLKEM768 key share (about 1.2 KB more hello, whose buffers a Go server keeps for the connection's life). The open-file limit here is $(ulimit -Hn) (hard) and cannot be raised, so the most TLS connections both the server and the generator can hold is $FD_MAX, not the issue's 50,000; this run's largest TLS fleet: $tlsmax.
Storage ceiling (raw batched SQLite insert, BenchmarkInsertReadings): $(val storage.best) readings/s.
EOF
	if skipped tail && [[ $ONLY != mosquitto ]]; then
		echo "The tail run was left out (--skip tail, or no bench/tail to pre-fill its store)."
	fi
	if [[ -f $WORK/fill.meta ]]; then
		echo "Tail store: $PREFILL readings pre-filled by \`bench/tail fill\` in $(field fill.meta 1) s ($(field fill.meta 2) MiB on disk; $(val fill.after) MiB after the run)."
	fi
	local sys h
	for sys in mosquitto hearth; do
		for c in $CONNS; do
			[[ -s $WORK/$sys-$c.steps ]] || continue
			cat <<EOF

## Steps: $sys, $c connections

| Offered msg/s | Ack msg/s | p50 ms | p99 ms | p99.9 ms | max ms | Server cores | Generator cores | Sustained | Stored (Hearth, incl. warm-up) |
|---|---|---|---|---|---|---|---|---|---|
$(cat "$WORK/$sys-$c.steps")
EOF
		done
	done
	echo
	echo "## Idle"
	echo
	for sys in mosquitto hearth; do
		[[ -f $WORK/$sys.idle ]] && echo "- $sys, $IDLE_DEVICES plain: VmRSS $(field $sys.idle 1) KiB before, $(field $sys.idle 2) KiB $SETTLE s after connecting, $(field $sys.idle 3) KiB after the idle window; $(field $sys.idle 7) s of CPU in $IDLE_WINDOW."
		for h in x25519 default; do
			[[ -f $WORK/$sys.tls-$h ]] && awk -v s="$sys" -v h="$h" '{printf "- %s, %d TLS (%s hello): VmRSS %d KiB before, %d KiB after (%.1f KB per device).\n", s, $1, h, $2, $3, $4}' "$WORK/$sys.tls-$h"
		done
	done
	for sys in mosquitto hearth; do
		[[ -s $WORK/$sys.strace ]] || continue
		printf '\nWhat wakes %s while idle (strace -c -f, '"$SETTLE"' s, after the idle window):\n\n```\n%s\n```\n' "$sys" "$(head -12 "$WORK/$sys.strace")"
	done
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
	skipped tls || make_cert
	if [[ $ONLY != mosquitto ]]; then
		go build -o "$WORK/hearth" ./cmd/hearth
		if ! skipped tail; then
			if [[ -n ${TAILFILL:-} ]]; then
				cp "$TAILFILL" "$WORK/tailfill"
			elif [[ -d $ROOT/bench/tail ]]; then
				go build -o "$WORK/tailfill" ./bench/tail
			else
				log "no bench/tail here (its fill command pre-fills the tail store): the tail run is left out"
				SKIP="$SKIP tail"
			fi
		fi
	fi
	[[ $ONLY == hearth ]] || measure mosquitto
	if [[ $ONLY != mosquitto ]]; then
		local n=1 c need=""
		skipped steps || need+=" $CONNS"
		skipped latency || need+=" $LAT_DEVICES"
		skipped idle || need+=" $IDLE_DEVICES"
		skipped tls || need+=" $TLS_DEVICES"
		for c in $need; do ((c > n)) && n=$c; done
		provision "$WORK/hearth-data" "$n"
		measure hearth
		skipped storage || storage_ceiling
	fi
	local out=$OUT
	if [[ -z $out ]]; then # never over an earlier result
		mkdir -p "$ROOT/bench/results"
		out=$ROOT/bench/results/$(date -u +%F).md
		[[ -e $out ]] && out=$ROOT/bench/results/$(date -u +%F-%H%M).md
	fi
	if [[ $out == - ]]; then
		report
	else
		report | tee "$out"
		log "summary written to $out"
	fi
}

main "$@"
