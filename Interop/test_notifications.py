"""Contingency: the right people learn of an attack at once, by email (aiosmtpd), a signed webhook and RFC 5424
syslog; a flood reaches them as a handful of messages; a dead mail server is reported once and stops nothing."""
import hashlib
import hmac
import http.server
import json
import re
import socket
import subprocess
import threading
import time
from datetime import datetime

import pytest

from portcullis_harness import BINARY, SipClient, apply_config, authorization, challenge_fields, extensions_yaml, free_port, strong_password
from test_accounts import configure_smtp, smtp_sink  # noqa: F401 (smtp_sink is a fixture)

SECRET = "webhook-secret-for-tests-0123"


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 keeping every POST (headers, body, arrival time)."""

    def __init__(self, status=200):
        received = self.received = []
        answer = status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body, time.time()))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()

    def wait(self, count, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline and len(self.received) < count:
            time.sleep(0.05)
        assert len(self.received) >= count, f"expected {count} webhook posts, got {len(self.received)}"
        return self.received


class SyslogReceiver:
    """A UDP syslog server on 127.0.0.1 keeping every datagram with its arrival time."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"udp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                data = self.sock.recv(65535)
            except OSError:
                return
            self.received.append((data.decode(), time.time()))

    def close(self):
        self.sock.close()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def syslog():
    receiver = SyslogReceiver()
    yield receiver
    receiver.close()


def event_time(event):
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()


def verify(headers, body):
    timestamp = headers["X-Portcullis-Timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Portcullis-Signature"], expected) and abs(time.time() - int(timestamp)) < 60


