"""The SSH admin console against OpenSSH's client: off by default; with a key an administrator added, a command over
SSH prints what the CLI prints; roles hold; passwords and unknown keys are refused and counted; the auto-defense SSH
rule blocks a burst from one address while another still logs in; disabling SSH ends a live session, and so does
removing its key or its user."""
import json
import os
import select
import socket
import subprocess
import time

import pytest

from portcullis_harness import ADMIN, BINARY, free_port

PASSWORD = "Quiet7-Harbor-Lamp9"


def key_pair(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True, timeout=30)
    return path


class Console:
    """The console of one server, reached with OpenSSH's client; the host key pinned from `ssh show --json`."""

    def __init__(self, server, tmp_path, host="127.0.0.1", port=None):
        self.server = server
        self.host = host
        self.port = port or free_port(socket.SOCK_STREAM)
        self.known_hosts = tmp_path / f"known_hosts_{host}_{self.port}"

    def enable(self):
        shown = json.loads(self.server.cli("ssh", "enable", "--listen", f"{self.host}:{self.port}", "--json").stdout)
        self.pin(shown["hostKey"])
        return shown

    def pin(self, host_key):
        self.known_hosts.write_text(f"[{self.host}]:{self.port} {host_key}\n")

    def ssh_args(self, user, key, source="127.0.0.1", *extra):
        return ["ssh", "-p", str(self.port), "-b", source, "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-i", str(key), *extra, f"{user}@{self.host}"]

    def run(self, user, key, *command, source="127.0.0.1"):
        return subprocess.run(self.ssh_args(user, key, source) + list(command), capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)


def listening(port, host="127.0.0.1"):
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture
def console(server_factory, tmp_path):
    server = server_factory().start()
    server.api_token()
    return Console(server, tmp_path)


