#!/usr/bin/env python3
"""What the contingency layer costs (issue 16). A release build, server on CPU 0, the load and receivers on CPU 1:
1. event throughput into the log: a flood of failed REGISTERs from N distinct loopback addresses (one event each),
   timed from the first packet until all N events are in the log, and the server's CPU per event; with a webhook
   contact receiving them (coalesced) and, as the anchor in the same run, with no contact at all;
2. the time from an event to its webhook delivery: 50 webhook contacts each get the first failure of a kind at
   once; measured from the moment the REGISTER that raised it was sent to each POST's arrival, three rounds (after
   each coalescing interval); anchor: a bare HTTP POST to the same receiver from the benchmark, same run;
3. backup and restore of 1,000,000 call records (written straight into the store), time and size; anchor: copying
   the database file (cp) and encrypting it with openssl (AES-256-CTR, PBKDF2), same run.
Run: Benchmarks/contingency-cost.py [SOURCES]."""
import datetime
import http.client
import http.server
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import SipClient, Server, apply_config, challenge_fields, authorization, extensions_yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CALLS = 1_000_000
PASSPHRASE = "benchmark passphrase, long enough"


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Receiver:
    def __init__(self):
        arrivals = self.arrivals = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                arrivals.append((self.path, time.time()))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def flood(server, sources, base):
    probe = SipClient(server.sip_port, source="127.0.0.1")
    challenge, uri = probe.register("1001")
    fields = challenge_fields(challenge)
    probe.close()
    messages = []
    for n in range(sources):
        address = f"127.{base}.{n // 250}.{n % 250 + 1}"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address, 0))
        port = sock.getsockname()[1]
        header = authorization("1001", f"Wrong-{n}", fields, uri, nc=n + 1)
        messages.append((sock, "\r\n".join([
            f"REGISTER {uri} SIP/2.0", f"Via: SIP/2.0/UDP {address}:{port};branch=z9hG4bKb{base}x{n};rport",
            f"From: <sip:1001@127.0.0.1>;tag=b{n}", "To: <sip:1001@127.0.0.1>", f"Call-ID: bench-{base}-{n}", "CSeq: 1 REGISTER",
            f"Contact: <sip:1001@{address}:{port}>", "Max-Forwards: 70", f"Authorization: {header}", "Content-Length: 0", "", ""]).encode()))
    return messages


def logged(server, base):
    """The flood's events in the log: those from its own addresses (127.BASE.x.y)."""
    _, _, body = server.api("GET", "/api/v1/events?name=Extension%20Registration%20Failed&since=10m&limit=10000")
    return sum(1 for event in body["items"] if event["fields"].get("ip", "").startswith(f"127.{base}."))


def throughput(server, sources, base):
    messages = flood(server, sources, base)
    cpu, started = cpu_seconds(server.process.pid), time.perf_counter()
    for sock, message in messages:
        sock.sendto(message, ("127.0.0.1", server.sip_port))
    while logged(server, base) < sources:
        time.sleep(0.25)  # each look at the log costs the server too: seldom
        if time.perf_counter() - started > 120:
            raise SystemExit(f"the flood's events were not all logged: {logged(server, base)} of {sources}")
    elapsed = time.perf_counter() - started
    used = cpu_seconds(server.process.pid) - cpu
    for sock, _ in messages:
        sock.close()
    return sources / elapsed, used / sources * 1e6


