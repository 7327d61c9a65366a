#!/usr/bin/env bash
# Portcullis (release build) against Kamailio under the same SIPp REGISTER+digest load; extra arguments go to the
# shared script (e.g. --rates 2000,3000,4000 --seconds 20). Run as root on a quiet machine. SKIP_BUILD=1 races the
# binary already in .build-release.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH_DIR:-$(cd .. && pwd)/shared/bench}
[ -n "${SKIP_BUILD:-}" ] || scripts/build-release --product portcullis
binary=$PWD/.build-release/release/portcullis
data=$(mktemp -d)
# SIPp sends tens of thousands of packets a second from 127.0.0.1: put it on the allow list, or the SIP UDP
# auto-defense rule (40 packets / 2 s) rightly blocks it in the preflight. The guard's own cost is measured by
# guard-throughput.sh.
"$binary" network allow add 127.0.0.1 --data-dir "$data" >/dev/null
# The shared scenario's response-time buckets (1, 2, 5, 10, 20, 50 ms ...) are too coarse to compare tails: a copy of
# the shared script runs here with millisecond buckets up to 10 ms.
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r "$bench"/. "$copy"/
sed -i 's/<ResponseTimeRepartition value="[^"]*"/<ResponseTimeRepartition value="1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 50, 100, 200, 500, 1000"/' \
  "$copy"/*.xml
cd "$copy"
./register-race.sh --pin --target 127.0.0.1:5090 \
  --provision "$binary --data-dir $data extension add {user} --password {password}" \
  --target-cmd "$binary serve --data-dir $data --sip-listen 127.0.0.1:5090 --api-listen 127.0.0.1:8090" "$@"