def test_off_by_default_then_a_key_runs_the_cli_commands_with_the_users_role(console, tmp_path):
    server = console.server
    assert json.loads(server.cli("ssh", "show", "--json").stdout)["enabled"] is False
    assert not listening(console.port), "with SSH off nothing listens"
    admin_key, operator_key = key_pair(tmp_path / "admin_key"), key_pair(tmp_path / "operator_key")
    added = server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    fingerprint = subprocess.run(["ssh-keygen", "-lf", f"{admin_key}.pub"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert fingerprint in added.stdout, "the fingerprint is the one ssh-keygen shows"
    assert not listening(console.port), "adding a key does not open the port"
    shown = console.enable()
    assert shown["enabled"] and shown["hostKeyFingerprint"].startswith("SHA256:")
    server.cli("extension", "add", "1001", "--name", "Front Desk")
    server.cli("extension", "add", "1002")

    # StrictHostKeyChecking=yes with only the host key `ssh show` printed: the console serves that key.
    over_ssh = console.run(ADMIN, admin_key, "extension", "list")
    assert over_ssh.returncode == 0, over_ssh.stderr
    assert over_ssh.stdout == server.cli("extension", "list").stdout
    assert "1001" in over_ssh.stdout and "Front Desk" in over_ssh.stdout

    server.cli("user", "add", "olga", "--role", "Operator", "--password", PASSWORD)
    server.cli("ssh", "key", "add", "olga", "--key-file", f"{operator_key}.pub")
    server.cli("block", "add", "198.51.100.7")
    blocks = console.run("olga", operator_key, "block", "list")
    assert blocks.returncode == 0, blocks.stderr
    assert "198.51.100.7" in blocks.stdout
    refused = console.run("olga", operator_key, "extension", "add", "2001")
    assert refused.returncode == 1 and "Operator" in refused.stderr, refused.stderr
    assert "2001" not in server.cli("extension", "list").stdout, "a refused command changes nothing"
    # Over SSH the server's files are not the user's: options that read one are refused.
    leaked = console.run(ADMIN, admin_key, "config", "apply", "/etc/passwd")
    assert leaked.returncode != 0 and "not available in the SSH console" in leaked.stderr
    server.wait_for_event("SSH Login Success", lambda event: event["fields"].get("username") == "olga"
                          and event["fields"].get("role") == "Operator")
    # A key removed opens nothing any more.
    olga_key = next(key for key in json.loads(server.cli("ssh", "key", "list", "--json").stdout) if key["username"] == "olga")
    server.cli("ssh", "key", "remove", olga_key["fingerprint"])
    assert console.run("olga", operator_key, "block", "list").returncode == 255


def test_serve_ssh_listen_gives_this_node_its_own_address_and_a_bad_one_is_refused_before_anything_starts(server_factory, tmp_path):
    port = free_port(socket.SOCK_STREAM)
    server = server_factory(extra_args=["--ssh-listen", f"127.0.0.1:{port}"]).start()
    server.api_token()
    shown = json.loads(server.cli("ssh", "enable", "--listen", "127.0.0.1:1", "--json").stdout)
    assert (shown["listen"], shown["listening"]) == ("127.0.0.1:1", f"127.0.0.1:{port}"), "stored for the cluster, bound here"
    assert listening(port)
    assert f"SSH console enabled on 127.0.0.1:{port}" in server.cli("ssh", "show").stdout
    fresh = tmp_path / "fresh"
    for bad in ["pbx.example.com:8022", "127.0.0.1", "127.0.0.1:70000"]:
        refused = subprocess.run([str(BINARY), "serve", "--data-dir", str(fresh), "--ssh-listen", bad], capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "--ssh-listen" in refused.stderr and "HOST:PORT" in refused.stderr, refused.stderr
    assert not fresh.exists(), "refused before the data directory is made"


def test_passwords_and_unknown_keys_are_refused_counted_and_lock_out_the_source(console, tmp_path):
    server = console.server
    admin_key, stranger_key = key_pair(tmp_path / "admin_key"), key_pair(tmp_path / "stranger_key")
    server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    console.enable()
    password = subprocess.run(console.ssh_args(ADMIN, admin_key, "127.0.0.42", "-o", "PubkeyAuthentication=no",
                                               "-o", "PreferredAuthentications=password,keyboard-interactive") + ["true"],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert password.returncode == 255 and "Permission denied (publickey)" in password.stderr
    server.wait_for_event("SSH Login Failed", lambda event: event["fields"].get("source") == "127.0.0.42")
    for _ in range(5):
        stranger = console.run(ADMIN, stranger_key, "extension", "list", source="127.0.0.42")
        assert stranger.returncode == 255 and "Permission denied" in stranger.stderr
    failures = server.wait_for_event("SSH Login Failed", lambda event: event["fields"].get("attempts") == "5")
    assert "is not one of the user's" in failures[0]["fields"]["reason"]
    # Five failures from one address: the login lockout now refuses it, even with the right key.
    locked = console.run(ADMIN, admin_key, "extension", "list", source="127.0.0.42")
    assert locked.returncode == 255, "a locked-out source gets no session"
    assert console.run(ADMIN, admin_key, "extension", "list", source="127.0.0.43").returncode == 0, "another address still logs in"


def test_a_burst_from_one_address_is_blocked_by_the_ssh_rule_while_another_logs_in(console, tmp_path):
    server = console.server
    admin_key = key_pair(tmp_path / "admin_key")
    server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    console.enable()
    banners = 0
    for _ in range(14):
        with socket.socket() as attempt:
            attempt.bind(("127.0.0.40", 0))
            attempt.settimeout(5)
            attempt.connect(("127.0.0.1", console.port))
            try:
                banners += attempt.recv(64).startswith(b"SSH-2.0-")
            except (ConnectionResetError, socket.timeout):
                pass
    assert banners == 10, f"the SSH rule (10 connections / 60 s) answers ten, then closes: {banners} answered"
    blocked = server.wait_for_event("Auto Defense IP Blocked Out", lambda event: "127.0.0.40" in json.dumps(event["fields"]))
    assert "SSH" in json.dumps(blocked[0]["fields"])
    assert console.run(ADMIN, admin_key, "extension", "list", source="127.0.0.40").returncode == 255, "the blocked address gets nothing"
    beside = console.run(ADMIN, admin_key, "extension", "list", source="127.0.0.41")
    assert beside.returncode == 0, beside.stderr


class Session:
    """An interactive session (`ssh -tt`), read as a person at the terminal reads it."""

    def __init__(self, console, user, key):
        self.process = subprocess.Popen(console.ssh_args(user, key, "127.0.0.1", "-tt"), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seen = b""

    def read_until(self, marker, times=1, timeout=15):
        deadline = time.time() + timeout
        while self.seen.count(marker) < times:
            assert time.time() < deadline, f"{marker!r} not seen; got {self.seen[-400:]!r}"
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                assert chunk, f"the session ended early: {self.seen[-400:]!r}"
                self.seen += chunk

    def type(self, line):
        self.process.stdin.write(line.encode() + b"\r")
        self.process.stdin.flush()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def test_an_interactive_session_has_a_prompt_and_ends_when_ssh_is_disabled(console, tmp_path):
    server = console.server
    admin_key = key_pair(tmp_path / "admin_key")
    server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    console.enable()
    server.cli("extension", "add", "1001")
    session = Session(console, ADMIN, admin_key)
    try:
        session.read_until(b"admin@portcullis> ")
        session.type("extension list")
        session.read_until(b"1001")
        session.read_until(b"admin@portcullis> ", times=2)
        assert json.loads(server.cli("ssh", "show", "--json").stdout)["openConnections"] == 1
        server.cli("ssh", "disable")
        session.process.wait(timeout=15)
        assert not listening(console.port), "disabled: the port is closed"
    finally:
        session.close()


def test_removing_a_key_ends_the_sessions_it_opened_and_no_other(console, tmp_path):
    server = console.server
    admin_key, operator_key = key_pair(tmp_path / "admin_key"), key_pair(tmp_path / "operator_key")
    server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    server.cli("user", "add", "olga", "--role", "Operator", "--password", PASSWORD)
    server.cli("ssh", "key", "add", "olga", "--key-file", f"{operator_key}.pub")
    console.enable()
    server.cli("extension", "add", "1001")
    admin, olga = Session(console, ADMIN, admin_key), Session(console, "olga", operator_key)
    try:
        admin.read_until(b"admin@portcullis> ")
        olga.read_until(b"olga@portcullis> ")
        olga_key = next(key for key in json.loads(server.cli("ssh", "key", "list", "--json").stdout) if key["username"] == "olga")
        server.cli("ssh", "key", "remove", olga_key["fingerprint"])
        # The session ends by itself, without olga typing anything: a stolen key removed stops its holder at once.
        olga.process.wait(timeout=15)
        admin.type("extension list")
        admin.read_until(b"1001")
        assert admin.process.poll() is None, "the other user's session goes on"
        assert json.loads(server.cli("ssh", "show", "--json").stdout)["openConnections"] == 1
        # A user removed ends their sessions the same way, and a removed key opens no new one.
        assert console.run("olga", operator_key, "extension", "list").returncode == 255
        server.cli("ssh", "key", "add", "olga", "--key-file", f"{operator_key}.pub")
        olga = Session(console, "olga", operator_key)
        olga.read_until(b"olga@portcullis> ")
        server.cli("user", "remove", "olga")
        olga.process.wait(timeout=15)
        assert admin.process.poll() is None
    finally:
        admin.close()
        olga.close()


def test_hostile_bytes_are_refused_with_the_connection_closed_and_the_console_keeps_working(console, tmp_path):
    server = console.server
    admin_key = key_pair(tmp_path / "admin_key")
    server.cli("ssh", "key", "add", ADMIN, "--key-file", f"{admin_key}.pub")
    console.enable()
    hostile = [b"SSH-2.0-x\r\n" + os.urandom(200_000), b"A" * 2_000_000, b"SSH-2.0-x\r\n\x7f\xff\xff\xff" + bytes(100), b"SSH-1.5-old\r\n"]
    for payload in hostile:
        with socket.create_connection(("127.0.0.1", console.port), timeout=10) as attempt:
            assert attempt.recv(64).startswith(b"SSH-2.0-")
            deadline = time.time() + 10
            try:
                attempt.sendall(payload)
                # A disconnect message may come first; then the console closes the connection.
                while attempt.recv(4096):
                    assert time.time() < deadline, "the console did not close the connection"
            except (ConnectionResetError, BrokenPipeError):
                pass
    assert server.alive()
    assert console.run(ADMIN, admin_key, "ssh", "show").returncode == 0
