"""The attacks of the hardening review (issue 12), each sent as the attacker sent it, from its own 127.0.0.0/8
address, while a legitimate phone keeps working. Each test names the finding it covers."""
import json
import os
import resource
import socket
import sqlite3
import time

import pytest

from portcullis_harness import (SDP, Server, SipClient, ack_answered, apply_config, authenticated_invite, authorization, challenge_fields,
                                end_answered, extensions_yaml, finished, in_dialog, parse_response, strong_password)
from real_phones import Baresip, wait_until
from test_baresip_call import loudness, tone
from test_calls import call_records, media_dir, phone, register_phone  # noqa: F401 (media_dir is a fixture)


def attacker_socket(source, kind=socket.SOCK_DGRAM):
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind((source, 0))
    sock.settimeout(3)
    return sock


def options(via, call_id="attack"):
    return ("OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
            f"Via: {via}\r\n"
            f"From: <sip:probe@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def listeners(server):
    status, _, health = server.api("GET", "/healthz", token=None)
    return status, health


def test_finding_1_a_via_with_port_zero_does_not_close_the_udp_listener(server_factory):
    server = server_factory().start()
    attacker = attacker_socket("127.0.0.181")
    # No rport: the reply would go to the Via's port, 0, which no socket can send to.
    attacker.sendto(options("SIP/2.0/UDP 127.0.0.181:0;branch=z9hG4bKzero"), ("127.0.0.1", server.sip_port))
    answer = parse_response(attacker.recvfrom(65535)[0])
    assert answer["status"] == 400, "a sent-by port 0 is refused, and the refusal goes to the source port"
    phone = SipClient(server.sip_port)
    for _ in range(3):
        assert phone.options()["status"] == 200
    status, health = listeners(server)
    assert status == 200 and health["status"] == "ok"
    assert {(listener["transport"], listener["state"], listener["reopened"]) for listener in health["listeners"]} == {
        ("udp", "listening", 0), ("tcp", "listening", 0)}
    assert server.alive()


def test_finding_4_replies_tell_a_phone_behind_nat_its_public_address(server_factory):
    server = server_factory().start()
    phone = attacker_socket("127.0.0.182")
    port = phone.getsockname()[1]
    phone.sendto(options("SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport", call_id="nat"), ("127.0.0.1", server.sip_port))
    answer = parse_response(phone.recvfrom(65535)[0])
    assert answer["status"] == 200
    assert answer["headers"]["via"][0] == f"SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport={port};received=127.0.0.182"


def hold_connections(port, sources, per_source):
    """Opens and holds TCP connections from each source, as fast as it can; returns the open sockets. A connection
    the server refused is closed by it at once, which the caller sees later as EOF."""
    held = []
    for source in sources:
        for _ in range(per_source):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((source, 0))
            sock.settimeout(2)
            try:
                sock.connect(("127.0.0.1", port))
                held.append(sock)
            except OSError:
                sock.close()
    return held


def still_open(sockets, wait=1.0):
    """How many of the sockets the server has not closed (no EOF within `wait` seconds on the first, none after)."""
    time.sleep(wait)
    count = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            if sock.recv(1) == b"":
                continue
        except BlockingIOError:
            pass
        except OSError:
            continue
        count += 1
    return count


def metric(server, name, **labels):
    _, _, text = server.api("GET", "/metrics")
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.split()[-1])
    return total


