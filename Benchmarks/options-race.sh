#!/usr/bin/env bash
# OPTIONS keepalives, Portcullis against Kamailio (which answers them statelessly with sl_send_reply), under the same
# SIPp load in one run: the shared REGISTER race (../shared/bench) with its scenario replaced by peers/options.xml
# (one OPTIONS, 200 expected). Its tables say "registrations": read "OPTIONS". Extra arguments go to the race
# (e.g. --rates 10000,20000,30000 --seconds 10 --pin). Run as root on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${BENCH_DIR:-$(cd .. && pwd)/shared/bench}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r "$shared"/. "$copy"/
cp Benchmarks/peers/options.xml "$copy/register_auth.xml"
BENCH_DIR=$copy Benchmarks/register-race.sh "$@"