def seed_calls(database):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    db = sqlite3.connect(database)
    with db:
        db.executemany("INSERT INTO cdr (call_id, caller, callee, dialed, start, answer, end, disposition, hangup_side) VALUES (?, ?, ?, ?, ?, ?, ?, 'answered', 'caller')",
                       ((f"call-{n}@bench", str(1000 + n % 500), str(1500 + n % 500), str(1500 + n % 500),
                         (now - datetime.timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S.000"),
                         (now - datetime.timedelta(seconds=n - 3)).strftime("%Y-%m-%d %H:%M:%S.000"),
                         (now - datetime.timedelta(seconds=n - 60)).strftime("%Y-%m-%d %H:%M:%S.000")) for n in range(CALLS)))
    db.close()


def main():
    # The event aggregator follows at most 10,000 sources a minute (more share one summary): four floods stay under it.
    sources = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    os.sched_setaffinity(0, {1})
    receiver = Receiver()
    server = Server(data_dir=tempfile.mkdtemp(prefix="contingency-cost-"))
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.process.pid)], check=True, capture_output=True)
    server.api_token()
    rows = []
    try:
        # 1. Throughput, without and with a contact, alternating.
        results = {"no contact (anchor)": [], "a webhook contact (coalesced)": []}
        for round_number in range(3):
            for name in results:
                if name.startswith("a webhook"):
                    server.cli("notification", "contact", "add", "flood", "--webhook", f"http://127.0.0.1:{receiver.port}/flood",
                               "--event", "Extension Registration Failed")
                results[name].append(throughput(server, sources, 10 + round_number * 2 + (name.startswith("a webhook"))))
                if name.startswith("a webhook"):
                    server.cli("notification", "contact", "remove", "flood")
        # 2. Latency to 50 webhooks.
        server.cli("notification", "interval", "10")
        for n in range(50):
            server.cli("notification", "contact", "add", f"hook{n}", "--webhook", f"http://127.0.0.1:{receiver.port}/hook{n}",
                       "--event", "Extension Registration Failed")
        latencies = []
        for round_number in range(3):
            receiver.arrivals.clear()
            (sock, message), = flood(server, 1, 30 + round_number)
            sent = time.time()
            sock.sendto(message, ("127.0.0.1", server.sip_port))
            deadline = time.time() + 20
            while len([a for a in receiver.arrivals if a[0].startswith("/hook")]) < 50 and time.time() < deadline:
                time.sleep(0.005)
            latencies += [(at - sent) * 1000 for path, at in receiver.arrivals if path.startswith("/hook")]
            sock.close()
            time.sleep(11)
        bare = []
        connection = http.client.HTTPConnection("127.0.0.1", receiver.port)
        for _ in range(150):
            started = time.perf_counter()
            connection.request("POST", "/bare", body=b"{}", headers={"Content-Type": "application/json"})
            connection.getresponse().read()
            bare.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()

    # 3. Backup and restore of a million call records.
    seed_calls(server.data_dir / "portcullis.sqlite")
    database = server.data_dir / "portcullis.sqlite"
    passphrase = server.data_dir / "passphrase"
    passphrase.write_text(PASSPHRASE)
    copy = server.data_dir / "copy.sqlite"
    started = time.perf_counter()
    subprocess.run(["cp", str(database), str(copy)], check=True)
    subprocess.run(["openssl", "enc", "-aes-256-ctr", "-pbkdf2", "-iter", "600000", "-salt", "-in", str(copy), "-out", str(copy) + ".enc",
                    "-pass", f"file:{passphrase}"], check=True)
    anchor = time.perf_counter() - started
    anchor_size = os.path.getsize(str(copy) + ".enc")
    backup = server.data_dir / "million.pcbk"
    started = time.perf_counter()
    server.cli("backup", "create", "--include", "cdr,events", "--passphrase-file", str(passphrase), "--output", str(backup))
    made = time.perf_counter() - started
    started = time.perf_counter()
    result = server.cli("backup", "restore", str(backup), "--passphrase-file", str(passphrase))
    restored = time.perf_counter() - started
    assert "restored" in result.stdout
    count = sqlite3.connect(database).execute("SELECT COUNT(*) FROM cdr").fetchone()[0]
    assert count == CALLS, count

    print(f"Contingency cost: release build, server on CPU 0, load and receivers on CPU 1; {sources:,} failed REGISTERs from as many "
          f"addresses per flood, three rounds each, alternating; the log is polled every 250 ms (included in the server's CPU)")
    print()
    print("| flood | events/s logged (each round) | server CPU per event |")
    print("| --- | ---: | ---: |")
    for name, values in results.items():
        print(f"| {name} | {' / '.join(f'{rate:,.0f}' for rate, _ in values)} | {' / '.join(f'{cpu:.0f} us' for _, cpu in values)} |")
    print()
    print(f"| time to the webhook ({len(latencies)} deliveries: 50 contacts x 3 events) | p50 | p99 |")
    print("| --- | ---: | ---: |")
    print(f"| REGISTER sent -> POST arrived | {percentile(latencies, 0.5):.1f} ms | {percentile(latencies, 0.99):.1f} ms |")
    print(f"| a bare HTTP POST to the same receiver (anchor) | {percentile(bare, 0.5):.2f} ms | {percentile(bare, 0.99):.2f} ms |")
    print()
    db_size = os.path.getsize(database)
    print(f"| {CALLS:,} call records (database {db_size / 1e6:.0f} MB) | time | size |")
    print("| --- | ---: | ---: |")
    print(f"| backup create --include cdr,events (snapshot, scrypt, AES-256-GCM) | {made:.1f} s | {os.path.getsize(backup) / 1e6:.0f} MB |")
    print(f"| backup restore (decrypt, check, swap in one transaction) | {restored:.1f} s | |")
    print(f"| cp + openssl enc -aes-256-ctr -pbkdf2 of the database file (anchor) | {anchor:.1f} s | {anchor_size / 1e6:.0f} MB |")


if __name__ == "__main__":
    main()
