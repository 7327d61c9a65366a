#!/usr/bin/env python3
"""How fast what one node does holds on the others (issue 18). A release build; three nodes on one PostgreSQL
(scripts/test-postgres), on 127.0.0.51-.53, all on CPU 0 with PostgreSQL; the probes on CPU 1.
1. a ban: `POST /api/v1/network/blocks` to node 1's HTTPS API, then OPTIONS from that address to node 2 and node 3
   every 2 ms until they go unanswered (an OPTIONS unanswered for 20 ms counts as dropped); anchor: the same on node
   1 itself, where the ban is made, same run.
2. a configuration change: `POST /api/v1/extensions` to node 1, then REGISTERs with the right password to node 2,
   each from a new address, until one is accepted; anchor: the same against node 1.
ROUNDS of each; p50 and p99 of the time from the moment the request is sent (the API call's own time, about the
anchor's, is in every row).
Run: Benchmarks/cluster-propagation.py [ROUNDS] (default 40)."""
import datetime
import os
import subprocess
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import Server, SipClient, authorization, challenge_fields, free_port, strong_password  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def node(name, address):
    port = free_port(host=address)
    server = Server(sip_listen=[f"{address}:{port}"], extra_args=["--node", name])
    server.sip_port, server.address = port, address
    return server


def dropped_after(server, source, started, limit=5.0):
    """Seconds from `started` until `server` stops answering OPTIONS from `source`."""
    client = SipClient(server.sip_port, host=server.address, source=source)
    try:
        while time.perf_counter() - started < limit:
            sent = time.perf_counter()
            if client.probe(timeout=0.02) is None:
                return sent - started
            time.sleep(0.002)
        raise AssertionError(f"{server.address} still answers {source}")
    finally:
        client.close()


def registered_after(server, number, started, sources, limit=5.0):
    """Seconds from `started` until `server` accepts a REGISTER of `number` (each try from a new address)."""
    while time.perf_counter() - started < limit:
        sent = time.perf_counter()
        phone = SipClient(server.sip_port, host=server.address, source=next(sources))
        try:
            challenge, uri = phone.register(str(number))
            time.sleep(0.005)
            last = phone.register(str(number), authorization(str(number), strong_password(number), challenge_fields(challenge), uri))[0]
            if last["status"] == 200:
                return sent - started
        finally:
            phone.close()
    raise AssertionError(f"{server.address} never accepted {number}: {last}")


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    postgres = subprocess.run([str(ROOT / "scripts" / "test-postgres"), "start"], capture_output=True, text=True, check=True).stdout
    environment = dict(line.removeprefix("export ").split("=", 1) for line in postgres.splitlines())
    os.environ.update(environment)
    os.environ["PORTCULLIS_STORE"] = environment["PORTCULLIS_TEST_POSTGRES"]
    # The postmaster's backends, forked later, inherit its CPU.
    postmaster = subprocess.run(["pgrep", "-o", "-f", environment["PORTCULLIS_TEST_POSTGRES_DIR"]], capture_output=True, text=True).stdout.strip()
    if postmaster:
        subprocess.run(["taskset", "-p", "-c", "0", postmaster], check=True, capture_output=True)
    nodes = [node(f"node{index}", f"127.0.0.5{index}") for index in (1, 2, 3)]
    try:
        nodes[0].start().api_token()
        for other in nodes[1:]:
            # A cluster shares secrets.key, as an operator copies it.
            shutil.copy(nodes[0].data_dir / "secrets.key", other.data_dir / "secrets.key")
            other.start()
        for each in nodes:
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(each.process.pid)], check=True, capture_output=True)
        os.sched_setaffinity(0, {1})
        ban = {"node 1 (where the ban is made; anchor)": [], "node 2": [], "node 3": []}
        change = {"node 1 (where the change is made; anchor)": [], "node 2": []}
        sources = (f"127.0.{third}.{last}" for third in range(10, 250) for last in range(1, 255))
        for round_ in range(rounds):
            for index, label in enumerate(ban):
                banned = f"127.0.4.{1 + round_ * 3 + index}"
                sent = time.perf_counter()
                assert nodes[0].api("POST", "/api/v1/network/blocks", {"source": banned, "service": "sip"})[0] == 201
                ban[label].append(dropped_after(nodes[index], banned, sent))
            for index, label in enumerate(change):
                number = 2000 + round_ * 2 + index
                sent = time.perf_counter()
                assert nodes[0].api("POST", "/api/v1/extensions", {"number": str(number), "password": strong_password(number)})[0] == 201
                change[label].append(registered_after(nodes[index], number, sent, sources))
    finally:
        for each in nodes:
            each.stop()
        subprocess.run([str(ROOT / "scripts" / "test-postgres"), "stop", environment["PORTCULLIS_TEST_POSTGRES_DIR"]], capture_output=True)

    lines = [f"Cluster propagation: release build, 3 nodes and PostgreSQL 15 on CPU 0, probes on CPU 1; {rounds} rounds; "
             f"{datetime.date.today().isoformat()}", "",
             "| a ban made through node 1, dropped by | p50 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {label} | {percentile(v, 0.5) * 1e3:.1f} | {percentile(v, 0.99) * 1e3:.1f} | {max(v) * 1e3:.1f} |" for label, v in ban.items()]
    lines += ["", "| an extension added through node 1, registers on | p50 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {label} | {percentile(v, 0.5) * 1e3:.1f} | {percentile(v, 0.99) * 1e3:.1f} | {max(v) * 1e3:.1f} |" for label, v in change.items()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
