#!/usr/bin/env python3
"""Calls per second through Portcullis (media relay off and on), through Kamailio as a stateful proxy with its
dialog module (the anchor for relay off) and through Kamailio with rtpengine anchoring the media (userspace, the anchor
for relay on), the same SIPp scenario and users, the same machine, one run; then memory per active call and a leak
check after many calls. Prints a table (Markdown).

A call: INVITE, 407, ACK, INVITE with credentials, 100, 180, 200, ACK, 100 ms, BYE, 200 (Interop/peers/call_short.xml)
from 1001 to 1002; the callee is SIPp's built-in UAS, registered with digest first. Everything on 127.0.0.1 UDP.
Sustained: >= 98 % of the offered calls completed, < 0.5 % failed, and >= 95 % of the offered rate achieved (calls that
hang until SIPp's timeout stretch the run). The callee registers again before every point (its registration lasts
60 s). Run through call-race.sh, which raises the file limit (each relayed call holds four sockets) and installs
Kamailio, SIPp and rtpengine.

Usage: call-race.py [--rates 200,400,...] [--seconds 10] [--binary .build-release/release/portcullis]
                    [--active 2000] [--leak-calls 10000]
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "Interop" / "peers"


def password(number):
    return "Tq" + "".join("abcdefghij"[int(d)] for d in str(number)) + "7Zr9"


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def descendants(pid):
    found = [pid]
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                if int(Path(f"/proc/{child.name}/stat").read_text().rsplit(")", 1)[1].split()[1]) in found:
                    found.append(int(child.name))
            except (FileNotFoundError, IndexError, ValueError):
                pass
    return found


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sipp_counts(output):
    def value(name):
        match = re.search(rf"{name}\s*\|\s*\d+\s*\|\s*(\d+)", output)
        return int(match.group(1)) if match else 0
    return value("Successful call"), value("Failed call")


class Target:
    """A server under test: start, register the callee, run calls, stop."""

    def __init__(self, name, port):
        self.name, self.port, self.process, self.pids = name, port, None, []

    def register_callee(self, uas_port):
        result = subprocess.run(["sipp", "-sf", str(PEERS / "register_as.xml"), f"127.0.0.1:{self.port}", "-i", "127.0.0.1",
                                 "-p", str(uas_port), "-s", "1002", "-au", "1002", "-ap", password(1002), "-m", "1", "-nostdin",
                                 "-timeout", "10s", "-timeout_error"], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{self.name}: the callee could not register:\n{result.stdout[-1500:]}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Portcullis(Target):
    def __init__(self, binary, relay):
        super().__init__(f"Portcullis, relay {'on' if relay else 'off'}", free_port())
        self.binary, self.relay = binary, relay
        self.data = Path(tempfile.mkdtemp(prefix="call-race-"))
        self.api = free_port(socket.SOCK_STREAM)

    def cli(self, *args):
        subprocess.run([self.binary, *args, "--data-dir", str(self.data)], check=True, capture_output=True, text=True)

    def start(self):
        config = (f"sip:\n  calls: {{maxCalls: 100000}}\n  media: {{relay: {'true' if self.relay else 'false'}, portMin: 20000, portMax: 60000}}\n"
                  "extensions:\n" + "".join(f'  - {{number: "{n}", password: {password(n)}}}\n' for n in (1001, 1002)))
        (self.data / "c.yaml").write_text(config)
        self.cli("config", "apply", str(self.data / "c.yaml"))
        self.cli("network", "allow", "add", "127.0.0.1")
        self.process = subprocess.Popen([self.binary, "serve", "--data-dir", str(self.data), "--sip-listen", f"127.0.0.1:{self.port}",
                                         "--api-listen", f"127.0.0.1:{self.api}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        while "SIP listening" not in (self.process.stdout.readline() or "SIP listening"):
            pass
        time.sleep(0.5)
        self.pids = [self.process.pid]

    def health(self):
        context = ssl.create_default_context(cafile=str(self.data / "api-certificate.pem"))
        with urllib.request.urlopen(f"https://127.0.0.1:{self.api}/healthz", timeout=5, context=context) as response:
            return json.loads(response.read())


class Kamailio(Target):
    def __init__(self, name="Kamailio 5.6 (stateful proxy, dialog)"):
        super().__init__(name, free_port())
        self.dir = Path(tempfile.mkdtemp(prefix="call-race-kam-"))

    def options(self):
        return []

    def start(self):
        db = self.dir / "kamailio.sqlite"
        con = sqlite3.connect(db)
        con.executescript("""
            CREATE TABLE version (id INTEGER PRIMARY KEY, table_name VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL,
                                  CONSTRAINT version_table_name_idx UNIQUE (table_name));
            INSERT INTO version (table_name, table_version) VALUES ('version', 1);
            CREATE TABLE subscriber (id INTEGER PRIMARY KEY, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,
                                     password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL,
                                     ha1b VARCHAR(128) DEFAULT '' NOT NULL, CONSTRAINT subscriber_account_idx UNIQUE (username, domain));
            INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
        """)
        con.executemany("INSERT INTO subscriber (username, domain, password) VALUES (?, '127.0.0.1', ?)",
                        [(str(n), password(n)) for n in (1001, 1002)])
        con.commit()
        con.close()
        self.process = subprocess.Popen(["kamailio", "-f", str(ROOT / "Benchmarks" / "kamailio-calls.cfg"), "-DD", "-E", "-m", "256",
                                         "-A", f'DBURL="sqlite://{db}"', "-A", f"LISTEN=udp:127.0.0.1:{self.port}",
                                         "-Y", str(self.dir)] + self.options(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        if self.process.poll() is not None:
            sys.exit("kamailio did not start (kamailio-calls.cfg)")
        self.pids = descendants(self.process.pid)


class KamailioRTPEngine(Kamailio):
    """Kamailio with rtpengine (userspace forwarding) anchoring every call's media: the anchor for the relay-on run."""

    def __init__(self):
        super().__init__("Kamailio 5.6 + rtpengine")
        self.control = free_port()

    def options(self):
        return ["-A", "WITH_RTPENGINE", "-A", f'RTPENGINE="udp:127.0.0.1:{self.control}"']

    def start(self):
        self.rtpengine = subprocess.Popen(["rtpengine", "--config-file=none", "-f", "-E", "-L", "3", "--table=-1",
                                           "-i", "127.0.0.1", "-n", f"127.0.0.1:{self.control}", "-m", "20000", "-M", "60000",
                                           "--delete-delay=0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        if self.rtpengine.poll() is not None:
            sys.exit("rtpengine did not start (apt-get install rtpengine-daemon)")
        super().start()
        self.pids.append(self.rtpengine.pid)

    def stop(self):
        super().stop()
        self.rtpengine.terminate()
        self.rtpengine.wait(timeout=10)


def run_calls(target, uas_port, rate, seconds, hold_ms=100):
    """Offers rate*seconds calls at `rate`; returns (completed, failed, achieved cps, server CPU us per call). The
    callee registers again first: its registration lasts 60 s, shorter than a sweep."""
    target.register_callee(uas_port)
    count = rate * seconds
    callee = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-m", str(count), "-nostdin",
                               "-timeout", f"{seconds + 60}s"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    cpu_before = cpu_seconds(target.pids)
    started = time.monotonic()
    caller = subprocess.run(["sipp", "-sf", str(PEERS / "call_short.xml"), f"127.0.0.1:{target.port}", "-i", "127.0.0.1",
                             "-p", str(free_port()), "-au", "1001", "-ap", password(1001), "-s", "1002", "-m", str(count),
                             "-r", str(rate), "-d", str(hold_ms), "-l", str(rate * 10), "-nostdin", "-timeout", f"{seconds + 40}s"],
                            capture_output=True, text=True)
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(target.pids) - cpu_before
    callee.send_signal(signal.SIGTERM)
    try:
        callee.wait(timeout=10)
    except subprocess.TimeoutExpired:
        callee.kill()
    completed, failed = sipp_counts(caller.stdout)
    return completed, failed, completed / max(elapsed, 0.001), cpu / max(completed, 1) * 1e6


def sustained(completed, failed, offered, achieved, rate):
    return completed >= 0.98 * offered and failed < 0.005 * offered and achieved >= 0.95 * rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="100,200,400,600,800,1000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "portcullis"))
    parser.add_argument("--active", type=int, default=2000, help="calls held open to measure memory per active call")
    parser.add_argument("--leak-calls", type=int, default=10000)
    arguments = parser.parse_args()
    rates = [int(r) for r in arguments.rates.split(",")]
    rows = []
    best = {}
    for make in (Kamailio, lambda: Portcullis(arguments.binary, relay=False), KamailioRTPEngine,
                 lambda: Portcullis(arguments.binary, relay=True)):
        target = make()
        target.start()
        uas_port = free_port()
        target.register_callee(uas_port)
        try:
            for rate in rates:
                completed, failed, achieved, cpu = run_calls(target, uas_port, rate, arguments.seconds)
                ok = sustained(completed, failed, rate * arguments.seconds, achieved, rate)
                rows.append((target.name, rate, completed, failed, achieved, cpu, ok))
                print(f"{target.name}: {rate}/s offered, {completed} completed, {failed} failed, {achieved:.0f}/s, {cpu:.0f} us CPU/call",
                      flush=True)
                if ok:
                    best[target.name] = rate
                else:
                    break
        finally:
            target.stop()

    # Memory per active call and the leak check, relay on.
    target = Portcullis(arguments.binary, relay=True)
    target.start()
    uas_port = free_port()
    target.register_callee(uas_port)
    idle = rss_kb(target.process.pid)
    hold_seconds = 30
    rate = max(1, arguments.active // 10)
    callee = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-m", str(arguments.active), "-nostdin",
                               "-timeout", "120s"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    caller = subprocess.Popen(["sipp", "-sf", str(PEERS / "call_short.xml"), f"127.0.0.1:{target.port}", "-i", "127.0.0.1",
                               "-p", str(free_port()), "-au", "1001", "-ap", password(1001), "-s", "1002", "-m", str(arguments.active),
                               "-r", str(rate), "-d", str(hold_seconds * 1000), "-l", str(arguments.active * 2), "-nostdin",
                               "-timeout", "120s"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(arguments.active / rate + 5)
    busy = rss_kb(target.process.pid)
    open_calls = target.health()
    caller.wait(timeout=150)
    callee.wait(timeout=150)
    per_call = (busy - idle) / max(1, open_calls["mediaSessions"])

    # Two batches: counts must return to zero after each, and memory must not keep growing from one to the next.
    batches = []
    for _ in range(2):
        completed, failed, achieved, _ = run_calls(target, uas_port, 200, arguments.leak_calls // 200)
        deadline = time.time() + 60
        while time.time() < deadline and (target.health()["calls"] > 0 or target.health()["serverTransactions"] > 0):
            time.sleep(1)
        batches.append((completed, failed, target.health(), rss_kb(target.process.pid)))
    target.stop()

    print("\n| server | offered/s | completed | failed | achieved/s | server CPU µs per call | sustained |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, rate, completed_, failed_, achieved_, cpu, ok in rows:
        print(f"| {name} | {rate} | {completed_} | {failed_} | {achieved_:.0f} | {cpu:.0f} | {'yes' if ok else 'no'} |")
    print()
    for name, rate in best.items():
        print(f"- highest sustained: {name}: {rate} calls/s")
    for name, anchor in (("Portcullis, relay off", "Kamailio 5.6 (stateful proxy, dialog)"),
                         ("Portcullis, relay on", "Kamailio 5.6 + rtpengine")):
        if anchor in best and name in best:
            print(f"- ratio {name} / {anchor}: {best[name] / best[anchor]:.2f}")
    print(f"- memory: {idle / 1024:.1f} MB idle, {busy / 1024:.1f} MB with {open_calls['mediaSessions']} active relayed calls "
          f"({open_calls['calls']} in the table): {per_call:.1f} kB per active call")
    for number, (completed, failed, after, after_rss) in enumerate(batches, 1):
        print(f"- leak check, batch {number}: {completed} of {arguments.leak_calls} calls completed ({failed} failed); afterwards calls "
              f"{after['calls']}, media sessions {after['mediaSessions']}, outstanding requests {after['pendingRequests']}, server "
              f"transactions {after['serverTransactions']}; RSS {after_rss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