RFC5424 = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) portcullis (\d+) (\S+) \[portcullis@32473( [A-Za-z0-9]+=\"(?:[^\"\\\]]|\\.)*\")*\] (.*)$")


def test_a_scanner_is_reported_by_email_webhook_and_syslog_within_5_seconds(server_factory, smtp_sink, webhook, syslog, tmp_path):
    port, cert, directory = smtp_sink
    # svcrack attacks from 127.0.0.1: keep that off the allow list; its User-Agent policy off to reach the lockout.
    server = server_factory(allow_loopback=False)
    assert apply_config(server, extensions_yaml([1001], extra="sip:\n  scanners: {action: \"off\"}\n")).returncode == 0
    server.start()
    server.api_token()
    assert configure_smtp(server, port, cert, tmp_path).returncode == 0
    server.cli("notification", "contact", "add", "ops", "--email", "ops@example.com")
    server.cli("notification", "contact", "add", "chat", "--webhook", webhook.url, "--secret", SECRET)
    server.cli("notification", "contact", "add", "siem", "--syslog", syslog.url, "--level", "alert", "--level", "warning")
    listed = json.loads(server.cli("notification", "contact", "list", "--json").stdout)
    assert [c["contact"]["name"] for c in listed["contacts"]] == ["ops", "chat", "siem"]
    assert all("secret" not in c["contact"] for c in listed["contacts"]) and listed["contacts"][1]["secretSet"] is True
    assert SECRET not in server.cli("notification", "contact", "list").stdout

    words = tmp_path / "words.txt"
    words.write_text("".join(f"Guess-{n}-Pass\n" for n in range(50)))
    subprocess.run(["sipvicious_svcrack", "-u", "1001", "-d", str(words), "-p", str(server.sip_port), "127.0.0.1"],
                   capture_output=True, text=True, timeout=180)
    blocked = server.wait_for_event("Extension Registration Blocked Out")[0]
    raised = event_time(blocked)

    mail = None
    deadline = time.time() + 10
    while time.time() < deadline:
        mails = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
        mail = next((m for m in mails if "Extension Registration Blocked Out" in m["content"]), None)
        if mail:
            break
        time.sleep(0.1)
    assert mail, "no mail about the block"
    assert mail["to"] == ["ops@example.com"] and "127.0.0.1 blocked after 5 failed registrations of 1001" in mail["content"]
    assert "Subject: [Portcullis] Alert: Extension Registration Blocked Out" in mail["content"]

    posts = [p for p in webhook.wait(1) if json.loads(p[1])["event"]["name"] == "Extension Registration Blocked Out"]
    headers, body, arrived = posts[0]
    assert verify(headers, body), "the signature verifies with the contact's secret"
    payload = json.loads(body)
    assert payload["text"] == "127.0.0.1 blocked after 5 failed registrations of 1001" and payload["event"]["fields"]["ip"] == "127.0.0.1"
    assert arrived - raised < 5, f"webhook {arrived - raised:.1f}s after the event"
    forged = body.replace(b"127.0.0.1", b"127.0.0.2")
    assert not verify(headers, forged), "a changed body does not verify"

    deadline = time.time() + 5
    while time.time() < deadline and not any("ExtensionRegistrationBlockedOut" in line for line, _ in syslog.received):
        time.sleep(0.05)
    line, arrived = next((line, at) for line, at in syslog.received if "ExtensionRegistrationBlockedOut" in line)
    match = RFC5424.match(line)
    assert match, line
    assert int(match.group(1)) == 4 * 8 + 1, "security facility, alert severity"
    assert 'ip="127.0.0.1"' in line and 'account="1001"' in line
    assert arrived - raised < 5
    # The warnings before the block reached syslog (it takes warnings) but not the alert-only contacts.
    assert any("ExtensionRegistrationFailed" in line for line, _ in syslog.received)
    assert not any(json.loads(b)["event"]["name"] == "Extension Registration Failed" for _, b, _ in webhook.received)
    shown = {c["contact"]["name"]: c["status"] for c in json.loads(server.cli("notification", "contact", "list", "--json").stdout)["contacts"]}
    assert shown["chat"]["delivered"] >= 1 and shown["chat"]["failed"] == 0


def flood(server, sources, account="1001"):
    """A wrong password for `account` from each of `sources` addresses (127.2.x.y), one REGISTER each, reusing one
    challenge: a distributed guesser."""
    probe = SipClient(server.sip_port, source="127.0.0.1")
    challenge, uri = probe.register(account)
    fields = challenge_fields(challenge)
    probe.close()
    sockets = []
    for n in range(sources):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        address = f"127.2.{n // 250}.{n % 250 + 1}"
        sock.bind((address, 0))
        port = sock.getsockname()[1]
        header = authorization(account, f"Wrong-{n}-Guess", fields, uri, nc=n + 1)
        message = "\r\n".join([
            f"REGISTER {uri} SIP/2.0", f"Via: SIP/2.0/UDP {address}:{port};branch=z9hG4bKflood{n};rport",
            f"From: <sip:{account}@127.0.0.1>;tag=f{n}", f"To: <sip:{account}@127.0.0.1>", f"Call-ID: flood-{n}", "CSeq: 1 REGISTER",
            f"Contact: <sip:{account}@{address}:{port}>", "Max-Forwards: 70", f"Authorization: {header}", "Content-Length: 0", "", ""])
        sock.sendto(message.encode(), ("127.0.0.1", server.sip_port))
        sockets.append(sock)
    for sock in sockets:
        sock.close()


def test_a_flood_reaches_a_contact_as_a_handful_of_messages(server_factory, webhook):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.api_token()
    server.cli("notification", "interval", "10")
    server.cli("notification", "contact", "add", "chat", "--webhook", webhook.url, "--event", "Extension Registration Failed")
    flood(server, 3000)
    logged = []

    def all_logged():
        logged[:] = [e for e in server.events("Extension Registration Failed") if e["fields"].get("ip", "").startswith("127.2.")]
        return len(logged) >= 1000

    server.wait_until(all_logged, "the flood's failures were not logged", timeout=30)
    # The first went at once; the rest of the interval is one message with the count (maybe two if the flood
    # straddled an interval's end).
    deadline = time.time() + 25
    total = lambda: sum(json.loads(body)["count"] for _, body, _ in webhook.received)
    while time.time() < deadline:
        _, _, body = server.api("GET", "/api/v1/events?name=Extension%20Registration%20Failed&limit=10000")
        if total() >= len(body["items"]) and len(body["items"]) >= 1000:
            break
        time.sleep(0.5)
    events = len(body["items"])
    posts = [json.loads(b) for _, b, _ in webhook.received]
    assert 2 <= len(posts) <= 4, f"{len(posts)} messages for {events} events"
    assert posts[0]["count"] == 1 and posts[1]["count"] > 100 and posts[1]["interval"] == 10
    assert total() == events, "every occurrence is counted in exactly one message"
    assert "more in the last 10 s" in posts[1]["text"]


def test_an_unreachable_mail_server_gives_one_delivery_failed_and_the_pbx_keeps_working(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.api_token()
    dead = free_port(kind=socket.SOCK_STREAM)
    server.cli("smtp", "set", "--host", "127.0.0.1", "--port", str(dead), "--security", "none", "--from", "pbx@example.com",
               "--retries", "0", "--timeout", "2")
    server.cli("notification", "contact", "add", "ops", "--email", "ops@example.com", "--level", "warning", "--level", "alert")
    tested = server.cli("notification", "contact", "test", "ops", check=False)
    assert tested.returncode != 0 and f"127.0.0.1:{dead}" in tested.stderr, tested.stderr
    for n in range(5):
        guesser = SipClient(server.sip_port, source=f"127.0.3.{n + 1}")
        challenge, uri = guesser.register("1001")
        guesser.register("1001", authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri))
        guesser.close()
    failed = server.wait_for_event("Notification Delivery Failed", timeout=15)
    assert failed[0]["fields"]["contact"] == "ops" and str(dead) in failed[0]["fields"]["reason"]
    time.sleep(3)  # further failed deliveries (every message fails) must not add events
    assert len(server.events("Notification Delivery Failed")) == 1
    phone = SipClient(server.sip_port, source="127.0.0.9")
    challenge, uri = phone.register("1001")
    answer, _ = phone.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))
    assert answer["status"] == 200, "the PBX keeps working"
    status = json.loads(server.cli("notification", "contact", "list", "--json").stdout)["contacts"][0]["status"]
    assert status["failing"] is True and status["failed"] >= 2 and status["delivered"] == 0


