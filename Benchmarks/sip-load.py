#!/usr/bin/env python3
"""SIP load, Portcullis against Kamailio, with generators that are not the limit: each server in turn runs alone on
CPU 0 and is given the same rates, Kamailio first at each rate; a generator in C (load/) offers the load from CPU 1
with batched sends and receives, times every answer on a microsecond clock and retransmits nothing.

  options   stateless OPTIONS keepalives (load/options-load.c). One SIPp tops out near 30,000 OPTIONS/s here, below
            what either server answers. Kamailio answers with sl_send_reply (its "ceiling test" branch).
  register  digest-authenticated registrations, REGISTER -> 401 -> REGISTER -> 200 (load/register-load.c), each user
            always from the same socket. SIPp's clock moves in 4 ms steps here and it sends its new registrations in
            bursts on that clock, so register-race.sh cannot time the tail below 4 ms; this can. Kamailio registers in
            memory with credentials from SQLite; Portcullis with every defense on and the bindings persisted.

A third anchor in both loads, the floor (load/sip-floor.c), answers on the same batched system calls and does nothing else
(a 200 copying five header lines; a fixed 401 challenge to a REGISTER without credentials, and no digest check): what is
left of a server's CPU per request above it is its own work, and what the floor costs every server pays.

Both servers use ../shared/bench/kamailio.cfg (Kamailio 5.6, 4 workers) and `portcullis serve` with every default on and
127.0.0.1 on the allow list (otherwise its auto-defense rightly blocks the flood). A rate is sustained when at least
99.5 % of the requests (registrations) succeeded and at least 98 % of the rate was completed. CPU per request is the
server's CPU time (all its processes) over the run divided by the successes.

Usage: sip-load.py options [--rates 20000,40000,...] [--seconds 10] [--sockets 8] [--rounds N] [--baseline BINARY]
       sip-load.py register [--rates 4000,8000,...] [--seconds 10] [--users 1000] [--sockets 8] [--rounds N]
                            [--baseline BINARY] [--threads] [--floor-epoll]
--baseline gives a second portcullis binary (say, before a change) the same load in the same run, after the first.
--threads adds, per thread (a pool's threads together), CPU and sleeps per success: how often a server wakes up.
--floor-epoll adds the floor waiting in epoll_wait as an event loop does, beside the floor in a blocking recvmmsg.
Needs: gcc, libssl-dev (register), taskset, kamailio (apt-get install kamailio kamailio-sqlite-modules), a release
build of portcullis (scripts/build-release --product portcullis).
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BENCH_DIR", ROOT.parent / "shared" / "bench"))
HOST, KAMAILIO_PORT, PORTCULLIS_PORT, FLOOR_PORT = "127.0.0.1", 5070, 5090, 5092
MIN_SUCCEEDED, MIN_ACHIEVED = 0.995, 0.98


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def threads(pids):
    """Per thread name: user and kernel CPU seconds, voluntary and involuntary context switches, summed over the
    processes' threads (a voluntary switch is a thread going to sleep, so each one is a wakeup later; names group a
    pool's threads)."""
    totals = {}
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                stat = (task / "stat").read_text()
                status = (task / "status").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
            switches = dict(line.split(":\t") for line in status.splitlines() if "ctxt_switches" in line)
            row = totals.setdefault(re.sub(r"-?#?\d+$", "", name) or name, [0.0, 0.0, 0, 0])
            row[0] += int(fields[11]) / os.sysconf("SC_CLK_TCK")
            row[1] += int(fields[12]) / os.sysconf("SC_CLK_TCK")
            row[2] += int(switches["voluntary_ctxt_switches"])
            row[3] += int(switches["nonvoluntary_ctxt_switches"])
    return totals


