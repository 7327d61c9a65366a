#!/usr/bin/env python3
"""Resident memory of `portcullis serve` (release build) with N live registrations, registered by SIPp.
Usage: Benchmarks/registration-memory.py [N]   Prints a table: state, registrations, VmRSS, VmHWM."""
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Interop"))
from portcullis_harness import PEERS, Server, apply_config, extensions_yaml, free_port, strong_password  # noqa: E402

count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
binary = ROOT / ".build-release" / "release" / "portcullis"
subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release"], cwd=ROOT, check=True)

import portcullis_harness  # noqa: E402
portcullis_harness.BINARY = binary
numbers = list(range(100000, 100000 + count))
server = Server()
assert apply_config(server, extensions_yaml(numbers)).returncode == 0
server.start()


def memory():
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines())
    return fields["VmRSS"].strip(), fields["VmHWM"].strip()


rows = [("extensions loaded, none registered", 0, *memory())]
users = Path(server.data_dir) / "users.csv"
users.write_text("SEQUENTIAL\n" + "".join(f"{n};[authentication username={n} password={strong_password(n)}]\n" for n in numbers))
result = subprocess.run(["sipp", "-sf", str(PEERS / "register_csv.xml"), f"127.0.0.1:{server.sip_port}", "-i", "127.0.0.1",
                         "-p", str(free_port()), "-inf", str(users), "-key", "expires", "3600", "-m", str(count), "-r", "1000",
                         "-nostdin", "-timeout", "120s", "-timeout_error", "-default_behaviors", "all,-bye"],
                        capture_output=True, text=True, timeout=300)
time.sleep(1)
live = len(server.registrations())
rows.append((f"after SIPp registered {count}", live, *memory()))
server.stop()
print("| state | live registrations | VmRSS | VmHWM |\n|---|---|---|---|")
for state, registered, rss, hwm in rows:
    print(f"| {state} | {registered} | {rss} | {hwm} |")
if result.returncode != 0:
    print("SIPp reported failures:", result.stdout[-500:])