def test_the_catalogue_levels_and_switches_change_per_event_and_bad_input_changes_nothing(server_factory, webhook, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.api_token()
    catalogue = {e["name"]: e for e in json.loads(server.cli("notification", "event", "list", "--json").stdout)}
    for name in ["Web User Blocked Out", "Web User Login Success", "Web User Login Failed", "Administrator Login Success",
                 "API Authentication Blocked Out", "SIP Trunk Registration Failed", "SIP Trunk Re-registered", "Emergency Call Dialed Out",
                 "System Restore", "Backup Failed", "New Version Detected", "CPU Overload", "Memory Overload", "Insufficient Storage",
                 "Server Started", "Server Stopped", "Notification Delivery Failed"]:
        assert name in catalogue, name
    assert {e["type"] for e in catalogue.values()} == {"operations", "telephony", "system", "security"}
    assert {e["level"] for e in catalogue.values()} == {"information", "warning", "alert"}
    assert catalogue["Extension Registration Failed"]["level"] == "warning"
    before = server.cli("notification", "event", "list", "--json").stdout
    for args, expected in [
        (("notification", "event", "set", "No Such Event", "--level", "alert"), "no event is named"),
        (("notification", "event", "set", "Server Started", "--level", "loud"), "information, warning or alert"),
        (("notification", "contact", "add", "x", "--email", "x@example.com", "--webhook", webhook.url), "exactly one of"),
        (("notification", "contact", "add", "x", "--webhook", "http://example.com/hook"), "https://"),
        (("notification", "contact", "add", "x", "--syslog", "udp://h"), "udp://HOST:PORT"),
        (("notification", "interval", "5"), "10-3600"),
        (("events", "retention", "set", "--max-age-days", "0"), "maxAgeDays: must be 1-3650"),
        (("events", "retention", "set", "--max-age-days", "5000"), "maxAgeDays: must be 1-3650"),
        (("events", "retention", "set", "--max-age-days", "100", "--security-max-age-days", "50"), "not less than maxAgeDays"),
    ]:
        result = server.cli(*args, check=False)
        assert result.returncode != 0 and expected in result.stderr, (args, result.stderr)
    broken = tmp_path / "broken.mustache"
    broken.write_text("{{#ip}}never closed")
    result = server.cli("notification", "event", "set", "Server Started", "--template-file", str(broken), check=False)
    assert result.returncode != 0 and "does not parse" in result.stderr
    assert server.cli("notification", "event", "list", "--json").stdout == before, "refused changes change nothing"
    assert json.loads(server.cli("notification", "contact", "list", "--json").stdout)["contacts"] == []

    # Failed registrations raised to alert, and their notification switched off: logged as alerts, sent to nobody.
    server.cli("notification", "contact", "add", "chat", "--webhook", webhook.url)
    server.cli("notification", "event", "set", "Extension Registration Failed", "--level", "alert", "--notify", "off")
    shown = server.cli("notification", "event", "list").stdout
    assert re.search(r"Extension Registration Failed\s+security\s+alert \(default warning\)\s+off \(changed\)", shown), shown
    guesser = SipClient(server.sip_port, source="127.0.4.1")
    challenge, uri = guesser.register("1001")
    guesser.register("1001", authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri))
    guesser.close()
    assert server.wait_for_event("Extension Registration Failed")[0]["level"] == "alert"
    # Switched back on: the next one is sent (an alert now, which the contact receives).
    server.cli("notification", "event", "set", "Extension Registration Failed", "--notify", "on")
    guesser = SipClient(server.sip_port, source="127.0.4.2")
    challenge, uri = guesser.register("1001")
    guesser.register("1001", authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri))
    guesser.close()
    server.wait_for_event("Extension Registration Failed", lambda e: e["fields"]["ip"] == "127.0.4.2")
    deadline = time.time() + 10
    failures = []
    while time.time() < deadline and not failures:
        # Other alerts may come too (a busy machine's CPU Overload): only this kind is looked at.
        failures = [json.loads(b)["event"] for _, b, _ in webhook.received if json.loads(b)["event"]["name"] == "Extension Registration Failed"]
        time.sleep(0.05)
    assert [event["fields"]["ip"] for event in failures] == ["127.0.4.2"], "the one raised while switched off was not sent"
    assert failures[0]["level"] == "alert"
    security = json.loads(server.cli("events", "--type", "security", "--json").stdout)
    assert security and all(e["type"] == "security" for e in security)

    # Retention: security events outlive the others; what it removes is counted.
    server.cli("events", "retention", "set", "--max-age-days", "30", "--security-max-age-days", "400")
    report = json.loads(server.cli("events", "retention", "--json").stdout)
    assert report["retention"] == {"maxAgeDays": 30, "securityMaxAgeDays": 400, "maxEvents": 1000000}
    assert report["report"]["lastRun"] and report["report"]["totalRemoved"] == 0
    server.cli("events", "retention", "set", "--max-events", "1000")
    assert "removed in all: 0" in server.cli("events", "retention").stdout


