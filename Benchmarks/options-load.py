#!/usr/bin/env python3
"""Stateless OPTIONS keepalives, Portcullis against Kamailio, with a generator that is not the limit: one SIPp tops
out near 30,000 OPTIONS/s here, below what either server answers (options-race.sh). options/options-load.c offers
OPTIONS from CPU 1 with batched sends and receives, no retransmissions; each server in turn runs alone on CPU 0 and
is given the same rates, Kamailio first at each rate. Kamailio 5.6 answers with sl_send_reply (../shared/bench
kamailio.cfg, its stateless "ceiling test" branch); Portcullis runs `serve` with every default on and 127.0.0.1 on the
allow list (otherwise its auto-defense rightly blocks the flood). A rate is sustained when at least 99.5 % of the
OPTIONS got a 200 and at least 98 % of the rate was answered. CPU per request is the server's CPU time (all its
processes) over the run divided by the 200s it sent.

Usage: options-load.py [--rates 20000,40000,...] [--seconds 10] [--sockets 8]
Needs: gcc, taskset, kamailio (apt-get install kamailio kamailio-sqlite-modules), a release build of portcullis
(swift build -c release --scratch-path .build-release --product portcullis).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BENCH_DIR", ROOT.parent / "shared" / "bench"))
HOST, KAMAILIO_PORT, PORTCULLIS_PORT = "127.0.0.1", 5070, 5090
MIN_ANSWERED, MIN_ACHIEVED = 0.995, 0.98


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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
    name = "Kamailio 5.6 (sl_send_reply)"

    def start(self, workdir):
        subprocess.run([sys.executable, str(SHARED / "register_race.py"), "users", "--out", workdir, "--users", "1",
                        "--domain", "pbx.test"], check=True, capture_output=True)
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", "kamailio", "-DD", "-E", "-f", str(SHARED / "kamailio.cfg"), "-Y", workdir, "-m", "256",
             "-M", "16", "-A", f'DBURL="sqlite://{workdir}/kamailio.sqlite"', "-A", f'CTLSOCK="unixs:{workdir}/kamailio_ctl"',
             "-A", f"LISTEN=udp:{HOST}:{KAMAILIO_PORT}", "-A", "WORKERS=4"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/kamailio.log", "w"))
        return KAMAILIO_PORT


class Portcullis:
    name = "Portcullis"

    def __init__(self, binary):
        self.binary = binary

    def start(self, workdir):
        data = f"{workdir}/data"
        subprocess.run([self.binary, "network", "allow", "add", HOST, "--data-dir", data], check=True, capture_output=True)
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", self.binary, "serve", "--data-dir", data, "--sip-listen", f"{HOST}:{PORTCULLIS_PORT}",
             "--api-listen", f"{HOST}:8090"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/portcullis.log", "w"))
        return PORTCULLIS_PORT


def run(server, rate, args, generator):
    with tempfile.TemporaryDirectory(prefix="options-load-") as workdir:
        port = server.start(workdir)
        try:
            if not answers_options(port, time.monotonic() + 20):
                sys.exit(f"{server.name} did not answer OPTIONS; see its log in {workdir}")
            time.sleep(1)
            pids = tree(server.process.pid)
            before = cpu_seconds(pids)
            result = json.loads(subprocess.run(["taskset", "-c", "1", generator, HOST, str(port), str(rate), str(args.seconds),
                                                str(args.sockets)], check=True, capture_output=True, text=True).stdout)
            result["cpu_s"] = cpu_seconds(pids) - before
        finally:
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
    result["us_per_request"] = 1e6 * result["cpu_s"] / max(result["ok"], 1)
    result["cpu_pct"] = 100 * result["cpu_s"] / result["seconds"]
    result["sustained"] = result["ok"] >= MIN_ANSWERED * result["sent"] and result["answered_per_s"] >= MIN_ACHIEVED * rate
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="20000,30000,40000,50000,60000,70000,80000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--sockets", type=int, default=8)
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "portcullis"))
    args = parser.parse_args()
    generator = tempfile.mktemp(prefix="options-load-")
    subprocess.run(["gcc", "-O2", "-o", generator, str(ROOT / "Benchmarks" / "options" / "options-load.c")], check=True)
    servers = [Kamailio(), Portcullis(args.binary)]
    best = {server.name: 0 for server in servers}
    rows = []
    try:
        for rate in [int(rate) for rate in args.rates.split(",")]:
            for server in servers:
                result = run(server, rate, args, generator)
                if result["sustained"]:
                    best[server.name] = max(best[server.name], rate)
                rows.append((server.name, rate, result))
                print(f"{server.name:30} {rate:>7}/s answered {result['answered_per_s']:>9.1f}/s lost {result['lost']:>7} "
                      f"cpu {result['cpu_pct']:5.1f} % {result['us_per_request']:6.1f} µs/req p99 {result['p99_ms']:.2f} ms "
                      f"{'SUSTAINED' if result['sustained'] else 'not sustained'}", flush=True)
    finally:
        os.unlink(generator)
    print(f"\n# options-load: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}, {os.cpu_count()} CPUs, servers on CPU 0, generator on "
          f"CPU 1, {args.seconds:g} s per point, {args.sockets} sockets\n")
    print("| server | rate/s | answered/s | lost | other answers | CPU % of a core | CPU µs per request | p50 ms | p99 ms | sustained |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, rate, r in rows:
        print(f"| {name} | {rate} | {r['answered_per_s']:.1f} | {r['lost']} | {r['other']} | {r['cpu_pct']:.1f} | "
              f"{r['us_per_request']:.1f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {'yes' if r['sustained'] else 'no'} |")
    kamailio, portcullis = best[servers[0].name], best[servers[1].name]
    ratio = f"{portcullis / kamailio:.2f}" if kamailio else "n/a (Kamailio sustained no rate tried)"
    print(f"\nhighest sustained: Kamailio {kamailio}/s, Portcullis {portcullis}/s, ratio {ratio}")


if __name__ == "__main__":
    main()
