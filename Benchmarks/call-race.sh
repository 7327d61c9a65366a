#!/usr/bin/env bash
# Builds the release binary and runs call-race.py: calls per second through Portcullis (relay off and on) and through
# Kamailio as a stateful proxy with its dialog module (and with rtpengine anchoring the media), then memory per active
# call and a leak check.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sipp >/dev/null || apt-get install -y sip-tester
command -v kamailio >/dev/null || { [ -e /usr/sbin/policy-rc.d ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; apt-get install -y kamailio kamailio-sqlite-modules; }
command -v rtpengine >/dev/null || { [ -e /usr/sbin/policy-rc.d ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; apt-get install -y rtpengine-daemon; }
scripts/build-release --product portcullis
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 Benchmarks/call-race.py "$@"
