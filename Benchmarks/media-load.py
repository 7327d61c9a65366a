#!/usr/bin/env python3
"""Concurrent G.711 calls relayed on one core: Portcullis's media relay, rtpengine (Debian's rtpengine-daemon,
userspace forwarding, set up over its ng control protocol) and a bare forwarder (media/rtp-forward.c: receive and
send, nothing else; "bare-connected" with each socket connected to the side it faces, as Portcullis connects a socket
once its side is latched), each given the same calls in the same run, pinned to CPU 0; the generator (media/rtp-load.c) on
CPU 1 offers both directions of every call (50 packets/s each way, real sequence numbers and timestamps) and measures
at the far ends: loss, reordering, one-way added latency, added jitter (RFC 3550 interarrival jitter of the transit
time). A relay carries N calls when loss < 0.1 % and the jitter p99 < 5 ms. Relay CPU per packet is the relay
process's CPU time over the measured window divided by the packets it delivered in it.

Usage: media-load.py [--calls 250,500,...] [--warmup 2] [--measure 8] [--relays portcullis,rtpengine,bare,bare-connected]
                     [--baseline OTHER_BINARY --relays portcullis,baseline,...]
Needs: gcc, taskset, rtpengine (apt-get install rtpengine-daemon), a release build of MediaRelayBenchmark
(scripts/build-release --product MediaRelayBenchmark).
"""
import argparse
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
A_HOST, B_HOST, GENERATOR_PORTS, GENERATOR_SOCKETS = "127.0.0.20", "127.0.0.21", 41_000, 16
PORT_MIN, PORT_MAX, NG_PORT = 20_000, 40_000, 2_223
MAX_LOSS_PCT, MAX_JITTER_US = 0.1, 5_000


def generator_address(call):
    """Where call `call`'s A and B sides send from and expect media (the addresses every relay is told)."""
    port = GENERATOR_PORTS + call % GENERATOR_SOCKETS
    return (A_HOST, port), (B_HOST, port)


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pinned(command, cpu, **options):
    return subprocess.Popen(["taskset", "-c", str(cpu)] + command, **options)


