#!/usr/bin/env python3
"""REGISTER+digest on the shared store (issue 18): one node on SQLite (the anchor), one node on PostgreSQL, three nodes
on PostgreSQL (aggregate), same run, same load; then memory per node with 100,000 extensions.

Each setup: USERS extensions, SIPp registers COUNT times (users taken in turn, new Call-ID each, digest answered) at
RATE per second, one SIPp per node with its share. Reported: registrations per second achieved (COUNT over the time
SIPp took), failed registrations, CPU per registration of the Portcullis processes and of PostgreSQL (server processes
forked by its postmaster), both from /proc. Release build; PostgreSQL from scripts/test-postgres (fsync off, as in
the tests). All on this machine's two cores, nothing pinned: the sum of CPU is what matters.
Run: Benchmarks/cluster-register.py [COUNT] [RATE] [USERS]   (defaults 20000, 2000, 5000)."""
import datetime
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import PEERS, Server, apply_config, extensions_yaml, free_port, strong_password  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / TICK


def postgres_pids(directory):
    postmaster = subprocess.run(["pgrep", "-o", "-f", directory], capture_output=True, text=True).stdout.strip()
    if not postmaster:
        return []
    children = subprocess.run(["pgrep", "-P", postmaster], capture_output=True, text=True).stdout.split()
    return [postmaster, *children]


def memory(pid):
    """PSS and RSS in MiB (PSS shares libraries fairly between the nodes)."""
    rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return int(rollup["Pss"].split()[0]) / 1024, int(rollup["Rss"].split()[0]) / 1024


MANY = 100_000


def seed_extensions(server, database, password):
    """MANY extensions written as the server stores them (the digests are not used: nothing registers)."""
    if database:
        sql = ("INSERT INTO extension (number, registration_name, display_name, ha1_md5, ha1_sha256, created_at, updated_at) "
               f"SELECT g::text, g::text, 'User ' || g, md5(g::text), md5(g::text) || md5(g::text), now(), now() "
               f"FROM generate_series(200000, {200000 + MANY - 1}) g")
        subprocess.run(["psql", database, "-qc", sql], env={**os.environ, "PGPASSWORD": password}, check=True, capture_output=True)
        return
    db = sqlite3.connect(Path(server.data_dir) / "portcullis.sqlite")
    with db:
        db.executemany("INSERT INTO extension (number, registration_name, display_name, ha1_md5, ha1_sha256, created_at, updated_at, policy) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, '{}')",
                       ((str(n), str(n), f"User {n}", "0" * 32, "0" * 64, "2026-11-30 00:00:00.000", "2026-11-30 00:00:00.000")
                        for n in range(200000, 200000 + MANY)))
    db.close()


def print_registrations(rows, count, users, rate):
    print(f"REGISTER+digest on the shared store: release build, {count} registrations of {users} extensions offered at {rate}/s, "
          f"2 cores, nothing pinned; {datetime.date.today().isoformat()}\n")
    print("| setup | registrations/s | failed | Portcullis CPU per registration | PostgreSQL CPU per registration |\n"
          "| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(f"| {label} | {achieved:,.0f} | {failed} | {portcullis:.0f} us | {pg:.0f} us |"
                    for label, achieved, failed, portcullis, pg in rows), flush=True)


def use_store(database, password):
    """The next servers use a new, empty PostgreSQL database, or (None) each its own SQLite file."""
    if not database:
        os.environ.pop("PORTCULLIS_STORE", None)
        return
    for sql in ("DROP DATABASE IF EXISTS bench", "CREATE DATABASE bench"):
        subprocess.run(["psql", database.replace("/portcullis_test", "/postgres"), "-qc", sql], env={**os.environ, "PGPASSWORD": password},
                       check=True, capture_output=True)
    os.environ["PORTCULLIS_STORE"] = database.replace("/portcullis_test", "/bench")


def node(name, address):
    port = free_port(host=address)
    server = Server(sip_listen=[f"{address}:{port}"], extra_args=["--node", name] if name else [])
    server.sip_port, server.address = port, address
    return server


def start(servers):
    servers[0].start()
    for other in servers[1:]:
        shutil.copy(servers[0].data_dir / "secrets.key", other.data_dir / "secrets.key")
        other.start()


