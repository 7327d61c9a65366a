#!/usr/bin/env bash
# Portcullis (release build) against Kamailio under the same SIPp REGISTER+digest load; extra arguments go to the
# shared script (e.g. --rates 2000,3000,4000 --seconds 20). Run as root on a quiet machine. SKIP_BUILD=1 races the
# binary already in .build-release.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH_DIR:-$(cd .. && pwd)/shared/bench}
[ -n "${SKIP_BUILD:-}" ] || swift build -c release --scratch-path .build-release
binary=$PWD/.build-release/release/portcullis
data=$(mktemp -d)
# SIPp sends tens of thousands of packets a second from 127.0.0.1: put it on the allow list, or the SIP UDP
# auto-defense rule (40 packets / 2 s) rightly blocks it in the preflight. The guard's own cost is measured by
# guard-throughput.sh.
"$binary" network allow add 127.0.0.1 --data-dir "$data" >/dev/null
cd "$bench"
exec ./register-race.sh --pin --target 127.0.0.1:5090 \
  --provision "$binary --data-dir $data extension add {user} --password {password}" \
  --target-cmd "$binary serve --data-dir $data --sip-listen 127.0.0.1:5090 --api-listen 127.0.0.1:8090" "$@"