def end(process, timeout=10):
    """Lets a relay finish (its stdin closed or SIGTERM sent first), killing it after `timeout` seconds."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_line(process, expected, deadline):
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        line = line.strip()
        if line == expected:
            return lines
        lines.append(line)
    raise RuntimeError(f"{process.args}: no '{expected}' (exit {process.poll()})")


class Bare:
    def __init__(self, binary, connected=False):
        self.binary, self.connected = binary, connected
        self.name = "bare forwarder, connected" if connected else "bare forwarder"

    def start(self, calls, workdir):
        table = workdir / "forward.txt"
        ports = [(PORT_MIN + 2 * i, PORT_MIN + 2 * calls + 2 * i) for i in range(calls)]
        with table.open("w") as out:
            for call, (port_a, port_b) in enumerate(ports):
                (a_host, a_port), (b_host, b_port) = generator_address(call)
                out.write(f"{port_a} {port_b} {a_host} {a_port} {b_host} {b_port}\n")
        self.process = pinned([str(self.binary), str(table)] + (["connected"] if self.connected else []), 0,
                              stdout=subprocess.PIPE, text=True)
        wait_for_line(self.process, "ready", time.monotonic() + 60)
        return ports

    def stop(self):
        self.process.kill()
        end(self.process)


class Portcullis:
    def __init__(self, binary, name="Portcullis"):
        self.binary, self.name = binary, name

    def start(self, calls, workdir):
        self.process = pinned([str(self.binary), str(PORT_MIN), str(PORT_MAX)], 0, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
        for call in range(calls):
            (a_host, a_port), (b_host, b_port) = generator_address(call)
            self.process.stdin.write(f"{a_host} {a_port} {b_host} {b_port}\n")
        self.process.stdin.write("open\n")
        self.process.stdin.flush()
        lines = wait_for_line(self.process, "ready", time.monotonic() + 120)
        return [tuple(int(p) for p in line.split()) for line in lines]

    def stop(self):
        self.process.stdin.close()
        end(self.process, timeout=30)


def bencode(value):
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return str(len(value)).encode() + b":" + value
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(value.items())) + b"e"


def bdecode(data, at=0):
    kind = data[at:at + 1]
    if kind == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1:end]), end + 1
    if kind in (b"l", b"d"):
        items, at = [], at + 1
        while data[at:at + 1] != b"e":
            item, at = bdecode(data, at)
            items.append(item)
        return (items if kind == b"l" else dict(zip(items[::2], items[1::2]))), at + 1
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1:colon + 1 + length].decode(), colon + 1 + length


class RTPEngine:
    name = "rtpengine"

    def start(self, calls, workdir):
        self.process = pinned(["rtpengine", "--config-file=none", "-f", "-E", "-L", "3", "--table=-1",
                               "-i", "127.0.0.1", "-n", f"127.0.0.1:{NG_PORT}", "-m", str(PORT_MIN), "-M", str(PORT_MAX),
                               "--num-threads=1", "--timeout=120", "--delete-delay=0"], 0,
                              stdout=subprocess.DEVNULL, stderr=open(workdir / "rtpengine.log", "w"))
        self.control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.control.settimeout(1)
        self.control.connect(("127.0.0.1", NG_PORT))
        deadline = time.monotonic() + 30
        while True:
            try:
                self.command({"command": "ping"})
                break
            except (socket.timeout, ConnectionRefusedError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("rtpengine did not answer ping")
        ports = []
        for call in range(calls):
            (a_host, a_port), (b_host, b_port) = generator_address(call)
            call_id = f"load-{call}"
            offer = self.command({"command": "offer", "call-id": call_id, "from-tag": "a", "sdp": sdp(a_host, a_port)})
            answer = self.command({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                   "sdp": sdp(b_host, b_port)})
            ports.append((media_port(answer["sdp"]), media_port(offer["sdp"])))
        return ports

    def command(self, message):
        cookie = "%08x" % random.getrandbits(32)
        self.control.send(cookie.encode() + b" " + bencode(message))
        while True:
            reply = self.control.recv(65536)
            if reply.startswith(cookie.encode() + b" "):
                answer, _ = bdecode(reply, len(cookie) + 1)
                if answer.get("result") not in ("ok", "pong"):
                    raise RuntimeError(f"rtpengine: {answer}")
                return answer

    def stop(self):
        self.control.close()
        self.process.terminate()
        end(self.process)


def sdp(host, port):
    return (f"v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")


def media_port(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


def run(relay, calls, args, generator, workdir):
    ports = relay.start(calls, workdir)
    try:
        table = workdir / "calls.txt"
        table.write_text("".join(f"{a} {b}\n" for a, b in ports))
        load = pinned([str(generator), str(table), str(args.warmup), str(args.measure), A_HOST, B_HOST,
                       str(GENERATOR_PORTS), str(GENERATOR_SOCKETS)], 1, stdout=subprocess.PIPE, text=True)
        time.sleep(0.1 + args.warmup)
        before = cpu_seconds(relay.process.pid)
        time.sleep(args.measure)
        cpu = cpu_seconds(relay.process.pid) - before
        output, _ = load.communicate(timeout=60)
        result = json.loads(output)
    finally:
        relay.stop()
    delivered = max(result["received_in_window"], 1)
    result["relay_cpu_pct"] = 100 * cpu / args.measure
    result["relay_us_per_packet"] = 1e6 * cpu / delivered
    result["carried"] = result["loss_pct"] < MAX_LOSS_PCT and 0 <= result["jitter_us"]["p99"] < MAX_JITTER_US
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", default="250,500,1000,1500,2000,2500,3000,4000")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--measure", type=float, default=8)
    parser.add_argument("--relays", default="portcullis,rtpengine,bare,bare-connected")
    parser.add_argument("--binary", default=str(ROOT / ".build-release" / "release" / "MediaRelayBenchmark"))
    parser.add_argument("--baseline", help="another MediaRelayBenchmark binary (say, before a change), relay 'baseline'")
    args = parser.parse_args()
    # Four sockets per relayed call: as many descriptors as this machine allows (4 per call bounds the grid).
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    workdir = Path(tempfile.mkdtemp(prefix="media-load-"))
    built = {}
    for tool in ("rtp-load", "rtp-forward"):
        built[tool] = workdir / tool
        subprocess.run(["gcc", "-O2", "-o", str(built[tool]), str(ROOT / "Benchmarks" / "media" / f"{tool}.c")], check=True)
    relays = {"portcullis": Portcullis(args.binary), "rtpengine": RTPEngine(), "bare": Bare(built["rtp-forward"]),
              "bare-connected": Bare(built["rtp-forward"], connected=True)}
    if args.baseline:
        relays["baseline"] = Portcullis(args.baseline, "Portcullis baseline")
    chosen = [relays[name] for name in args.relays.split(",")]
    failures = {relay.name: 0 for relay in chosen}
    rows = []
    for index, calls in enumerate(int(c) for c in args.calls.split(",")):
        # Take turns in a rotating order, so drift on a noisy machine falls on every relay alike.
        order = chosen[index % len(chosen):] + chosen[:index % len(chosen)]
        for relay in order:
            if failures[relay.name] >= 2:
                continue
            result = run(relay, calls, args, built["rtp-load"], workdir)
            failures[relay.name] = 0 if result["carried"] else failures[relay.name] + 1
            rows.append((relay.name, calls, result))
            print(f"# {relay.name} {calls}: {json.dumps(result)}", file=sys.stderr, flush=True)

    print(f"Media relay load, {time.strftime('%Y-%m-%d %H:%M')}, relay on CPU 0, generator on CPU 1, "
          f"{args.warmup:g} s warm-up, {args.measure:g} s measured per point; carried = loss < {MAX_LOSS_PCT} % and "
          f"jitter p99 < {MAX_JITTER_US // 1000} ms\n")
    print("| relay | calls | packets/s offered | loss % | reordered | latency p50 / p99 µs | jitter p50 / p99 µs "
          "| relay CPU % | relay µs/packet | generator late sends | carried |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, calls, r in sorted(rows, key=lambda row: (row[0], row[1])):
        print(f"| {name} | {calls} | {r['offered_pps']} | {r['loss_pct']:.3f} | {r['reordered']} | "
              f"{r['latency_us']['p50']} / {r['latency_us']['p99']} | {r['jitter_us']['p50']} / {r['jitter_us']['p99']} | "
              f"{r['relay_cpu_pct']:.0f} | {r['relay_us_per_packet']:.2f} | {r['late_sends']} | "
              f"{'yes' if r['carried'] else 'no'} |")
    print()
    for relay in chosen:
        carried = [calls for name, calls, r in rows if name == relay.name and r["carried"]]
        print(f"- {relay.name}: highest carried {max(carried) if carried else 'none'} calls")


if __name__ == "__main__":
    main()