class Phone:
    """Extension `number` on `host`: registers like a phone, then answers or refuses the PBX's calls on the same
    socket and counts the RTP that reaches its media port."""

    def __init__(self, server, number, host):
        self.number, self.host = number, host
        self.client = SipClient(server.sip_port, source=host)
        challenge, uri = self.client.register(number)
        answer, _ = self.client.register(number, authorization(number, strong_password(number), challenge_fields(challenge), uri))
        assert answer["status"] == 200
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind((host, 0))

    def close(self):
        self.client.close()
        self.media.close()

    def request(self, timeout):
        self.client.sock.settimeout(timeout)
        data, source = self.client.sock.recvfrom(65535)
        head, _, body = data.decode(errors="replace").partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        return {"method": lines[0].split(" ")[0], "headers": headers, "body": body, "source": source}

    def reply(self, request, status, reason, body="", tag="phone1"):
        h = request["headers"]
        lines = [f"SIP/2.0 {status} {reason}", *[f"Via: {v}" for v in h["via"]], f"From: {h['from'][0]}",
                 f"To: {h['to'][0]}" + ("" if "tag=" in h["to"][0] else f";tag={tag}"), f"Call-ID: {h['call-id'][0]}", f"CSeq: {h['cseq'][0]}",
                 f"Contact: <sip:{self.number}@{self.host}:{self.client.port}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines += [f"Content-Length: {len(body.encode())}", "", body]
        self.client.sock.sendto("\r\n".join(lines).encode(), request["source"])

    def ring(self, timeout=30):
        while True:
            request = self.request(timeout)
            if request["method"] == "INVITE":
                return request

    def refuse(self, invite):
        self.reply(invite, 486, "Busy Here")
        while self.request(5)["method"] != "ACK":
            pass

    @staticmethod
    def bye(invite, host, port):
        h = invite["headers"]
        return "\r\n".join([f"BYE {h['contact'][0].strip('<>')} SIP/2.0", f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bKbye{port};rport",
                            f"From: {h['to'][0]};tag=phone1", f"To: {h['from'][0]}", f"Call-ID: {h['call-id'][0]}", "CSeq: 1 BYE", "Max-Forwards: 70",
                            "Content-Length: 0", "", ""]).encode()

    def answer_and_listen(self, invite, packets=100, forged_from=None):
        """Answers, takes `packets` RTP packets, hangs up (BYE): answers (payload types, bytes heard, the BYE's answer).
        `forged_from`: halfway, a BYE with the call's Call-ID and tags from that address, which must not end the call."""
        port = self.media.getsockname()[1]
        sdp = f"v=0\r\no=phone 1 1 IN IP4 {self.host}\r\ns=-\r\nc=IN IP4 {self.host}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        self.reply(invite, 180, "Ringing")
        self.reply(invite, 200, "OK", sdp)
        while self.request(5)["method"] != "ACK":
            pass
        self.media.settimeout(5)
        types, audio = set(), b""
        for n in range(packets):
            if forged_from and n == packets // 2:
                attacker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                attacker.bind((forged_from, 0))
                attacker.settimeout(5)
                attacker.sendto(self.bye(invite, forged_from, attacker.getsockname()[1]), invite["source"])
                assert attacker.recv(65535).decode().startswith("SIP/2.0 481"), "a BYE from elsewhere is not the call's"
                attacker.close()
            data = self.media.recv(2048)
            types.add(data[1] & 0x7F)
            audio += data[12:]
        self.client.sock.sendto(self.bye(invite, self.host, self.client.port), invite["source"])
        self.client.sock.settimeout(5)
        data, _ = self.client.sock.recvfrom(65535)
        return types, audio, data.decode().split("\r\n")[0]


def test_a_contact_extension_is_called_and_hears_the_event_after_a_refused_first_call(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    server.api_token()
    phone = Phone(server, "1002", "127.0.0.30")
    try:
        server.cli("notification", "contact", "add", "duty", "--extension", "1002", "--retry-after", "5", "--ring-seconds", "10")
        # An attack: five wrong passwords for 1001 from 127.0.0.77 block it ("Extension Registration Blocked Out", an alert).
        guesser = SipClient(server.sip_port, source="127.0.0.77")
        for _ in range(5):
            challenge, uri = guesser.register("1001")
            guesser.register("1001", authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri))
        guesser.close()
        first = phone.ring()
        assert '"Portcullis"' in first["headers"]["from"][0] and "m=audio" in first["body"] and "RTP/AVP 0 8" in first["body"]
        phone.refuse(first)
        started = time.time()
        second = phone.ring()
        assert time.time() - started >= 4, "the retry waits retryAfter"
        assert second["headers"]["call-id"] != first["headers"]["call-id"]
        types, audio, bye = phone.answer_and_listen(second, forged_from="127.0.0.66")
        assert types == {0} and len(audio) == 100 * 160, "20 ms PCMU packets"
        assert len(set(audio)) > 50, "speech, not silence"
        assert bye == "SIP/2.0 200 OK", "the PBX ends its side when the person hangs up"
        deadline = time.time() + 10
        while time.time() < deadline:
            status = json.loads(server.cli("notification", "contact", "list", "--json").stdout)["contacts"][0]["status"]
            if status["delivered"] == 1:
                break
            time.sleep(0.1)
        assert status["delivered"] == 1 and status["failed"] == 0
        # A contact whose extension has no device: the test says so, and nothing is left ringing.
        server.cli("notification", "contact", "add", "nobody", "--extension", "1001", "--attempts", "1")
        result = server.cli("notification", "contact", "test", "nobody", check=False)
        assert result.returncode != 0 and "extension 1001 has no registered device" in result.stderr
        result = server.cli("notification", "contact", "add", "bad", "--extension", "12ab", check=False)
        assert result.returncode != 0 and "extension: must be an extension number" in result.stderr
    finally:
        phone.close()


class Provider(Phone):
    """A carrier's SIP server on 127.0.0.50: takes the trunk's REGISTER, challenges the first INVITE (407), checks
    the digest of the second, answers it and counts the RTP."""

    def __init__(self, password):
        self.number, self.host, self.password = "carrier", "127.0.0.50", password
        self.client = type("Socket", (), {})()
        self.client.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client.sock.bind((self.host, 0))
        self.client.port = self.client.sock.getsockname()[1]
        self.client.close = self.client.sock.close
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind((self.host, 0))

    def invite_after_challenge(self, timeout=30):
        """Answers REGISTERs; challenges an INVITE without credentials; returns the INVITE with them (checked) and its digest fields."""
        while True:
            request = self.request(timeout)
            if request["method"] == "REGISTER":
                self.reply(request, 200, "OK")
            elif request["method"] == "INVITE" and "proxy-authorization" not in request["headers"]:
                h = request["headers"]
                lines = ["SIP/2.0 407 Proxy Authentication Required", *[f"Via: {v}" for v in h["via"]], f"From: {h['from'][0]}",
                         f"To: {h['to'][0]};tag=prov", f"Call-ID: {h['call-id'][0]}", f"CSeq: {h['cseq'][0]}",
                         'Proxy-Authenticate: Digest realm="carrier.example", nonce="nonce-4711", algorithm=MD5', "Content-Length: 0", "", ""]
                self.client.sock.sendto("\r\n".join(lines).encode(), request["source"])
            elif request["method"] == "INVITE":
                fields = dict(re.findall(r'(\w+)="?([^",]+)"?', request["headers"]["proxy-authorization"][0][len("Digest "):]))
                md5 = lambda text: hashlib.md5(text.encode()).hexdigest()
                ha1, ha2 = md5(f"{fields['username']}:carrier.example:{self.password}"), md5(f"INVITE:{fields['uri']}")
                expected = md5(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}") if "qop" in fields else md5(f"{ha1}:{fields['nonce']}:{ha2}")
                return request, fields, fields["response"] == expected


def test_a_contact_mobile_is_called_through_the_outbound_route_the_extension_would_take(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    server.api_token()
    provider = Provider("Prov1der-Secret")
    try:
        server.cli("trunk", "add", "carrier", "--host", f"127.0.0.50:{provider.client.port}", "--username", "pbx-acct", "--password", "Prov1der-Secret")
        server.cli("route", "add", "mobiles", "--pattern", "07.", "--trunk", "carrier", "--extension", "1002")
        # 1001 may not use the route: a contact calling as 1001 is refused by the outbound policy, and says so.
        server.cli("notification", "contact", "add", "refused", "--mobile", "07700900123", "--as", "1001", "--attempts", "1")
        result = server.cli("notification", "contact", "test", "refused", check=False)
        assert result.returncode != 0 and "outbound policy refused it" in result.stderr and "does not permit extension 1001" in result.stderr
        server.cli("notification", "contact", "add", "oncall", "--mobile", "07700900123", "--as", "1002")
        tester = subprocess.Popen([str(BINARY), "notification", "contact", "test", "oncall", "--data-dir", str(server.data_dir)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        invite, digest, verified = provider.invite_after_challenge()
        assert verified and digest["username"] == "pbx-acct", "the trunk's credentials answered the provider's challenge"
        assert invite["headers"]["to"][0].startswith("<sip:07700900123@127.0.0.50")
        types, audio, bye = provider.answer_and_listen(invite, packets=50)
        assert types == {0} and len(set(audio)) > 50 and bye == "SIP/2.0 200 OK"
        out, err = tester.communicate(timeout=30)
        assert tester.returncode == 0 and "test message sent to oncall" in out, err
        # Without --as only routes open to every extension are used: "mobiles" is for 1002 alone.
        server.cli("notification", "contact", "add", "anyone", "--mobile", "07700900123", "--attempts", "1")
        result = server.cli("notification", "contact", "test", "anyone", check=False)
        assert result.returncode != 0 and "outbound policy refused it" in result.stderr, result.stderr
        result = server.cli("notification", "contact", "add", "x", "--mobile", "call-me", check=False)
        assert result.returncode != 0 and "mobile: must be a number" in result.stderr
    finally:
        provider.close()


def test_a_sipp_phone_registered_as_the_contact_takes_the_call_in_pcma_and_hangs_up(server_factory, tmp_path):
    from test_calls import phone, register_phone
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    server.api_token()
    port = register_phone(server, 1002, "127.0.0.20")
    # SIPp answers with PCMA only, waits a second and hangs up: the PBX must speak A-law and take the BYE.
    callee = phone("127.0.0.20", port, "callee_hangup.xml", tmp_path)
    server.cli("notification", "contact", "add", "duty", "--extension", "1002", "--attempts", "1")
    result = server.cli("notification", "contact", "test", "duty")
    assert "test message sent to duty" in result.stdout
    out, _ = callee.communicate(timeout=30)
    assert callee.returncode == 0, out[-2000:]


def test_syslog_over_tcp_is_octet_counted_and_over_tls_the_certificate_is_checked(server_factory, tmp_path):
    import ssl
    server = server_factory()
    server.start()
    server.api_token()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    received = []

    def accept(sock, wrap=None):
        while True:
            try:
                connection, _ = sock.accept()
            except OSError:
                return
            try:
                if wrap:
                    connection = wrap(connection)
                data = b""
                while chunk := connection.recv(65535):
                    data += chunk
                received.append(data)
            except (OSError, ssl.SSLError) as error:
                received.append(error)
            finally:
                connection.close()

    threading.Thread(target=accept, args=(listener,), daemon=True).start()
    server.cli("notification", "contact", "add", "siem", "--syslog", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    server.cli("notification", "contact", "test", "siem")
    deadline = time.time() + 10
    while time.time() < deadline and not received:
        time.sleep(0.05)
    length, _, line = received[0].decode().partition(" ")
    assert int(length) == len(line.encode()), "RFC 6587 octet counting"
    assert RFC5424.match(line) and "NotificationTest" in line and 'contact="siem"' in line
    listener.close()

    cert, key = tmp_path / "syslog.pem", tmp_path / "syslog.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    secure = socket.socket()
    secure.bind(("127.0.0.1", 0))
    secure.listen(4)
    received.clear()
    threading.Thread(target=accept, args=(secure, lambda c: context.wrap_socket(c, server_side=True)), daemon=True).start()
    server.cli("notification", "contact", "add", "tls", "--syslog", f"tls://127.0.0.1:{secure.getsockname()[1]}")
    # Several times: the refusal closes the connection at once, and the answer must still name the certificate.
    for _ in range(8):
        result = server.cli("notification", "contact", "test", "tls", check=False)
        assert result.returncode != 0 and "certificate" in result.stderr.lower(), f"a certificate no trusted CA signed is refused: {result.stderr}"
    assert not any(isinstance(data, bytes) and b"NotificationTest" in data for data in received), "nothing was sent in the clear or to it"
    secure.close()
