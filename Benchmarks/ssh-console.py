#!/usr/bin/env python3
"""The SSH console (issue 17) beside OpenSSH's sshd on the same machine, same run. A release build; both servers on
CPU 0, OpenSSH's client on CPU 1; ed25519 keys; the same client options for both.
1. connect to first output: ROUNDS sequential `ssh HOST COMMAND` runs, timed from the client's start to the first
   byte of the command's output (so key exchange, authentication, the session and the command), p50/p99, and the
   server's CPU per login. Portcullis runs `ssh show` (one admin operation) and `extension list` (20 extensions);
   sshd runs `echo ok` (a trivial command).
2. sessions held: SESSIONS concurrent logged-in sessions kept open (Portcullis: the interactive prompt with a
   terminal; sshd: `cat` waiting on its input, its cheapest session), the server's memory (PSS) before and after,
   per session, and how many sessions 256 MiB holds. sshd's memory is the sum over its processes and their children.
Run: Benchmarks/ssh-console.py [ROUNDS] [SESSIONS] (defaults 200, 60; Portcullis holds 64 connections at most)."""
import datetime
import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))
import portcullis_harness  # noqa: E402
from portcullis_harness import ADMIN, Server, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 256 << 20


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def process_tree(pid):
    """pid and every descendant."""
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split() if Path(f"/proc/{parent}").exists() else []:
            found.append(int(child))
            frontier.append(int(child))
    return found


def pss_bytes(pids):
    """Proportional set size, summed: shared pages (libraries, sshd's forked copies) are split among the processes
    sharing them, so a sum over many processes is not inflated the way resident sizes would be."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def cpu_seconds(pid):
    """The process's CPU, its threads' and its waited-for children's (sshd forks one per connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[index]) for index in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def client(port, key, known_hosts, user, source="127.0.0.1", terminal=False):
    return ["taskset", "-c", "1", "ssh", "-p", str(port), "-b", source, "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes", "-o", "ControlMaster=no",
            "-o", "LogLevel=ERROR"] + (["-tt"] if terminal else ["-T"]) + [f"{user}@127.0.0.1"]


