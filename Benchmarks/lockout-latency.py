#!/usr/bin/env python3
"""How fast a password guesser is cut off: for N fresh source addresses, send the failed REGISTERs up to the lockout
threshold, then at once an OPTIONS from the same address. Prints the round trip of the REGISTER that reaches the
threshold (its 403 leaves after the block is in force, so the block takes effect within it) and whether the very
next packet was dropped. Run against a release build: Benchmarks/lockout-latency.py [N]."""
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
from portcullis_harness import Server, SipClient, apply_config, authorization, challenge_fields, extensions_yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    binary = ROOT / ".build-release" / "release" / "portcullis"
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    import portcullis_harness
    portcullis_harness.BINARY = binary
    server = Server(data_dir=tempfile.mkdtemp(prefix="lockout-"))
    apply_config(server, extensions_yaml([1001]))
    server.start()
    trips, dropped = [], 0
    try:
        for round_number in range(rounds):
            client = SipClient(server.sip_port, source=f"127.0.{100 + round_number // 250}.{1 + round_number % 250}")
            for attempt in range(5):
                challenge, uri = client.register("1001")
                header = authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri)
                started = time.perf_counter()
                answer, _ = client.register("1001", header)
                elapsed = time.perf_counter() - started
                assert answer["status"] == 403
            trips.append(elapsed * 1e6)
            dropped += client.probe(timeout=0.5) is None
            client.close()
    finally:
        server.stop()
    trips.sort()
    print(f"{rounds} guessers, lockout at the 5th failure (release build, loopback UDP)")
    print()
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| round trip of the 5th failed REGISTER, median | {statistics.median(trips):.0f} us |")
    print(f"| same, p99 | {trips[min(len(trips) - 1, int(len(trips) * 0.99))]:.0f} us |")
    print(f"| next packet dropped unparsed | {dropped} of {rounds} |")
    print()
    print("The block is in the shards before the 403 is written, so time to block < that round trip (target < 1 ms).")


if __name__ == "__main__":
    main()
