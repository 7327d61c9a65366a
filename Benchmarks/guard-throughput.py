#!/usr/bin/env python3
"""REGISTER + digest throughput of one Portcullis release build with a defense layer on and off, in one run.

--layer network (default):

"on": 1,000,000 blocked entries (IPv4 /32s and CIDRs, IPv6 /64s and /128s), 10 static rules, the full Tor geo-IP
database plus a range placing 127.0.0.0/8 in GB, the SIP country rule on with no exempt ranges (so loopback is
really looked up), and the rate rules raised out of the way so every packet is counted but none is blocked.
"off": the same binary with --no-network-guard. Modes alternate (off, on, off, on, ...) and each point is SIPp
offering more than the server can take, so the achieved rate is the throughput, then a point at a rate both
sustain (failures must be 0); the server's CPU time per registration is the steadier figure.

--layer registration: "on" is the default server (failure lockout and scanner checks) with every extension
restricted to SIPp's User-Agent, to 127.0.0.0/8 and to one device; "off" is --no-registration-guard with plain
extensions. 127.0.0.1 is on the allow list in both, so the network guard's rate rule stays out of it. Prints a Markdown
table. Run as root on a quiet machine:
    Benchmarks/guard-throughput.sh [--rounds 3] [--seconds 10] [--rate 20000] [--sustained 5000]
"""
import argparse
import csv
import ipaddress
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BINARY = HERE.parent / ".build-release" / "release" / "portcullis"
USERS = range(1000, 2000)


def password(user):
    return "Tq" + "".join("abcdefghij"[int(d)] for d in str(user)) + "7Zr9"


def cli(data, *args, stdin=None):
    result = subprocess.run([str(BINARY), *args, "--data-dir", str(data)], capture_output=True, text=True, input=stdin, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"portcullis {' '.join(args)}: {result.stderr}")
    return result.stdout


def provision(data, guarded, workdir, layer):
    policy = ', userAgents: ["sipp-anchor"], permittedNetworks: [127.0.0.0/8], maxRegistrations: 1' if guarded and layer == "registration" else ""
    lines = ["extensions:"] + [f'  - {{number: "{u}", password: {password(u)}{policy}}}' for u in USERS]
    config = workdir / "extensions.yaml"
    config.write_text("\n".join(lines) + "\n")
    cli(data, "config", "apply", str(config))
    if layer == "registration":
        cli(data, "network", "allow", "add", "127.0.0.1")
        return
    if not guarded:
        return
    local = workdir / "loopback-geoip"
    local.write_text("# benchmark: loopback placed in GB\n2130706432,2147483647,GB\n")
    network = {
        "rules": [{"name": f"bogon {n}", "action": "drop", "sources": [f"198.18.{n}.0/24"], "services": ["sip"]} for n in range(10)],
        "countries": {"sip": {"enabled": True, "allow": ["GB", "IE", "FR", "DE", "NL", "BE", "ES", "IT", "US", "CA"]}, "exempt": []},
        "geoIP": {"torFiles": ["/usr/share/tor/geoip", "/usr/share/tor/geoip6", str(local)]},
        "autoDefense": {"rules": [
            {"name": "SIP UDP", "service": "sip", "protocol": "udp", "packets": 1000000, "interval": 1},
            {"name": "SIP TCP", "service": "sip", "protocol": "tcp", "packets": 1000000, "interval": 1},
        ]},
    }
    settings = workdir / "network.yaml"
    settings.write_text(json.dumps(network))
    cli(data, "network", "apply", str(settings))
    rng = random.Random(2026)
    rows = []
    now = "2026-01-01 00:00:00.000"
    for n in range(1_000_000):
        kind = n % 10
        if kind < 6:
            source = str(ipaddress.IPv4Address(rng.randint(0x0B000000, 0x7E000000)))
        elif kind == 6:
            length = rng.randint(16, 28)
            source = str(ipaddress.IPv4Network((rng.randint(0x80000000, 0xDF000000) >> (32 - length) << (32 - length), length)))
        elif kind < 9:
            source = f"2001:db8:{rng.randint(0, 0xffff):x}:{rng.randint(0, 0xffff):x}::/64"
        else:
            source = f"2001:db8:{rng.randint(0, 0xffff):x}::{rng.randint(1, 0xffff):x}"
        rows.append((source, "auto defense", "ip", "sip", "udp", 5060, now, "SIP UDP", now))
    with sqlite3.connect(data / "portcullis.sqlite") as db:
        db.executemany("INSERT INTO network_block (source, defense_type, block_type, service, protocol, port, attacked_at, rule, "
                       "created_at, expires_at, hits, offense) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, 1)", rows)


def free_port():
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(data, port, guarded, layer):
    args = [str(BINARY), "serve", "--data-dir", str(data), "--sip-listen", f"udp:127.0.0.1:{port}",
            "--api-listen", f"127.0.0.1:{free_port()}", "--log-level", "error"]
    if not guarded:
        args.append("--no-network-guard" if layer == "network" else "--no-registration-guard")
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        line = process.stdout.readline()
        if line.startswith("Portcullis SIP listening"):
            return process
        if not line and process.poll() is not None:
            raise SystemExit("server exited during start")
    raise SystemExit("server did not start")