def tree(pid):
    """The process and its children (Kamailio forks its workers)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(child) for child in children]


def answers_options(port, deadline):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.settimeout(0.3)
    probe.bind((HOST, 0))
    request = (f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\nVia: SIP/2.0/UDP {HOST}:{probe.getsockname()[1]};branch=z9hG4bKprobe\r\n"
               f"From: <sip:probe@{HOST}>;tag=p\r\nTo: <sip:{HOST}:{port}>\r\nCall-ID: probe@{HOST}\r\nCSeq: 1 OPTIONS\r\n"
               "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    while time.monotonic() < deadline:
        try:
            probe.sendto(request.encode(), (HOST, port))
            if probe.recv(4096).startswith(b"SIP/2.0 200"):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class Kamailio:
    name = "Kamailio 5.6"

    def __init__(self, users):
        self.users = users

    def start(self, workdir):
        shutil.copy(self.users / "kamailio.sqlite", workdir)
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", "kamailio", "-DD", "-E", "-f", str(SHARED / "kamailio.cfg"), "-Y", workdir, "-m", "256",
             "-M", "16", "-A", f'DBURL="sqlite://{workdir}/kamailio.sqlite"', "-A", f'CTLSOCK="unixs:{workdir}/kamailio_ctl"',
             "-A", f"LISTEN=udp:{HOST}:{KAMAILIO_PORT}", "-A", "WORKERS=4"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/kamailio.log", "w"))
        return KAMAILIO_PORT


class Portcullis:
    def __init__(self, binary, users, name="Portcullis"):
        self.binary, self.name = binary, name
        self.data = users / name.replace(" ", "-")
        subprocess.run([binary, "network", "allow", "add", HOST, "--data-dir", self.data], check=True, capture_output=True)
        for line in (users / "users.csv").read_text().splitlines()[1:]:
            user, _, password = line.split(";")[:3]
            subprocess.run([binary, "extension", "add", user, "--password", password, "--data-dir", self.data], check=True,
                           capture_output=True)

    def start(self, workdir):
        data = f"{workdir}/data"
        shutil.copytree(self.data, data)
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", self.binary, "serve", "--data-dir", data, "--sip-listen", f"{HOST}:{PORTCULLIS_PORT}",
             "--api-listen", f"{HOST}:8090"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/portcullis.log", "w"))
        return PORTCULLIS_PORT


class Floor:
    """A bare responder (load/sip-floor.c): receive, copy five header lines, send; no SIP server does less."""
    name = "Floor (bare responder)"

    def __init__(self, binary, epoll=False):
        self.binary = binary
        self.mode = ["epoll"] if epoll else []
        if epoll:
            self.name = "Floor on epoll"

    def start(self, workdir):
        self.process = subprocess.Popen(["taskset", "-c", "0", self.binary, HOST, str(FLOOR_PORT)] + self.mode,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=open(f"{workdir}/floor.log", "w"))
        return FLOOR_PORT


# Per load: the generator's source and libraries, its last arguments, and the table's extra columns (JSON field,
# heading). Both generators report "offered" (requests or registrations), "ok" and "ok_per_s" (the successes).
LOADS = {
    "options": dict(source="options-load.c", libraries=[], arguments=lambda args: [str(args.sockets)],
                    columns=[("lost", "lost"), ("other", "other answers"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")]),
    "register": dict(source="register-load.c", libraries=["-lcrypto"],
                     arguments=lambda args: [str(args.sockets), str(args.users_dir / "users.csv")],
                     columns=[("failed", "failed"), ("lost", "lost"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                              ("p999_ms", "p99.9 ms"), ("challenge_p99_ms", "401 p99 ms"),
                              ("authorized_p99_ms", "200 p99 ms")]),
}


def run(server, load, rate, args, generator):
    """One point: a fresh server, the generator for args.seconds, the server's CPU time."""
    with tempfile.TemporaryDirectory(prefix="sip-load-") as workdir:
        port = server.start(workdir)
        try:
            if not answers_options(port, time.monotonic() + 20):
                sys.exit(f"{server.name} did not answer OPTIONS; see its log in {workdir}")
            time.sleep(1)
            pids = tree(server.process.pid)
            before, threads_before = cpu_seconds(pids), threads(pids) if args.threads else {}
            command = ["taskset", "-c", "1", generator, HOST, str(port), str(rate), str(args.seconds)] + load["arguments"](args)
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            result["cpu_s"] = cpu_seconds(pids) - before
            if args.threads:
                result["threads"] = {name: [now - then for now, then in zip(row, threads_before.get(name, [0, 0, 0, 0]))]
                                     for name, row in threads(pids).items()}
        finally:
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
    result["us_per_success"] = 1e6 * result["cpu_s"] / max(result["ok"], 1)
    result["cpu_pct"] = 100 * result["cpu_s"] / result["seconds"]
    result["sustained"] = result["ok"] >= MIN_SUCCEEDED * result["offered"] and result["ok_per_s"] >= MIN_ACHIEVED * rate
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("load", choices=sorted(LOADS))
    parser.add_argument("--rates", help="comma-separated; default 20000-80000 (options), 4000-20000 (register)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--sockets", type=int, default=8)
    parser.add_argument("--users", type=int, default=1000, help="extensions registering (register)")
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "portcullis"))
    parser.add_argument("--baseline", help="a second portcullis binary (say, before a change) given the same load")
    parser.add_argument("--rounds", type=int, default=1, help="times the whole grid is run; a rate counts as sustained "
                        "when every round sustained it")
    parser.add_argument("--threads", action="store_true", help="also print, per server and rate, each thread's (or "
                        "pool's) CPU and context switches per success: where a server wakes up")
    parser.add_argument("--floor-epoll", action="store_true", help="also run the floor waiting as an event loop does "
                        "(epoll_wait, then recvmmsg until the socket is empty): what that way of waiting costs by itself")
    args = parser.parse_args()
    load = LOADS[args.load]
    rates = args.rates or ("20000,30000,40000,50000,60000,70000,80000" if args.load == "options" else "4000,8000,12000,16000,20000")
    with tempfile.TemporaryDirectory(prefix="sip-load-") as base:
        generator = f"{base}/{args.load}-load"
        subprocess.run(["gcc", "-O2", "-o", generator, str(ROOT / "Benchmarks" / "load" / load["source"])] + load["libraries"],
                       check=True)
        args.users_dir = Path(base)
        subprocess.run([sys.executable, str(SHARED / "register_race.py"), "users", "--out", base,
                        "--users", str(args.users if args.load == "register" else 1), "--domain", "pbx.test"],
                       check=True, capture_output=True)
        servers = [Kamailio(args.users_dir), Portcullis(args.binary, args.users_dir)]
        if args.baseline:
            servers.append(Portcullis(args.baseline, args.users_dir, name="Portcullis baseline"))
        floor = f"{base}/sip-floor"
        subprocess.run(["gcc", "-O2", "-o", floor, str(ROOT / "Benchmarks" / "load" / "sip-floor.c")], check=True)
        servers.append(Floor(floor))
        if args.floor_epoll:
            servers.append(Floor(floor, epoll=True))
        rows = []
        for round_number in range(1, args.rounds + 1):
            for rate in [int(rate) for rate in rates.split(",")]:
                for server in servers:
                    result = run(server, load, rate, args, generator)
                    rows.append((round_number, server.name, rate, result))
                    print(f"{round_number} {server.name:20} {rate:>7}/s done {result['ok_per_s']:>9.1f}/s "
                          f"cpu {result['cpu_pct']:5.1f} % {result['us_per_success']:6.1f} µs each "
                          + " ".join(f"{heading} {result[field]}" for field, heading in load["columns"])
                          + f" {'SUSTAINED' if result['sustained'] else 'not sustained'}", flush=True)
    print(f"\n# sip-load {args.load}: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}, {os.cpu_count()} CPUs, servers on CPU 0, "
          f"generator on CPU 1, {args.seconds:g} s per point, {args.sockets} sockets"
          + (f", {args.users} users" if args.load == "register" else "") + "\n")
    headings = [heading for _, heading in load["columns"]]
    # What each server costs above the floor at the same round and rate: its own work, the kernel's part taken out.
    floor_us = {(round_number, rate): r["us_per_success"] for round_number, name, rate, r in rows if name == Floor.name}
    print("| round | server | rate/s | done/s | CPU % of a core | CPU µs each | µs above the floor | " + " | ".join(headings)
          + " | sustained |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in headings) + " | --- |")
    for round_number, name, rate, r in rows:
        floor = floor_us.get((round_number, rate))
        above = "" if name == Floor.name or floor is None else f"{r['us_per_success'] - floor:.1f}"
        print(f"| {round_number} | {name} | {rate} | {r['ok_per_s']:.1f} | {r['cpu_pct']:.1f} | {r['us_per_success']:.1f} | {above} | "
              + " | ".join(str(r[field]) for field, _ in load["columns"]) + f" | {'yes' if r['sustained'] else 'no'} |")
    if args.threads:
        # /proc counts CPU time in clock ticks (10 ms here): good over seconds of load, not per request.
        print("\n| round | server | rate/s | thread | user CPU µs each | kernel CPU µs each | sleeps (voluntary switches) each "
              "| preempted each |")
        print("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for round_number, name, rate, r in rows:
            ok = max(r["ok"], 1)
            for thread, (user, kernel, voluntary, involuntary) in sorted(r["threads"].items(), key=lambda item: -item[1][2]):
                if voluntary or user or kernel:
                    print(f"| {round_number} | {name} | {rate} | {thread} | {1e6 * user / ok:.1f} | {1e6 * kernel / ok:.1f} | "
                          f"{voluntary / ok:.3f} | {involuntary / ok:.3f} |")
    best = {server.name: max([rate for _, name, rate, r in rows if name == server.name
                              and all(other["sustained"] for _, n, x, other in rows if n == name and x == rate)], default=0)
            for server in servers}
    kamailio = best[servers[0].name]
    for server in servers[1:]:
        ratio = f"{best[server.name] / kamailio:.2f}" if kamailio else "n/a (Kamailio sustained no rate tried)"
        print(f"\nhighest sustained in every round: Kamailio {kamailio}/s, {server.name} {best[server.name]}/s, ratio {ratio}")


if __name__ == "__main__":
    main()
