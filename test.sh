#!/usr/bin/env bash
# Runs every Hearth test: installs the MQTT clients the end-to-end tests
# drive (mosquitto_pub) when missing, vets, then tests with the race
# detector where it fits in time and plainly elsewhere. About 10-20 minutes
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v mosquitto_pub >/dev/null || ! command -v mosquitto >/dev/null; then
	echo "test.sh: installing mosquitto and mosquitto-clients" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto mosquitto-clients
fi

echo "== go vet" >&2
go vet ./...

# The end-to-end tests in cmd/hearth build and run the binary and publish
# tens of thousands of QoS 1 messages; the race detector would multiply their
# time, so they run plainly. Everything else runs with -race.
plain="github.com/hearth-iot/hearth/cmd/hearth"
race=$(go list ./... | grep -v -x -F "$plain")

echo "== go test -race (all packages but cmd/hearth)" >&2
# shellcheck disable=SC2086
go test -race -timeout 15m $race
echo "== go test cmd/hearth (end to end)" >&2
go test -timeout 15m "$plain"
