#!/usr/bin/env python3
"""What logging in and being logged in cost (issue 14). Against a release build with the server pinned to CPU 0:
1. logins per second: 4 clients on CPU 1 log in as fast as the server answers (bcrypt at the configured cost is the
   work; the server has one core for it);
2. the cost of one authenticated API request, `GET /api/v1/me`, with a session cookie and, as the anchor in the same
   run, with a static API token: the server's CPU time per request (from /proc), over alternating rounds on
   keep-alive connections. Target: session <= 1.1x token.
Run: Benchmarks/login-cost.py [REQUESTS_PER_ROUND]."""
import concurrent.futures
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import ADMIN_PASSWORD, Server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def login(server):
    connection = http.client.HTTPSConnection("127.0.0.1", server.api_port, timeout=30, context=server.tls_context())
    connection.request("POST", "/api/v1/login", body=json.dumps({"username": "olga", "password": ADMIN_PASSWORD}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    connection.close()
    assert response.status == 200, response.status
    return cookie


def requests(server, headers, count):
    connection = http.client.HTTPSConnection("127.0.0.1", server.api_port, timeout=30, context=server.tls_context())
    for _ in range(count):
        connection.request("GET", "/api/v1/me", headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    connection.close()


def main():
    per_round = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    os.sched_setaffinity(0, {1})
    server = Server(data_dir=tempfile.mkdtemp(prefix="login-cost-"))
    server.start()
    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.process.pid)], check=True, capture_output=True)
    try:
        token = server.api_token()
        server.cli("user", "add", "olga", "--role", "Operator", "--password", ADMIN_PASSWORD)
        logins = 40
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            cookies = list(pool.map(lambda _: login(server), range(logins)))
        rate = logins / (time.perf_counter() - started)
        session = {"Cookie": cookies[0]}
        bearer = {"Authorization": f"Bearer {token}"}
        requests(server, session, 200)
        requests(server, bearer, 200)
        costs = {"session": [], "token": []}
        for _ in range(5):
            for name, headers in (("token", bearer), ("session", session)):
                before = cpu_seconds(server.process.pid)
                requests(server, headers, per_round)
                costs[name].append((cpu_seconds(server.process.pid) - before) / per_round * 1e6)
    finally:
        server.stop()
    token_cost, session_cost = statistics.median(costs["token"]), statistics.median(costs["session"])
    print(f"Login and session cost: release build, server on CPU 0, clients on CPU 1; bcrypt cost 12; {per_round} requests x 5 rounds each")
    print()
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| logins per second (4 clients, one server core) | {rate:.1f} |")
    print(f"| server CPU per GET /api/v1/me with a static API token (anchor), median of 5 | {token_cost:.0f} us |")
    print(f"| server CPU per GET /api/v1/me with a session cookie, median of 5 | {session_cost:.0f} us |")
    print(f"| session / token | {session_cost / token_cost:.2f}x (target <= 1.10x) |")
    print()
    print("rounds (us per request): token " + ", ".join(f"{c:.0f}" for c in costs["token"]) + "; session " + ", ".join(f"{c:.0f}" for c in costs["session"]))


if __name__ == "__main__":
    main()