def sipp(port, local_port, rate, count, workdir, label):
    users = workdir / "users.csv"
    users.write_text("SEQUENTIAL\n" + "".join(f"{u};pbx.test;{password(u)};[authentication username={u} password={password(u)}]\n" for u in USERS))
    stat = workdir / f"{label}.csv"
    if stat.exists():
        stat.unlink()
    command = ["sipp", f"127.0.0.1:{port}", "-sf", str(HERE / "peers" / "register_auth.xml"), "-i", "127.0.0.1", "-p", str(local_port),
               "-t", "u1", "-r", str(rate), "-m", str(count), "-l", str(max(200, rate)), "-timeout", f"{int(count / rate + 20)}s",
               "-nostdin", "-inf", str(users), "-default_behaviors", "all,-bye", "-buff_size", "4194304",
               "-trace_stat", "-stf", str(stat), "-fd", "1"]
    started = time.monotonic()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir, timeout=count / rate + 60)
    wall = time.monotonic() - started
    rows = list(csv.reader(stat.open(), delimiter=";"))
    header, last = rows[0], rows[-1]
    success = int(last[header.index("SuccessfulCall(C)")] or 0)
    failed = int(last[header.index("FailedCall(C)")] or 0)
    elapsed = last[header.index("ElapsedTime(C)")]
    h, m, s = elapsed.split("\t")[0].split(":") if "\t" in elapsed else elapsed.split(":")
    seconds = int(h) * 3600 + int(m) * 60 + float(s)
    return success, failed, seconds or wall


def point(guarded, arguments, workdir):
    data = Path(tempfile.mkdtemp(prefix=f"guard-{'on' if guarded else 'off'}-"))
    provision(data, guarded, workdir, arguments.layer)
    port = free_port()
    server = start(data, port, guarded, arguments.layer)
    # One phone port for the whole point: each extension stays one device (a new port would be a second one).
    local_port = free_port()
    try:
        success, failed, _ = sipp(port, local_port, 500, len(USERS), workdir, "preflight")
        if success != len(USERS):
            raise SystemExit(f"preflight: {success} of {len(USERS)} registered (guard {'on' if guarded else 'off'}), {failed} failed")
        result = {}
        for name, rate in (("saturated", arguments.rate), ("sustained", arguments.sustained)):
            before = cpu_seconds(server.pid)
            success, failed, seconds = sipp(port, local_port, rate, rate * arguments.seconds, workdir, name)
            cpu = cpu_seconds(server.pid) - before
            result[name] = {"rate": success / seconds, "failed": failed, "cpu_us": cpu / max(success, 1) * 1e6}
        return result
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=20000, help="offered registrations per second (above capacity)")
    parser.add_argument("--sustained", type=int, default=5000, help="a rate both modes sustain")
    parser.add_argument("--layer", choices=["network", "registration"], default="network")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="guard-throughput-"))
    results = {False: [], True: []}
    for round_number in range(arguments.rounds):
        for guarded in (False, True):
            result = point(guarded, arguments, workdir)
            results[guarded].append(result)
            print(f"round {round_number + 1} guard {'on ' if guarded else 'off'}: " + "; ".join(
                f"{name} {r['rate']:.0f} reg/s, {r['cpu_us']:.1f} us CPU/reg, {r['failed']} failed" for name, r in result.items()), flush=True)
    print()
    print(f"REGISTER+digest, {arguments.seconds} s per point, {arguments.rounds} rounds, median; failed calls summed:")
    print()
    print("| guard | offered/s | registrations/s | server CPU us per registration | failed |")
    print("| --- | ---: | ---: | ---: | ---: |")
    medians = {}
    for name, offered in (("saturated", arguments.rate), ("sustained", arguments.sustained)):
        for guarded in (False, True):
            rows = [r[name] for r in results[guarded]]
            medians[(name, guarded)] = (statistics.median(r["rate"] for r in rows), statistics.median(r["cpu_us"] for r in rows))
            if arguments.layer == "network":
                label = "on (1M blocks, Tor geo-IP, country rule, 10 rules)" if guarded else "off (--no-network-guard)"
            else:
                label = "on (lockout, scanners, User-Agent, network and device rules)" if guarded else "off (--no-registration-guard)"
            print(f"| {label} | {offered} | {medians[(name, guarded)][0]:.0f} | {medians[(name, guarded)][1]:.1f} | "
                  f"{sum(r['failed'] for r in rows)} |")
    print()
    target = "0.95" if arguments.layer == "network" else "0.9"
    print(f"{arguments.layer} guard, throughput on/off at saturation: "
          f"{medians[('saturated', True)][0] / medians[('saturated', False)][0]:.3f} (target >= {target}); "
          f"CPU per registration off/on: saturated {medians[('saturated', False)][1] / medians[('saturated', True)][1]:.3f}, "
          f"sustained {medians[('sustained', False)][1] / medians[('sustained', True)][1]:.3f}")


if __name__ == "__main__":
    main()