def first_output(command):
    """Seconds from the client's start to the first byte of output; the run must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    first = process.stdout.read(1)
    elapsed = time.perf_counter() - started
    rest, errors = process.communicate(timeout=60)
    assert process.returncode == 0 and first, f"{command[-1]}: {process.returncode} {errors.decode()[-300:]}"
    return elapsed


def latency(name, command, server_pid, rounds):
    first_output(command)  # a warm-up: caches, first connection
    before = cpu_seconds(server_pid)
    times = [first_output(command) for _ in range(rounds)]
    cpu = (cpu_seconds(server_pid) - before) / rounds
    return {"name": name, "p50": percentile(times, 0.5) * 1e3, "p99": percentile(times, 0.99) * 1e3, "mean": statistics.mean(times) * 1e3,
            "cpu": cpu * 1e3}


def hold_sessions(make_command, ready, count, memory):
    """Opens `count` sessions, each kept until the end; waits until every one shows `ready` on its output."""
    before = memory()
    sessions = []
    try:
        for index in range(count):
            process = subprocess.Popen(make_command(index), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            sessions.append(process)
            seen, deadline = b"", time.time() + 30
            while ready not in seen:
                assert time.time() < deadline and process.poll() is None, f"session {index} did not open: {seen[-200:]!r}"
                readable, _, _ = select.select([process.stdout], [], [], 0.2)
                if readable:
                    seen += os.read(process.stdout.fileno(), 4096)
        time.sleep(1)
        after = memory()
        alive = sum(process.poll() is None for process in sessions)
        return before, after, alive
    finally:
        for process in sessions:
            process.kill()
            process.wait()


def start_sshd(directory, port, public_key):
    host_key = directory / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    authorized = directory / "authorized_keys"
    authorized.write_text(public_key.read_text())
    authorized.chmod(0o600)
    config = directory / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
PidFile {directory}/sshd.pid
MaxStartups 200
MaxSessions 10
LogLevel ERROR
""")
    Path("/run/sshd").mkdir(exist_ok=True)
    process = subprocess.Popen(["taskset", "-c", "0", "/usr/sbin/sshd", "-D", "-f", str(config), "-E", str(directory / "sshd.log")])
    deadline = time.time() + 10
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.time() < deadline and process.poll() is None, "sshd did not start"
        time.sleep(0.05)
    return process, host_key.with_suffix(".pub").read_text().strip()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "portcullis"], cwd=ROOT, check=True)
    portcullis_harness.BINARY = ROOT / ".build-release" / "release" / "portcullis"
    work = Path(tempfile.mkdtemp(prefix="ssh-bench-"))
    key = work / "client_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    user = os.environ.get("USER") or "root"

    server = Server().start()
    sshd = None
    try:
        subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.process.pid)], check=True, capture_output=True)
        server.api_token()
        for number in range(1001, 1021):
            server.cli("extension", "add", str(number))
        server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{key}.pub")
        # The benchmark logs in from many loopback addresses: the allow list spares them the SSH rule.
        server.cli("network", "allow", "add", "127.0.0.0/8")
        portcullis_port = free_port(socket.SOCK_STREAM)
        shown = json.loads(server.cli("ssh", "enable", "--listen", f"127.0.0.1:{portcullis_port}", "--json").stdout)
        sshd_port = free_port(socket.SOCK_STREAM)
        sshd, sshd_host_key = start_sshd(work, sshd_port, Path(f"{key}.pub"))
        known_hosts = work / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{portcullis_port} {shown['hostKey']}\n[127.0.0.1]:{sshd_port} {sshd_host_key}\n")

        base = client(portcullis_port, key, known_hosts, ADMIN)
        rows = [
            latency("Portcullis `ssh show`", base + ["ssh", "show"], server.process.pid, rounds),
            latency("Portcullis `extension list` (20)", base + ["extension", "list"], server.process.pid, rounds),
            latency("sshd `echo ok` (anchor)", client(sshd_port, key, known_hosts, user) + ["echo", "ok"], sshd.pid, rounds),
        ]
        # Eight connections per address at most on the console: sessions come from 127.0.0.50 upwards.
        portcullis_memory = hold_sessions(
            lambda index: client(portcullis_port, key, known_hosts, ADMIN, source=f"127.0.0.{50 + index // 8}", terminal=True),
            b"admin@portcullis> ", count, lambda: pss_bytes([server.process.pid]))
        sshd_memory = hold_sessions(
            lambda index: client(sshd_port, key, known_hosts, user, source=f"127.0.0.{50 + index // 8}") + ["echo ready; exec cat"],
            b"ready", count, lambda: pss_bytes(process_tree(sshd.pid)))
    finally:
        server.stop()
        if sshd:
            sshd.terminate()
            sshd.wait()
        shutil.rmtree(work, ignore_errors=True)

    today = datetime.date.today().isoformat()
    lines = [f"SSH console: release build, servers on CPU 0, OpenSSH's client on CPU 1; {rounds} logins each, {count} sessions held; {today}", "",
             "| connect to first output | p50 ms | p99 ms | mean ms | server CPU per login ms |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {row['name']} | {row['p50']:.1f} | {row['p99']:.1f} | {row['mean']:.1f} | {row['cpu']:.2f} |" for row in rows]
    lines += ["", "| sessions held (PSS) | before MiB | after MiB | per session KiB | sessions alive | sessions in 256 MiB |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, (before, after, alive) in (("Portcullis (prompt, terminal)", portcullis_memory), ("sshd, `cat` (anchor)", sshd_memory)):
        per = max(1, (after - before) / count)
        lines.append(f"| {name} | {before / 2**20:.1f} | {after / 2**20:.1f} | {per / 1024:.0f} | {alive} | {int(BUDGET // per):,} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
