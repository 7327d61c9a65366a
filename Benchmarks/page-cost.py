#!/usr/bin/env python3
"""What the portal's pages cost with a large installation (issue 15). A release build, server on CPU 0, the client on
CPU 1, with 10,000 extensions, 100,000 events over the last week and 1,000,000 blocks in force, written straight into
the data directory's SQLite store before the server starts:
1. time per page as the browser sees it (request to last byte on a keep-alive HTTPS connection, signed in with a
   session cookie), median and p99 over N requests: the dashboard, /extensions (first page, and a search), and
   /security/rules (blocked IPs); target: median < 20 ms; and the first dashboard request, which waits for the counts
   (later ones are answered from counts at most 10 s old while a recount runs behind them);
2. requests per second and server CPU per request for the dashboard and, as the anchor in the same run, a static file
   from the same server (/assets/portal.css).
Run: Benchmarks/page-cost.py [REQUESTS]."""
import datetime
import hashlib
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import ADMIN, ADMIN_PASSWORD, Server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS, EVENTS, BLOCKS = 10_000, 100_000, 1_000_000


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S.000")


def seed(database):
    """Extensions, events and blocks as the server writes them, in one transaction each."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    random.seed(15)
    db = sqlite3.connect(database)
    with db:
        db.executemany("INSERT INTO extension (number, display_name, ha1_md5, ha1_sha256, created_at, updated_at, policy, registration_name) "
                       "VALUES (?, ?, ?, ?, ?, ?, '{}', ?)",
                       ((str(10000 + n), f"User {n}", hashlib.md5(str(n).encode()).hexdigest(), hashlib.sha256(str(n).encode()).hexdigest(),
                         stamp(now), stamp(now), str(10000 + n)) for n in range(EXTENSIONS)))
    kinds = [("Extension Registration Failed", "registration", "warning"), ("Auto Defense IP Blocked Out", "network", "alert"),
             ("Web User Login Failed", "login", "warning"), ("Extension Registered", "registration", "info"),
             ("Outbound Call to a Disallowed Country", "call", "alert")]
    with db:
        db.executemany("INSERT INTO event (time, name, category, level, fields) VALUES (?, ?, ?, ?, ?)",
                       ((stamp(now - datetime.timedelta(seconds=random.randrange(7 * 86400))), *kind,
                         json.dumps({"account": str(10000 + random.randrange(EXTENSIONS)), "source": f"198.51.100.{random.randrange(256)}"}))
                        for kind in (random.choice(kinds) for _ in range(EVENTS))))
    types = ["auto defense", "extension registration", "Web Login", "manual"]
    with db:
        db.executemany("INSERT INTO network_block (source, defense_type, block_type, service, attacked_at, rule, created_at, expires_at, hits, offense) "
                       "VALUES (?, ?, 'ip', 'sip', ?, 'SIP UDP', ?, ?, 0, 1)",
                       ((f"{11 + n // 16_777_216 % 200}.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", types[n % 4],
                         stamp(now - datetime.timedelta(seconds=n % (7 * 86400))), stamp(now - datetime.timedelta(seconds=n % (7 * 86400))),
                         stamp(now + datetime.timedelta(days=30))) for n in range(BLOCKS)))
    db.close()


def timed(connection, path, headers, count):
    """Milliseconds per request, each to its last byte."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    return times


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    os.sched_setaffinity(0, {1})
    server = Server(data_dir=tempfile.mkdtemp(prefix="page-cost-"))
    server.start()
    server.api_token()
    settings = server.api("GET", "/api/v1/login-defense")[2]
    settings["twoFactorRoles"] = []
    server.api("PUT", "/api/v1/login-defense", settings)
    server.stop()
    started = time.perf_counter()
    seed(server.data_dir / "portcullis.sqlite")
    print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started = time.perf_counter()
    server.start(timeout=600)
    print(f"server started with the seeded store in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.process.pid)], check=True, capture_output=True)
    try:
        status, _, answer = server.api("POST", "/api/v1/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, token=None)
        assert status == 200, answer
        connection = http.client.HTTPSConnection("127.0.0.1", server.api_port, timeout=60, context=server.tls_context())
        connection.request("POST", "/api/v1/login", body=json.dumps({"username": ADMIN, "password": ADMIN_PASSWORD}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        cookies = "; ".join(value.split(";")[0] for key, value in response.getheaders() if key.lower() == "set-cookie")
        headers = {"Cookie": cookies}
        pages = [("dashboard /", "/"), ("/extensions (page 1 of 200)", "/extensions"), ("/extensions?search=1234", "/extensions?search=1234"),
                 ("/security/rules (blocked IPs, newest 100)", "/security/rules?tab=blocked"), ("/security/rules?tab=blocked&source=11.0.0.7", "/security/rules?tab=blocked&source=11.0.0.7")]
        rows = []
        first = timed(connection, "/", headers, 1)[0]
        for name, path in pages:
            timed(connection, path, headers, 5)
            times = timed(connection, path, headers, count)
            rows.append((name, statistics.median(times), percentile(times, 0.99)))
        rates = {}
        for name, path in (("static file /assets/portal.css (anchor)", "/assets/portal.css"), ("dashboard /", "/")):
            before, began = cpu_seconds(server.process.pid), time.perf_counter()
            timed(connection, path, headers, count)
            elapsed = time.perf_counter() - began
            rates[name] = (count / elapsed, (cpu_seconds(server.process.pid) - before) / count * 1e6)
    finally:
        server.stop()
    print(f"Portal page cost: release build, server on CPU 0, client on CPU 1; {EXTENSIONS:,} extensions, {EVENTS:,} events, "
          f"{BLOCKS:,} blocks in force; {count} requests per page, signed in, one keep-alive HTTPS connection")
    print()
    print("| page | median | p99 |")
    print("| --- | ---: | ---: |")
    for name, median, p99 in rows:
        print(f"| {name} | {median:.1f} ms | {p99:.1f} ms |")
    print(f"| dashboard /, first request: the counts made while it waits (later ones are recounted behind the answer every 10 s) | {first:.0f} ms | |")
    print()
    print("| requests one after another | requests/s | server CPU per request |")
    print("| --- | ---: | ---: |")
    for name, (rate, cpu) in rates.items():
        print(f"| {name} | {rate:.0f} | {cpu:.0f} us |")
    anchor, dashboard = rates["static file /assets/portal.css (anchor)"], rates["dashboard /"]
    print()
    print(f"dashboard / static file: {anchor[0] / dashboard[0]:.1f}x the time, {dashboard[1] / anchor[1]:.1f}x the CPU")


if __name__ == "__main__":
    main()