def race(servers, numbers, count, rate, postgres):
    """SIPp registrations against each server (its share of COUNT, RATE, users), at once."""
    share = count // len(servers)
    runs = []
    pids = [server.process.pid for server in servers]
    before = cpu_seconds(pids), cpu_seconds(postgres_pids(postgres)) if postgres else 0.0
    began = time.perf_counter()
    for index, server in enumerate(servers):
        users = Path(server.data_dir) / "users.csv"
        mine = numbers[index::len(servers)]
        users.write_text("SEQUENTIAL\n" + "".join(f"{n};[authentication username={n} password={strong_password(n)}]\n" for n in mine))
        runs.append(subprocess.Popen(
            ["sipp", "-sf", str(PEERS / "register_csv.xml"), f"{server.address}:{server.sip_port}", "-i", "127.0.0.1", "-p", str(free_port()),
             "-inf", str(users), "-key", "expires", "3600", "-m", str(share), "-r", str(rate // len(servers)), "-nostdin",
             "-timeout", "180s", "-timeout_error", "-default_behaviors", "all,-bye", "-trace_stat", "-stf", str(Path(server.data_dir) / "stat.csv")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=server.data_dir))
    for run in runs:
        run.communicate(timeout=300)
    took = time.perf_counter() - began
    after = cpu_seconds(pids), cpu_seconds(postgres_pids(postgres)) if postgres else 0.0
    failed = 0
    for server in servers:
        header, *rows = (Path(server.data_dir) / "stat.csv").read_text().splitlines()
        columns = header.split(";")
        failed += int(rows[-1].split(";")[columns.index("FailedCall(C)")])
    return share * len(servers) / took, failed, (after[0] - before[0]) / count * 1e6, (after[1] - before[1]) / count * 1e6


def main():
    given = sys.argv[1:]
    count, rate, users = (int(given[index]) if len(given) > index else default for index, default in enumerate((20000, 2000, 5000)))
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    postgres = subprocess.run([str(ROOT / "scripts" / "test-postgres"), "start"], capture_output=True, text=True, check=True).stdout
    environment = dict(line.removeprefix("export ").split("=", 1) for line in postgres.splitlines())
    os.environ.update({key: value for key, value in environment.items() if key != "PORTCULLIS_TEST_POSTGRES"})
    database = environment["PORTCULLIS_TEST_POSTGRES"]
    directory = environment["PORTCULLIS_TEST_POSTGRES_DIR"]
    numbers = list(range(100000, 100000 + users))
    rows = []
    try:
        for label, store, names in [("SQLite, one node (anchor)", None, [None]), ("PostgreSQL, one node", database, ["n1"]),
                                    ("PostgreSQL, three nodes", database, ["n1", "n2", "n3"])]:
            use_store(store and database, environment["PORTCULLIS_STORE_PASSWORD"])
            servers = [node(name, f"127.0.0.5{index + 1}") for index, name in enumerate(names)]
            assert apply_config(servers[0], extensions_yaml(numbers)).returncode == 0
            start(servers)
            try:
                rows.append((label, *race(servers, numbers, count, rate, directory if store else None)))
            finally:
                for server in servers:
                    server.stop()
        print_registrations(rows, count, users, rate)
        memory_rows = []
        for label, store, names in [("SQLite, one node (anchor)", None, [None]), ("PostgreSQL, three nodes", database, ["n1", "n2", "n3"])]:
            use_store(store and database, environment["PORTCULLIS_STORE_PASSWORD"])
            servers = [node(name, f"127.0.0.5{index + 1}") for index, name in enumerate(names)]
            # The first start makes the schema; the extensions are then written straight into the store.
            servers[0].start()
            servers[0].stop()
            seed_extensions(servers[0], os.environ.get("PORTCULLIS_STORE"), environment["PORTCULLIS_STORE_PASSWORD"])
            start(servers)
            try:
                # Extensions are loaded before the listeners bind, which `start` waits for.
                time.sleep(2)
                for index, server in enumerate(servers):
                    memory_rows.append((f"{label}, node {index + 1}", *memory(server.process.pid)))
            finally:
                for server in servers:
                    server.stop()
        print("\n| 100,000 extensions loaded, idle | PSS MiB | RSS MiB |\n| --- | ---: | ---: |")
        print("\n".join(f"| {label} | {pss:.1f} | {rss:.1f} |" for label, pss, rss in memory_rows))
    finally:
        subprocess.run([str(ROOT / "scripts" / "test-postgres"), "stop", directory], capture_output=True)



if __name__ == "__main__":
    main()
