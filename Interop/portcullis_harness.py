"""Starts real `portcullis serve` processes on 127.0.0.1 and talks to them the way users and phones do."""
import hashlib
import json
import os
import random
import re
import resource
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINARY = Path(os.environ.get("PORTCULLIS_BIN", ROOT / ".build" / "debug" / "portcullis"))
PEERS = Path(os.environ.get("PORTCULLIS_PEERS", ROOT / "Interop" / "peers"))


ADMIN = "admin"
ADMIN_PASSWORD = "Quiet7-Harbor-Lamp9"


def wait_bound(host, port, timeout=10):
    """Returns once something has bound UDP `host:port` (a SIPp phone started in the background): its bind is what
    makes ours fail."""
    deadline = time.time() + timeout
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                return
        assert time.time() < deadline, f"nothing listens on {host}:{port}"
        time.sleep(0.02)


_issued_ports = set()


def end(process, timeout=10):
    """Stops a helper process (a sink, a provider, a phone): asked first, killed if it does not go within `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port(kind=socket.SOCK_DGRAM, family=socket.AF_INET, host="127.0.0.1"):
    """A port free for both UDP and TCP on host, never handed out before in this run, and below the kernel's
    ephemeral range (32768-60999), so an outgoing connection cannot take it between this probe and the bind."""
    for _ in range(200):
        port = random.randint(10000, 32000)
        if port in _issued_ports:
            continue
        try:
            for sock_type in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(family, sock_type) as probe:
                    probe.bind((host, port))
            _issued_ports.add(port)
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def cli(data_dir, *args, check=True, input_text=None):
    result = subprocess.run([str(BINARY), *args, "--data-dir", str(data_dir)], capture_output=True, text=True,
                            input=input_text, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"portcullis {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


class Server:
    """One `portcullis serve` with its own data directory and ports."""

    def __init__(self, data_dir=None, sip_listen=None, extra_args=(), environment=None, allow_loopback=True, descriptor_limit=None):
        """allow_loopback puts 127.0.0.1 on the network allow list, so tests that drive load from it are not
        blocked by the auto-defense rules; network tests attack from other 127.0.0.0/8 addresses."""
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="portcullis-it-"))
        self.allow_loopback = allow_loopback
        self.sip_port = free_port()
        self.tls_port = None
        self.api_port = free_port(socket.SOCK_STREAM)
        self.sip_listen = sip_listen or [f"127.0.0.1:{self.sip_port}"]
        self.extra_args = list(extra_args)
        self.environment = environment
        self.descriptor_limit = descriptor_limit
        self.process = None
        self.output = []
        self.token = None
        # The CA the API's certificate is checked against: its own self-signed certificate unless a test configures one.
        self.ca_file = None

    @property
    def sip_ports(self):
        """The SIP port of each transport: UDP and TCP share one; TLS when a tls: listener was given its own."""
        return {"udp": self.sip_port, "tcp": self.sip_port, **({"tls": self.tls_port} if self.tls_port else {})}

    def start(self, timeout=30):
        if self.allow_loopback:
            cli(self.data_dir, "network", "allow", "add", "127.0.0.1", check=False)
        args = [str(BINARY), "serve"]
        if self.environment is None:
            args += ["--data-dir", str(self.data_dir), "--api-listen", f"127.0.0.1:{self.api_port}"]
            for address in self.sip_listen:
                args += ["--sip-listen", address]
        self.log = open(self.data_dir / "server.log", "a")
        environment = {**os.environ, **(self.environment or {})}
        limit = self.descriptor_limit
        # `ulimit -n` for the server alone, soft and hard: what a small container gives it.
        preexec = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))) if limit else None
        self.process = subprocess.Popen(args + self.extra_args, stdout=subprocess.PIPE, stderr=self.log, text=True, env=environment,
                                        preexec_fn=preexec)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None:
                    raise AssertionError(f"server exited with {self.process.returncode}: {(self.data_dir / 'server.log').read_text()}")
                continue
            self.output.append(line)
            if line.startswith("Portcullis SIP listening"):
                self.wait_for_api(deadline)
                return self
        raise AssertionError("server did not start: " + "".join(self.output))

    @property
    def api_url(self):
        return f"https://127.0.0.1:{self.api_port}"

    def tls_context(self):
        """Trusts the server's own certificate (self-signed at first start, in the data directory), as a browser does
        once its fingerprint is accepted: names and the chain are still checked."""
        return ssl.create_default_context(cafile=str(self.ca_file or self.data_dir / "api-certificate.pem"))

    def wait_for_api(self, deadline):
        """The admin API binds beside the SIP listeners; tests start once both answer."""
        if self.environment is not None:
            return
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api_url}/healthz", timeout=2, context=self.tls_context()):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise AssertionError("the admin API did not start")

    def setup_token(self):
        """The one-time setup token from the owner-only file the server writes at first start."""
        path = self.data_dir / "setup-token"
        return path.read_text().strip() if path.exists() else None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        if self.process:
            self.process.stdout.close()
        return self.process.returncode if self.process else None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def cli(self, *args, check=True, input_text=None):
        return cli(self.data_dir, *args, check=check, input_text=input_text)

    def api_token(self):
        """A Super Administrator's API token: from setup while none exists, else a new token."""
        if self.token is None:
            if self.setup_token() is not None:
                self.token = self.cli("setup", "--username", ADMIN, "--password", ADMIN_PASSWORD).stdout.strip().splitlines()[-1]
            else:
                self.token = self.cli("token", "create", "--name", "interop").stdout.strip()
        return self.token

    def api(self, method, path, body=None, token="auto", content_type="application/json"):
        """(status, headers, parsed JSON or text) of one admin API call over TCP."""
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if token == "auto":
            token = self.api_token()
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.tls_context()) as response:
                return response.status, dict(response.headers), decode(response.read(), response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), decode(error.read(), error.headers)

    def registrations(self):
        return json.loads(self.cli("registration", "list", "--json").stdout)

    def events(self, *names):
        args = ["events", "--json", "--limit", "1000"]
        for name in names:
            args += ["--name", name]
        return json.loads(self.cli(*args).stdout)

    @staticmethod
    def wait_until(condition, message, timeout=5):
        """Polls `condition` until it holds (the event log is written behind, within 200 ms)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(message)

    def wait_for_event(self, name, predicate=lambda event: True, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            matching = [event for event in self.events(name) if predicate(event)]
            if matching:
                return matching
            time.sleep(0.2)
        raise AssertionError(f"no event {name!r} matching within {timeout}s")


def decode(raw, headers):
    kind = headers.get("Content-Type", "")
    if "json" in kind:
        return json.loads(raw) if raw else None
    return raw.decode(errors="replace")


def apply_config(server_or_dir, yaml_text, name="config.yaml"):
    data_dir = server_or_dir.data_dir if isinstance(server_or_dir, Server) else server_or_dir
    path = Path(data_dir) / name
    path.write_text(yaml_text)
    return cli(data_dir, "config", "apply", str(path), check=False)


def strong_password(number):
    """Strong by the usual rules and free of the extension number (the benchmark's scheme)."""
    return "Tq" + "".join("abcdefghij"[int(digit)] for digit in str(number)) + "7Zr9"


def extensions_yaml(numbers, extra=""):
    lines = [extra.rstrip(), "extensions:"] if extra else ["extensions:"]
    for number in numbers:
        lines.append(f'  - {{number: "{number}", password: {strong_password(number)}}}')
    return "\n".join(lines) + "\n"


class SipClient:
    """A tiny UDP SIP client that computes digests itself, to send what phones and attackers send."""

    def __init__(self, server_port, host="127.0.0.1", family=socket.AF_INET, source=None):
        """source: the local address to send from (another 127.0.0.0/8 address plays another machine)."""
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((source or host, 0))
        self.sock.settimeout(3)
        self.host = host
        self.local = source or host
        self.port = self.sock.getsockname()[1]
        self.target = (host, server_port)
        self.server_port = server_port
        self.cseq = 0
        self.call_id = f"it-{random.getrandbits(48):x}"

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendto(data if isinstance(data, bytes) else data.encode(), self.target)

    def receive(self):
        data, _ = self.sock.recvfrom(65535)
        return parse_response(data)

    def transact(self, message, wait=40):
        """Sends a request and retransmits it as RFC 3261 Timer E does (T1 doubling to T2) until answered; after a
        provisional response it only waits (up to `wait` seconds) for the final one."""
        interval, waited = 0.5, 0.0
        while waited < 32:
            self.send_raw(message)
            self.sock.settimeout(interval)
            try:
                response = self.receive()
                if response["status"] >= 200:
                    return response
                self.sock.settimeout(wait)
                while response["status"] < 200:
                    response = self.receive()
                return response
            except socket.timeout:
                pass
            finally:
                self.sock.settimeout(3)
            waited += interval
            interval = min(interval * 2, 4)
        raise TimeoutError("no final response within Timer F")

    def register(self, user, authorization=None, expires=60, contact_user=None, user_agent="interop-test", contact=None):
        message, uri = self.register_message(user, authorization, expires, contact_user, user_agent, contact)
        return self.transact(message), uri

    def register_message(self, user, authorization=None, expires=60, contact_user=None, user_agent="interop-test", contact=None):
        """A REGISTER with a new branch and the next CSeq, and its Request-URI."""
        self.cseq += 1
        host = f"[{self.host}]" if ":" in self.host else self.host
        local = f"[{self.local}]" if ":" in self.local else self.local
        uri = f"sip:{host}:{self.server_port}"
        lines = [
            f"REGISTER {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP {local}:{self.port};branch=z9hG4bK{random.getrandbits(64):x};rport",
            f"From: <sip:{user}@{host}>;tag={random.getrandbits(32):x}",
            f"To: <sip:{user}@{host}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} REGISTER",
            f"Contact: {contact or f'<sip:{contact_user or user}@{local}:{self.port}>'}",
            f"Expires: {expires}",
            "Max-Forwards: 70",
            f"User-Agent: {user_agent}",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        return "\r\n".join(lines + ["Content-Length: 0", "", ""]), uri

    def options(self):
        return self.transact(self.options_message())

    def probe(self, timeout=1.0):
        """One OPTIONS, no retransmission: the response, or None when nothing came back within timeout."""
        self.send_raw(self.options_message())
        self.sock.settimeout(timeout)
        try:
            return self.receive()
        except socket.timeout:
            return None
        finally:
            self.sock.settimeout(3)

    def options_message(self):
        self.cseq += 1
        host = f"[{self.host}]" if ":" in self.host else self.host
        local = f"[{self.local}]" if ":" in self.local else self.local
        return "\r\n".join([
            f"OPTIONS sip:{host}:{self.server_port} SIP/2.0",
            f"Via: SIP/2.0/UDP {local}:{self.port};branch=z9hG4bK{random.getrandbits(64):x};rport",
            f"From: <sip:probe@{host}>;tag=1", f"To: <sip:{host}>", f"Call-ID: {self.call_id}", f"CSeq: {self.cseq} OPTIONS",
            "Content-Length: 0", "", ""])


SDP = ("v=0\r\no=it 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")


def invite_message(client, caller="1001", callee="1002", authorization_header=None, body=SDP, content_type="application/sdp",
                   branch=None, call_id=None):
    """An INVITE from caller to callee through the server, with Proxy-Authorization when given."""
    client.cseq += 1
    uri = f"sip:{callee}@127.0.0.1:{client.server_port}"
    branch = branch or f"z9hG4bK{client.cseq}x{random.getrandbits(32):x}"
    lines = [f"INVITE {uri} SIP/2.0", f"Via: SIP/2.0/UDP {client.local}:{client.port};branch={branch};rport",
             f"From: <sip:{caller}@127.0.0.1>;tag=inv{caller}", f"To: <{uri}>", f"Call-ID: {call_id or 'invite-' + client.call_id}",
             f"CSeq: {client.cseq} INVITE", f"Contact: <sip:{caller}@{client.local}:{client.port}>", "Max-Forwards: 70"]
    if authorization_header:
        lines.append(f"Proxy-Authorization: {authorization_header}")
    if body:
        lines.append(f"Content-Type: {content_type}")
    payload = body.encode() if isinstance(body, str) else (body or b"")
    return "\r\n".join(lines + [f"Content-Length: {len(payload)}", "", ""]).encode() + payload, uri


def invite(client, authorization_header=None, **fields):
    """Sends an INVITE (retransmitted until a final response) and returns that response and the Request-URI."""
    message, uri = invite_message(client, authorization_header=authorization_header, **fields)
    return client.transact(message), uri


def proxy_fields(response):
    return dict(re.findall(r'(\w+)="?([^",]+)"?', response["headers"]["proxy-authenticate"][0][len("Digest "):]))


def parse_response(data):
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return {"status": status, "reason": lines[0].split(" ", 2)[2] if lines[0].count(" ") >= 2 else "", "headers": headers, "raw": data}


def challenge_fields(response):
    value = response["headers"]["www-authenticate"][0]
    return dict(re.findall(r'(\w+)="?([^",]+)"?', value[len("Digest "):]))


def authorization(user, password, challenge, uri, nc=1, method="REGISTER", realm=None, algorithm="MD5"):
    realm = realm or challenge["realm"]
    hash_function = hashlib.md5 if algorithm == "MD5" else hashlib.sha256
    digest = lambda text: hash_function(text.encode()).hexdigest()
    ha1 = digest(f"{user}:{realm}:{password}")
    cnonce = f"{random.getrandbits(32):08x}"
    nc_text = f"{nc:08x}"
    response = digest(f"{ha1}:{challenge['nonce']}:{nc_text}:{cnonce}:auth:{digest(f'{method}:{uri}')}")
    return (f'Digest username="{user}", realm="{realm}", nonce="{challenge["nonce"]}", uri="{uri}", '
            f'response="{response}", algorithm={algorithm}, qop=auth, nc={nc_text}, cnonce="{cnonce}"')


def authenticated_invite(client, callee, caller="1001", **fields):
    """INVITE, 407, INVITE with credentials: the final response, the Request-URI and the branch."""
    challenge, uri = invite(client, callee=callee, caller=caller, **fields)
    assert challenge["status"] == 407, challenge["status"]
    ack(client, challenge, uri)
    branch = f"z9hG4bKauth{client.cseq}"
    answer, _ = invite(client, authorization(caller, strong_password(caller), proxy_fields(challenge), uri, method="INVITE"),
                       callee=callee, caller=caller, branch=branch, **fields)
    return answer, uri, branch


def ack(client, response, uri):
    """The ACK for a non-2xx final response (RFC 3261 section 17.1.1.3): the INVITE's Via, the response's To."""
    headers = response["headers"]
    lines = [f"ACK {uri} SIP/2.0", f"Via: {headers['via'][0]}", f"From: {headers['from'][0]}", f"To: {headers['to'][0]}",
             f"Call-ID: {headers['call-id'][0]}",
             f"CSeq: {response['headers']['cseq'][0].split()[0]} ACK", "Max-Forwards: 70", "Content-Length: 0", "", ""]
    client.send_raw("\r\n".join(lines))


def in_dialog(client, answer, call_id, method, sequence):
    """A request inside the dialog a 2xx to our INVITE set up: to its Contact, with its From and To."""
    headers = answer["headers"]
    target = re.search(r"<([^>]+)>", headers["contact"][0]).group(1)
    return "\r\n".join([f"{method} {target} SIP/2.0", f"Via: SIP/2.0/UDP {client.local}:{client.port};branch=z9hG4bK{method}{random.getrandbits(48):x}",
                         f"From: {headers['from'][0]}", f"To: {headers['to'][0]}", f"Call-ID: {call_id}", "Max-Forwards: 70",
                         f"CSeq: {sequence} {method}", "Content-Length: 0", "", ""])


def ack_answered(client, answer, call_id):
    """The ACK for a 2xx: a new transaction to the Contact."""
    client.send_raw(in_dialog(client, answer, call_id, "ACK", int(answer["headers"]["cseq"][0].split()[0])))


def end_answered(client, answer, call_id, acknowledged=False):
    """ACK (unless sent already) and BYE for an answered call; returns the BYE's final response."""
    if not acknowledged:
        ack_answered(client, answer, call_id)
    return client.transact(in_dialog(client, answer, call_id, "BYE", int(answer["headers"]["cseq"][0].split()[0]) + 1))


def finished(process, timeout=40):
    """The exit code and the last of the output of a SIPp (or other) process once it ends."""
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output[-1500:]