def test_finding_2_held_connections_meet_caps_and_the_server_keeps_answering(server_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    # The reviewer's setup: `ulimit -n 1024` and 1,140 connections; SIP connections then get a quarter of it (256).
    server = server_factory(descriptor_limit=1024)
    server.start()
    sources = [f"127.0.1.{n}" for n in range(1, 39)]
    held = hold_connections(server.sip_port, sources, 30)
    try:
        assert len(held) == 1140
        assert server.alive()
        phone = SipClient(server.sip_port)
        assert phone.options()["status"] == 200, "SIP over UDP answers while the caps are held"
        status, health = listeners(server)
        assert status == 200 and health["status"] == "ok", "the admin API answers too"
        assert still_open(held) == 256, "exactly the total cap is held open"
        assert metric(server, "portcullis_connections_refused_total", service="sip", cap="total") >= 1140 - 256
        events = server.wait_for_event("Connection Limit Reached", lambda event: event["fields"]["cap"] == "total")
        assert len(events) == 1, "one event when the cap is reached, not one per refusal"
    finally:
        for sock in held:
            sock.close()
    # The places come back when the connections go.
    deadline = time.time() + 5
    while time.time() < deadline:
        fresh = hold_connections(server.sip_port, ["127.0.2.1"], 3)
        if still_open(fresh, 0.3) == 3:
            break
        for sock in fresh:
            sock.close()
    else:
        raise AssertionError("connections were not admitted again after the held ones closed")


def test_finding_2_one_source_meets_its_own_cap_on_sip_and_api(server_factory):
    # From the allow-listed 127.0.0.1: past the network guard's rate rule (which blocks a fast opener of any other
    # address at 40 connections), the cap still holds.
    server = server_factory().start()
    held = hold_connections(server.sip_port, ["127.0.0.1"], 100)
    api_held = []
    try:
        assert still_open(held) == 64
        assert server.wait_for_event("Connection Limit Reached", lambda e: e["fields"]["cap"] == "per-source"
                                     and e["fields"]["ip"] == "127.0.0.1" and e["fields"]["service"] == "sip")
        api_held = hold_connections(server.api_port, ["127.0.3.2"], 60)
        assert still_open(api_held) == 32
        assert server.wait_for_event("Connection Limit Reached", lambda e: e["fields"]["service"] == "api")
        other = hold_connections(server.sip_port, ["127.0.3.3"], 1)
        assert still_open(other) == 1, "another source still gets in"
        status, _ = listeners(server)
        assert status == 200
    finally:
        for sock in held + api_held:
            sock.close()


def test_finding_2_a_slow_header_and_a_silent_connection_are_cut_off(server_factory):
    server = server_factory()
    config = "sip:\n  connections: {messageTimeout: 2, idleTimeout: 4}\n"
    assert apply_config(server, config).returncode == 0
    server.start()
    slow = hold_connections(server.sip_port, ["127.0.4.1"], 1)[0]
    started = time.time()
    slow.settimeout(10)
    closed = None
    try:
        # A header that never ends, a byte every half second (each byte resets no clock).
        while time.time() - started < 10:
            slow.send(b"X")
            time.sleep(0.5)
    except OSError:
        closed = time.time() - started
    assert closed is not None, "a header that never ends was not cut off within 10 s (messageTimeout is 2)"
    idle = hold_connections(server.sip_port, ["127.0.4.2"], 1)[0]
    idle.sendall(options("SIP/2.0/TCP 127.0.4.2:5060;branch=z9hG4bKidle", call_id="idle"))
    idle.settimeout(10)
    assert idle.recv(65535).startswith(b"SIP/2.0 200")
    started = time.time()
    assert idle.recv(1) == b"", "closed by the server"
    assert time.time() - started > 3, "not before the idle timeout (4 s); the receive timeout bounds it above"
    bad = server_factory()
    assert apply_config(bad, "sip:\n  connections: {maxPerSource: 0, idleTimeout: 1}\n").returncode != 0


def test_finding_3_only_the_parties_of_a_call_may_end_or_move_it(server_factory, media_dir):
    """An answered call between 1001 (127.0.0.10) and 1002 (127.0.0.20). From 127.0.0.66 an attacker who learnt the
    Call-ID sends BYE with invented tags, BYE and re-INVITE with the real tags, and a CANCEL copying the INVITE's
    branch: each gets 481, the call and its audio path stay, and the attempts count towards the lockout."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    port = register_phone(server, 1002, "127.0.0.20")
    callee = phone("127.0.0.20", port, "callee_trying_answer.xml", media_dir)
    caller = SipClient(server.sip_port, source="127.0.0.10")
    attacker = SipClient(server.sip_port, source="127.0.0.66")
    call_id = f"invite-{caller.call_id}"
    try:
        answer, uri, branch = authenticated_invite(caller, 1002)
        assert answer["status"] == 200
        ack_answered(caller, answer, call_id)
        headers = answer["headers"]
        invented = in_dialog(attacker, answer, call_id, "BYE", 10).replace(headers["to"][0], "<sip:1002@127.0.0.1>;tag=guessed")
        assert attacker.transact(invented)["status"] == 481
        assert attacker.transact(in_dialog(attacker, answer, call_id, "BYE", 11))["status"] == 481, "right tags, wrong source"
        moved = in_dialog(attacker, answer, call_id, "INVITE", 12).replace(
            "Content-Length: 0", f"Content-Type: application/sdp\r\nContent-Length: {len(SDP)}") + SDP.replace("127.0.0.1", "127.0.0.66")
        assert attacker.transact(moved)["status"] == 481
        cancel = "\r\n".join([
            f"CANCEL {uri} SIP/2.0", f"Via: SIP/2.0/UDP 127.0.0.10:{caller.port};branch={branch};rport",
            "From: <sip:1001@127.0.0.1>;tag=inv1001", f"To: <{uri}>", f"Call-ID: {call_id}", f"CSeq: {caller.cseq} CANCEL",
            "Max-Forwards: 70", "Content-Length: 0", "", ""])
        assert attacker.transact(cancel)["status"] == 481, "a CANCEL copying branch and sent-by from elsewhere"
        _, health = listeners(server)
        assert health["calls"] == 1 and health["mediaSessions"] == 1, "the call is still up"
        # The log is written behind: wait until all three are in, not only the first.
        methods = lambda: {e["fields"].get("method") for e in server.events("Extension Registration Failed") if e["fields"]["ip"] == "127.0.0.66"}
        server.wait_until(lambda: methods() == {"BYE", "INVITE", "CANCEL"}, f"the attempts counted: {methods()}")
        assert end_answered(caller, answer, call_id, acknowledged=True)["status"] == 200
        assert finished(callee)[0] == 0, "the callee got the real caller's BYE and nothing else"
        record = call_records(server, 1)[0]
        assert (record["disposition"], record["hangupSide"]) == ("answered", "caller")
    finally:
        caller.close()
        attacker.close()


def test_finding_6_forged_nonces_count_and_a_flood_is_a_few_short_events(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    realm = challenge_fields(SipClient(server.sip_port).register("1001")[0])["realm"]
    sources = [f"127.0.5.{n}" for n in range(1, 21)]
    answered = {}
    for source in sources:
        client = SipClient(server.sip_port, source=source)
        client.sock.settimeout(0.5)
        answered[source] = 0
        for _ in range(8):
            client.cseq += 1
            try:
                client.send_raw(forged_message(client, realm))
                client.receive()
                answered[source] += 1
            except socket.timeout:
                pass
        client.close()
    assert all(count == 5 for count in answered.values()), answered
    blocked = server.wait_for_event("Extension Registration Blocked Out", lambda e: e["fields"]["ip"] in sources, timeout=10)
    assert {event["fields"]["ip"] for event in blocked} == set(sources)
    failures = [e for e in server.events("Extension Registration Failed") if e["fields"]["ip"] in sources]
    assert len(failures) == len(sources), "one event per source; the repeats wait for the summary"
    assert {e["fields"]["reason"] for e in failures} == {"invalid nonce"}
    assert all(len(e["fields"]["user_agent"]) <= 129 for e in failures), "8 KB of User-Agent is cut to 128 characters"
    phone = SipClient(server.sip_port)
    challenge, uri = phone.register("1001")
    assert phone.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))[0]["status"] == 200


def forged_message(client, realm):
    header = (f'Digest username="1001", realm="{realm}", nonce="{"0" * 64}", uri="sip:127.0.0.1:{client.server_port}", '
              f'response="{"0" * 32}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"')
    return "\r\n".join([
        f"REGISTER sip:127.0.0.1:{client.server_port} SIP/2.0",
        f"Via: SIP/2.0/UDP {client.local}:{client.port};branch=z9hG4bKforged{client.cseq};rport",
        f"From: <sip:1001@127.0.0.1>;tag=f{client.cseq}", "To: <sip:1001@127.0.0.1>", f"Call-ID: forged-{client.local}",
        f"CSeq: {client.cseq} REGISTER", f"Contact: <sip:1001@{client.local}:{client.port}>", "Expires: 60",
        "User-Agent: " + "A" * 8000, f"Authorization: {header}", "Content-Length: 0", "", ""])


def test_finding_9_an_algorithm_that_was_not_offered_is_refused(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001], extra="sip:\n  digestAlgorithms: [SHA-256]\n")).returncode == 0
    server.start()
    phone = SipClient(server.sip_port, source="127.0.6.1")
    challenge, uri = phone.register("1001")
    md5, _ = phone.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri, algorithm="MD5"))
    assert md5["status"] == 403, "MD5 was not offered"
    server.wait_for_event("Extension Registration Failed", lambda e: e["fields"].get("reason") == "unsupported algorithm")
    challenge, uri = phone.register("1001")
    sha, _ = phone.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri, algorithm="SHA-256"))
    assert sha["status"] == 200


def test_finding_7_a_flood_from_a_trunks_address_is_an_alert_not_a_block(server_factory):
    """45 UDP packets 'from' a configured trunk (source addresses over UDP are easy to forge) used to block the trunk,
    and the fourth time for good. Now they raise an alert and the trunk stays reachable."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.cli("trunk", "add", "carrier", "--host", "127.0.7.1:5060")
    server.start()
    spoofed = SipClient(server.sip_port, source="127.0.7.1")
    spoofed.sock.settimeout(0.5)
    for _ in range(100):
        spoofed.send_raw(spoofed.options_message())
    answered = 0
    try:
        while True:
            spoofed.receive()
            answered += 1
    except socket.timeout:
        pass
    assert answered == 100, "nothing from the trunk's address was dropped"
    for _ in range(6):
        challenge, uri = spoofed.register("1001")
        spoofed.register("1001", authorization("1001", "wrong", challenge_fields(challenge), uri))
    alert = server.wait_for_event("Auto Defense IP Blocked Out", lambda e: e["fields"]["source"] == "127.0.7.1")
    assert alert[0]["fields"]["action"].startswith("not blocked")
    assert json.loads(server.cli("block", "list", "--json").stdout) == []
    assert spoofed.probe()["status"] == 200
    # Another address doing the same is blocked, as before.
    other = SipClient(server.sip_port, source="127.0.7.2")
    for _ in range(60):
        other.send_raw(other.options_message())
    server.wait_for_event("Auto Defense IP Blocked Out", lambda e: e["fields"]["source"] == "127.0.7.2" and e["fields"]["action"] == "blocked")


def test_finding_8_a_yaml_alias_bomb_is_refused_whole(server_factory):
    """28 KB: an anchor and an alias repeated 2,000 times (it took 276 s of CPU, 1.45 GB and a 216 MB answer)."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    agents = ",".join(['"abcdefgh"'] * 50)
    bomb = f"sip:\n  scanners: &a {{userAgents: [{agents}]}}\nextensions:\n" + "\n".join(
        f'  - {{number: "{2000 + n}", password: Tqbaaa7Zr9x, x: *a}}' for n in range(2000))
    status, _, problem = server.api("PUT", "/api/v1/config", bomb, content_type="application/yaml")
    assert status == 422 and "anchors and aliases" in json.dumps(problem), (status, problem)
    assert len(json.dumps(problem)) < 2000
    offline = apply_config(server, bomb, name="bomb.yaml")
    assert offline.returncode != 0 and "anchors and aliases" in offline.stderr
    assert [e["number"] for e in json.loads(server.cli("extension", "list", "--json").stdout)] == ["1001"], "nothing changed"
    assert SipClient(server.sip_port).options()["status"] == 200


def corrupt(server, sql, *arguments):
    with sqlite3.connect(server.data_dir / "portcullis.sqlite") as db:
        db.execute(sql, arguments)


def test_finding_10_an_unreadable_record_never_widens_access(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.cli("extension", "update", "1001", "--permit", "10.0.0.0/8")
    corrupt(server, "UPDATE extension SET policy = ? WHERE number = ?", '{"permittedNetworks": [', "1001")
    with pytest.raises(AssertionError, match="extension 1001"):
        server.start()
    assert not server.alive(), "it refuses to start rather than let 1001 register from anywhere"
    server.cli("extension", "remove", "1001")
    # Unreadable outbound locks: which extensions were locked is unknown, so all are, with an alert.
    corrupt(server, "INSERT INTO setting (key, value) VALUES ('outbound.locks', 'not json') "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    restarted = server_factory(data_dir=server.data_dir).start()
    locks = json.loads(restarted.cli("outbound", "locks", "--json").stdout)
    assert [lock["extension"] for lock in locks] == ["1002"]
    restarted.wait_for_event("Extension Outbound Calls Locked", lambda e: e["fields"]["extension"] == "all")
    restarted.cli("outbound", "unlock", "1002")
    assert json.loads(restarted.cli("outbound", "locks", "--json").stdout) == []


def raw_http(server, request):
    """One hand-written request over the admin listener's TLS, and the head of its answer."""
    with socket.create_connection(("127.0.0.1", server.api_port)) as plain, server.tls_context().wrap_socket(plain, server_hostname="127.0.0.1") as sock:
        sock.sendall(request)
        sock.settimeout(10)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received.decode(errors="replace")


def test_finding_14_the_admin_listener_keeps_its_hygiene(server_factory):
    server = server_factory()
    os.makedirs(server.data_dir, exist_ok=True)
    os.chmod(server.data_dir, 0o755)
    server.start()
    assert os.stat(server.data_dir).st_mode & 0o777 == 0o700, "an existing data directory is made owner-only"
    token = server.api_token()
    # DNS rebinding: a page on evil.example whose name now points here sends its own Host.
    rebinding = raw_http(server, b"POST /api/v1/setup HTTP/1.1\r\nHost: evil.example:8088\r\nContent-Type: application/json\r\n"
                                          b"Content-Length: 2\r\n\r\n{}")
    assert rebinding.startswith("HTTP/1.1 421")
    # A cross-site form posts text/plain: not an operation.
    form = raw_http(server, b"POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                                     b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n")
    assert form.startswith("HTTP/1.1 415")
    big = b"{\"name\": \"" + b"x" * (2 << 20) + b"\"}"
    status, _, problem = server.api("POST", "/api/v1/tokens", big.decode())
    assert status == 413 and problem["type"].endswith("too-large"), (status, problem)
    status, headers, _ = server.api("GET", "/api/v1/tokens")
    assert status == 200 and headers.get("Cache-Control") == "no-store"
    # A non-loopback listener is fine now: it speaks HTTPS only, so tokens never cross the network in clear.
    probe = Server()
    environment = {"PORTCULLIS_DATA_DIR": str(probe.data_dir), "PORTCULLIS_SIP_LISTEN": f"127.0.0.1:{probe.sip_port}",
                   "PORTCULLIS_API_LISTEN": f"0.0.0.0:{probe.api_port}"}
    exposed = server_factory(data_dir=probe.data_dir, environment=environment)
    exposed.sip_port, exposed.api_port = probe.sip_port, probe.api_port
    exposed.start()
    assert f"admin API on https://0.0.0.0:{probe.api_port}" in "".join(exposed.output)
    deadline = time.time() + 10
    while True:
        try:
            plain = socket.create_connection(("127.0.0.1", probe.api_port), timeout=10)
            break
        except OSError:
            assert time.time() < deadline, "the admin API did not start"
            time.sleep(0.05)
    with plain:
        plain.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            answer = plain.recv(4096)
        except ConnectionResetError:
            answer = b""
        # Plain HTTP on the HTTPS port only learns where to go: a redirect to HTTPS, no body, nothing served.
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 301") and f"Location: https://127.0.0.1:{probe.api_port}/healthz".encode() in head, answer
        assert body == b"" and b"status" not in answer


def test_finding_12_exports_hold_no_credentials_unless_asked_and_realms_differ(server_factory):
    first = server_factory()
    assert apply_config(first, extensions_yaml([1001])).returncode == 0
    exported = first.cli("config", "export").stdout
    assert "ha1" not in exported and "1001" in exported
    with_secrets = first.cli("config", "export", "--include-secrets").stdout
    assert "ha1:" in with_secrets and "md5:" in with_secrets
    # Trunk passwords are sealed and route PINs fingerprinted under a key file outside the database.
    first.cli("trunk", "add", "carrier", "--host", "127.0.8.1:5060", "--username", "acct", "--password", "Prov1der-Secret")
    # PINs of 15 digits (the longest allowed): four digits can turn up in the file's bytes or timestamps by chance.
    first.cli("route", "add", "abroad", "--pattern", "900.", "--strip", "1", "--trunk", "carrier", "--pin-entry",
              "471158203946117:alice", "--pin-entry", "864209175530284")
    database = (first.data_dir / "portcullis.sqlite").read_bytes() + (first.data_dir / "portcullis.sqlite-wal").read_bytes() \
        if (first.data_dir / "portcullis.sqlite-wal").exists() else (first.data_dir / "portcullis.sqlite").read_bytes()
    assert b"Prov1der-Secret" not in database and b"471158203946117" not in database and b"864209175530284" not in database
    assert (first.data_dir / "secrets.key").stat().st_mode & 0o777 == 0o600
    shown = first.cli("route", "list", "--json").stdout + first.cli("config", "export").stdout
    assert "471158203946117" not in shown and "864209175530284" not in shown and "hmac-sha256:" in shown
    first.start()
    second = server_factory().start()
    realms = {challenge_fields(SipClient(server.sip_port).register("1001")[0])["realm"] for server in (first, second)}
    assert len(realms) == 2 and all(realm.startswith("portcullis-") for realm in realms), realms


def test_a_call_keeps_its_audio_and_a_phone_keeps_registering_while_the_attacks_run(server_factory, tmp_path):
    """Two baresip phones talk through the relay while the review's attacks arrive from other addresses: a Via with
    port 0, 300 held connections, a flood of forged nonces, a flood from a trunk's address, a YAML alias bomb. The
    call must end with audio both ways, and a third phone registers throughout."""
    server = server_factory()
    extra = "trunks:\n  - {name: carrier, host: \"127.0.9.1:5060\"}\n"
    assert apply_config(server, extensions_yaml([1001, 1002, 1003], extra=extra)).returncode == 0
    server.start()
    tone(tmp_path / "low.wav", 440)
    tone(tmp_path / "high.wav", 1000)
    callee = Baresip(server, 1002, "udp", tmp_path, tmp_path / "high.wav", seconds=40)
    held = []
    try:
        callee.registered()
        caller = Baresip(server, 1001, "udp", tmp_path, tmp_path / "low.wav", dial=f"/dial sip:1002@127.0.0.1:{server.sip_port}",
                         seconds=20)
        wait_until(lambda: server.api("GET", "/healthz", token=None)[2]["mediaSessions"] == 1, 15, "the call is up")
        phone = SipClient(server.sip_port, source="127.0.9.50")
        attacker = attacker_socket("127.0.9.2")
        attacker.sendto(options("SIP/2.0/UDP 127.0.9.2:0;branch=z9hG4bKzero"), ("127.0.0.1", server.sip_port))
        held = hold_connections(server.sip_port, [f"127.0.10.{n}" for n in range(1, 11)], 30)
        for n in range(1, 11):
            forger = SipClient(server.sip_port, source=f"127.0.11.{n}")
            for _ in range(8):
                forger.cseq += 1
                forger.send_raw(forged_message(forger, "x"))
            forger.close()
        spoofed = SipClient(server.sip_port, source="127.0.9.1")
        for _ in range(100):
            spoofed.send_raw(spoofed.options_message())
        bomb = "sip:\n  scanners: &a {userAgents: [abcd]}\nextensions:\n" + "\n".join(
            f'  - {{number: "{3000 + n}", password: Tqbaaa7Zr9x, x: *a}}' for n in range(2000))
        assert server.api("PUT", "/api/v1/config", bomb, content_type="application/yaml")[0] == 422
        for _ in range(3):
            challenge, uri = phone.register("1003")
            assert phone.register("1003", authorization("1003", strong_password(1003), challenge_fields(challenge), uri))[0]["status"] == 200
        caller.process.wait(timeout=40)
        caller.wait_for("Call established", timeout=1)
    finally:
        for sock in held:
            sock.close()
        callee.stop()
    assert caller.heard() and callee.heard()
    assert loudness(caller.heard()[0]) > 1000 and loudness(callee.heard()[0]) > 1000, "audio went both ways throughout"
    status, health = listeners(server)
    assert status == 200 and all(listener["state"] == "listening" for listener in health["listeners"])
