#!/usr/bin/env bash
# Runs every Hearth test: installs what the end-to-end tests drive when it
# is missing (mosquitto and its clients, HAProxy, Debian's chromium, axe-core from
# npm, PostgreSQL's server), vets, then tests with the race detector where it fits in time and
# plainly elsewhere. About 10-20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"

# The end-to-end tests need mosquitto's clients (they publish with
# mosquitto_pub), and the browser suite (cmd/hearth/browser_e2e_test.go)
# Debian's chromium and axe-core from npm. Whatever is missing is installed
# here; if it cannot be, the script stops with the error: the tests never
# skip for want of a tool. The PostgreSQL tests (package postgres, the
# scale-out end-to-end test) start a throwaway cluster of their own in a
# temporary directory on a loopback port (internal/pgtest) and stop it when
# they end; Debian's postgresql package is installed here with no cluster of
# its own (create_main_cluster = false).
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
axe_dir=cmd/hearth/testdata/axe
packages=()
if ! command -v mosquitto_pub >/dev/null || ! command -v mosquitto >/dev/null; then
	packages+=(mosquitto mosquitto-clients)
fi
if [ ! -x /usr/bin/chromium ]; then
	packages+=(chromium fonts-dejavu-core)
fi
if ! command -v haproxy >/dev/null; then
	packages+=(haproxy) # the load balancer in front of `hearth serve --proxy-protocol`
fi
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && ! command -v npm >/dev/null; then
	packages+=(npm)
fi
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	packages+=(postgresql)
	$sudo mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/hearth-tests.conf >/dev/null
fi
if [ "${#packages[@]}" -gt 0 ]; then
	echo "test.sh: installing ${packages[*]}" >&2
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
fi
for tool in mosquitto mosquitto_pub haproxy /usr/bin/chromium; do
	if ! command -v "$tool" >/dev/null; then
		echo "test.sh: $tool is still missing after apt-get install" >&2
		exit 1
	fi
done
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	echo "test.sh: PostgreSQL's initdb is still missing after apt-get install" >&2
	exit 1
fi
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
	echo "test.sh: installing axe-core with npm ci in $axe_dir" >&2
	(cd "$axe_dir" && npm ci --no-audit --no-fund)
	if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
		echo "test.sh: npm ci did not install axe-core in $axe_dir" >&2
		exit 1
	fi
fi

echo "== go vet" >&2
go vet ./...

# The end-to-end tests in cmd/hearth build and run the binary and publish
# tens of thousands of QoS 1 messages, and the browser suite drives
# Chromium; the race detector would multiply their time, so they run
# plainly. Everything else runs with -race.
plain="github.com/hearth-iot/hearth/cmd/hearth"
race=$(go list ./... | grep -v -x -F "$plain")

echo "== go test -race (all packages but cmd/hearth)" >&2
# shellcheck disable=SC2086
go test -race -timeout 15m $race
echo "== go test cmd/hearth (end to end)" >&2
go test -timeout 15m "$plain"
