#!/usr/bin/env bash
# Builds each libFuzzer harness (with AddressSanitizer) from the sources it tests alone, and runs each for a bounded
# time over its seed corpus. Usage: Fuzz/run.sh [SECONDS-PER-HARNESS]   (default 30)
# Inputs reach 20 KiB, above the parser's 8 KiB line limit and the 16 KiB stream buffer, so the size branches run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
out=.build-fuzz
mkdir -p "$out"
sipcore=(Sources/SIPCore/*.swift)
# SIPAuth's header parser (what Authorization and WWW-Authenticate values go through) compiled into one module with
# SIPCore: its `import SIPCore` is dropped for that. The rest of SIPAuth needs swift-crypto.
mkdir -p "$out/auth"
auth=()
for file in DigestParameters DigestError; do
  sed '/^import SIPCore$/d' "Sources/SIPAuth/$file.swift" > "$out/auth/$file.swift"
  auth+=("$out/auth/$file.swift")
done
build() {  # NAME MODULE SOURCES...
  local name=$1 module=$2; shift 2
  swiftc -O -sanitize=fuzzer,address -parse-as-library -suppress-warnings -module-name "$module" "$@" -o "$out/$name"
}
build sip-parser-fuzzer SIPCore "${sipcore[@]}" Fuzz/SIPParserFuzzer.swift
build sdp-fuzzer SIPCore "${sipcore[@]}" Fuzz/SDPFuzzer.swift
build digest-fuzzer SIPAuth "${sipcore[@]}" "${auth[@]}" Fuzz/DigestFuzzer.swift
build rtp-fuzzer Media Sources/Media/RTPPacket.swift Sources/Media/DTMFDetector.swift Fuzz/RTPFuzzer.swift
build maxmind-fuzzer GeoIP Sources/GeoIP/*.swift Fuzz/MaxMindFuzzer.swift
run() {  # NAME SEEDS...
  local name=$1; shift
  local corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  cp "$@" "$corpus/"
  echo "== $name: $seconds s"
  SWIFT_BACKTRACE=enable=no "$out/$name" -max_total_time="$seconds" -max_len=20480 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/$name-" -print_final_stats=1 "$corpus"
}
run sip-parser-fuzzer Fuzz/corpus-sip/*
run sdp-fuzzer Fuzz/corpus-sdp/*
run digest-fuzzer Fuzz/corpus-digest/*
run rtp-fuzzer Fuzz/corpus-rtp/*
run maxmind-fuzzer Tests/GeoIPTests/Fixtures/mmdb/test-data/MaxMind-DB-test-ipv4-32.mmdb \
  Tests/GeoIPTests/Fixtures/mmdb/test-data/MaxMind-DB-test-nested.mmdb \
  Tests/GeoIPTests/Fixtures/mmdb/test-data/MaxMind-DB-test-pointer-decoder.mmdb
