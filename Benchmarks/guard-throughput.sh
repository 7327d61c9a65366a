#!/usr/bin/env bash
# Builds the release binary and runs guard-throughput.py (REGISTER+digest with the network guard on and off).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sipp >/dev/null || apt-get install -y sip-tester
[ -r /usr/share/tor/geoip ] || apt-get install -y tor-geoipdb
scripts/build-release --product portcullis
exec python3 Benchmarks/guard-throughput.py "$@"
