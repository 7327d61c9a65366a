#!/usr/bin/env bash
# Builds the SIP parser fuzzer (libFuzzer + AddressSanitizer) from the SIPCore sources and runs it for a bounded
# number of executions over the seed corpus. Usage: Fuzz/run.sh [RUNS]   (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200000}
out=.build-fuzz
mkdir -p "$out" "$out/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name SIPCore \
  Sources/SIPCore/*.swift Fuzz/SIPParserFuzzer.swift -o "$out/sip-parser-fuzzer"
cp Fuzz/corpus/* "$out/corpus/"
"$out/sip-parser-fuzzer" -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1 "$out/corpus"
