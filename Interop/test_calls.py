"""Calls through the B2BUA with real SIP peers: SIPp plays the phones. The caller dials from 127.0.0.10, callees
register from 127.0.0.20-21 and then answer, ring, refuse or hang up on the port they registered from."""
import json
import subprocess
import time
import urllib.request

import pytest

from portcullis_harness import (PEERS, SipClient, wait_bound, ack, apply_config, authenticated_invite, extensions_yaml, finished, free_port, invite,
                                invite_message, proxy_fields, authorization, strong_password)

CALLER = "127.0.0.10"


@pytest.fixture
def media_dir(tmp_path):
    """SIPp's call scenarios play the pcaps Debian's sip-tester installs, from ./pcap."""
    (tmp_path / "pcap").symlink_to("/usr/share/sip-tester")
    return tmp_path


def sipp(*args):
    return ["sipp", *args, "-nostdin", "-timeout", "40s", "-timeout_error"]


def register_phone(server, number, source, maximum=None, host="127.0.0.1", port=None):
    """Registers `number` with SIPp from source:port (a free port unless given) and returns the port; the phone then
    answers there."""
    port = port or free_port(host=source)
    result = subprocess.run(
        sipp("-sf", str(PEERS / "register_as.xml"), f"{host}:{server.sip_port}", "-i", source, "-p", str(port), "-s", str(number),
             "-au", str(number), "-ap", strong_password(number), "-m", "1"), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-1500:]
    return port


def phone(source, port, scenario, cwd, *extra, calls=1):
    """A SIPp callee on the port its extension registered from: `uas` is SIPp's built-in answering phone."""
    which = ["-sn", "uas"] if scenario == "uas" else ["-sf", str(PEERS / scenario)]
    process = subprocess.Popen(sipp(*which, "-i", source, "-p", str(port), "-m", str(calls), *extra), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, cwd=cwd)
    wait_bound(source, port)
    return process


def dial(server, callee, cwd, scenario="call_uac.xml", host="127.0.0.1"):
    return subprocess.run(
        sipp("-sf", str(PEERS / scenario), f"{host}:{server.sip_port}", "-i", CALLER, "-p", str(free_port(host=CALLER)),
             "-au", "1001", "-ap", strong_password(1001), "-s", str(callee), "-m", "1"), capture_output=True, text=True, cwd=cwd)


def pbx_with_callee(server_factory, media_dir, scenario, *phone_args, numbers=(1001, 1002), **config):
    """A started PBX with `numbers`, 1002 registered from 127.0.0.20 and a SIPp callee running `scenario` there."""
    server = server_factory()
    assert apply_config(server, extensions_yaml(list(numbers), **config)).returncode == 0
    server.start()
    port = register_phone(server, 1002, "127.0.0.20")
    callee = phone("127.0.0.20", port, scenario, media_dir, *phone_args)
    return server, port, callee


def call_records(server, count, timeout=5):
    """The newest `count` call records, oldest first, once the write-behind has stored them."""
    deadline = time.time() + timeout
    while True:
        records = json.loads(server.cli("cdr", "list", "--json").stdout)
        if len(records) >= count or time.time() > deadline:
            return list(reversed(records[:count]))
        time.sleep(0.2)


def test_an_extension_calls_another_and_either_side_hangs_up(server_factory, media_dir):
    server, port, callee = pbx_with_callee(server_factory, media_dir, "uas", "-rtp_echo")
    caller = dial(server, 1002, media_dir)
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee)[0] == 0, "the callee got the call, answered it and the caller's BYE"

    callee = phone("127.0.0.20", port, "callee_hangup.xml", media_dir)
    caller = dial(server, 1002, media_dir, scenario="call_wait_bye.xml")
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee)[0] == 0, "the callee's BYE reached the caller and was answered"
    first, second = call_records(server, 2)
    assert (first["caller"], first["callee"], first["disposition"], first["hangupSide"]) == ("1001", "1002", "answered", "caller")
    # The caller played a G.711 recording into the relay and the callee echoed it back through the relay.
    assert first["packetsFromCaller"] > 50 and first["packetsFromCallee"] > 50, first
    assert second["hangupSide"] == "callee" and second["answer"] and second["end"] >= second["answer"]
    csv = server.cli("cdr", "list", "--csv").stdout.splitlines()
    assert csv[0].startswith("id,call_id,caller,callee,dialed,") and len(csv) == 3


def test_busy_unreachable_unknown_and_bad_offers_get_their_answers(server_factory, media_dir):
    server, port, callee = pbx_with_callee(server_factory, media_dir, "callee_busy.xml", numbers=[1001, 1002, 1003])
    client = SipClient(server.sip_port, source=CALLER)
    try:
        answer, uri, branch = authenticated_invite(client, 1002)
        assert answer["status"] == 486
        ack(client, answer, uri)
        assert finished(callee)[0] == 0, "the callee's 486 was acknowledged by the PBX"
        assert authenticated_invite(client, 1003)[0]["status"] == 480, "exists, not registered"
        assert authenticated_invite(client, 1099)[0]["status"] == 404
        assert authenticated_invite(client, 1002, body=None)[0]["status"] == 488, "no offer"
        broken = authenticated_invite(client, 1002, body="this is not SDP\r\n")[0]
        assert broken["status"] == 488 and "SDP" in broken["headers"]["warning"][0]
        records = call_records(server, 5)
        assert [(r["callee"], r["disposition"]) for r in records] == [
            ("1002", "busy"), ("1003", "failed"), ("1099", "failed"), ("1002", "failed"), ("1002", "failed")]
        assert records[0]["cause"] == "486 Busy Here" and records[2]["cause"].startswith("404 Not Found")
        assert (records[2]["decision"], records[2]["decisionReason"]) == ("refuse", "no-route: no route matches 1099")
        assert "unreadable SDP" in records[4]["cause"]
    finally:
        client.close()


def test_a_callee_that_says_100_trying_first_is_connected(server_factory, media_dir):
    """Most phones (linphone among them) answer 100 Trying, 180 Ringing, 200 OK: the 100 must not end the call."""
    server, port, callee = pbx_with_callee(server_factory, media_dir, "callee_trying_answer.xml")
    caller = dial(server, 1002, media_dir)
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee)[0] == 0, "the callee was connected and got the caller's BYE"
    record = call_records(server, 1)[0]
    assert (record["disposition"], record["hangupSide"], record["cause"]) == ("answered", "caller", "BYE")


@pytest.mark.parametrize("scenario", ["callee_ring.xml", "callee_trying_ring.xml"])
def test_the_caller_cancels_before_the_answer(server_factory, media_dir, scenario):
    server, port, callee = pbx_with_callee(server_factory, media_dir, scenario)
    client = SipClient(server.sip_port, source=CALLER)
    try:
        challenge, uri = invite(client, callee=1002)
        message, _ = invite_message(client, authorization_header=authorization(
            "1001", strong_password(1001), proxy_fields(challenge), uri, method="INVITE"), branch="z9hG4bKcancelme")
        client.send_raw(message)
        statuses = []
        while 180 not in statuses:
            statuses.append(client.receive()["status"])
        cseq = client.cseq
        client.send_raw("\r\n".join([
            f"CANCEL {uri} SIP/2.0", f"Via: SIP/2.0/UDP {client.local}:{client.port};branch=z9hG4bKcancelme;rport",
            "From: <sip:1001@127.0.0.1>;tag=inv1001", f"To: <{uri}>", f"Call-ID: invite-{client.call_id}", f"CSeq: {cseq} CANCEL",
            "Max-Forwards: 70", "Content-Length: 0", "", ""]))
        answers = {client.receive()["status"] for _ in range(2)}
        assert answers == {200, 487}
        assert finished(callee)[0] == 0, "the callee saw the CANCEL, answered 487 and got the ACK"
        record = call_records(server, 1)[0]
        assert (record["disposition"], record["hangupSide"]) == ("cancelled", "caller") and "answer" not in record
    finally:
        client.close()


def test_an_unanswered_call_times_out_and_the_first_answer_wins(server_factory, media_dir):
    server, port, ringing = pbx_with_callee(server_factory, media_dir, "callee_ring.xml",
                                            extra="sip:\n  calls: {ringTimeout: 5}")
    client = SipClient(server.sip_port, source=CALLER)
    started = time.monotonic()
    answer, uri, branch = authenticated_invite(client, 1002)
    assert answer["status"] == 480 and 4.5 < time.monotonic() - started < 8
    ack(client, answer, uri)
    client.close()
    assert finished(ringing)[0] == 0, "the ringing phone was cancelled"
    record = call_records(server, 1)[0]
    assert (record["disposition"], record["cause"]) == ("no answer", "ring timeout")

    # Two devices: one only rings, the other answers; the ringing one is cancelled.
    server.cli("extension", "update", "1002", "--max-registrations", "2")
    other = register_phone(server, 1002, "127.0.0.21")
    ringing = phone("127.0.0.20", port, "callee_ring.xml", media_dir)
    answering = phone("127.0.0.21", other, "uas", media_dir)
    caller = dial(server, 1002, media_dir)
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(answering)[0] == 0
    assert finished(ringing)[0] == 0, "the device that lost the race got a CANCEL"


def test_a_call_at_its_maximum_duration_is_ended_on_both_legs(server_factory, media_dir):
    server, port, callee = pbx_with_callee(server_factory, media_dir, "uas",
                                            extra="sip:\n  calls: {maxDuration: 5}")
    started = time.monotonic()
    caller = dial(server, 1002, media_dir, scenario="call_wait_bye.xml")
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee)[0] == 0, "the callee got the PBX's BYE too"
    assert 4.5 < time.monotonic() - started < 10
    record = call_records(server, 1)[0]
    assert (record["hangupSide"], record["cause"]) == ("pbx", "maximum call duration reached")
    bad = apply_config(server, extensions_yaml([1001, 1002], extra="sip:\n  calls: {maxDuration: 0}"))
    assert bad.returncode != 0 and "sip.calls.maxDuration: must be 1-86400 seconds, got 0" in bad.stderr


PROVIDER = "127.0.0.30"


def test_calls_leave_through_a_trunk_and_arrive_by_did(server_factory, media_dir):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    provider_port = free_port(host=PROVIDER)
    server.cli("trunk", "add", "carrier", "--host", f"{PROVIDER}:{provider_port}", "--username", "pbx-acct", "--password", "Prov1der-Secret")
    server.cli("route", "add", "international", "--pattern", "9.", "--strip", "1", "--trunk", "carrier", "--extension", "1001")
    server.cli("outbound", "country", "allow", "GB")
    listed = json.loads(server.cli("trunk", "list", "--json").stdout)
    assert [{k: v for k, v in t.items() if k != "status"} for t in listed] == [
        {"name": "carrier", "host": f"{PROVIDER}:{provider_port}", "username": "pbx-acct", "maxCallsDirection": "both"}], "no password shown"

    # Out: the provider challenges the PBX, which answers with the trunk's credentials and sends the rewritten number.
    # The trunk also registers there (a second SIPp call, accepted as it is).
    provider = phone(PROVIDER, provider_port, "provider_uas.xml", media_dir, "-rtp_echo", calls=2)
    caller = dial(server, "900442079460000", media_dir)
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(provider)[0] == 0
    record = call_records(server, 1)[0]
    assert (record["dialed"], record["sent"], record["route"], record["trunk"], record["disposition"]) == (
        "900442079460000", "00442079460000", "international", "carrier", "answered")
    assert record["packetsFromCallee"] > 50, "the provider's echo came back through the relay"

    # In: the provider's address identifies the trunk; the DID picks the extension.
    server.cli("inbound-route", "add", "main", "--did", "442079460123", "--extension", "1002")
    port = register_phone(server, 1002, "127.0.0.20")
    callee = phone("127.0.0.20", port, "uas", media_dir)
    inbound = subprocess.run(sipp("-sf", str(PEERS / "trunk_call_uac.xml"), f"127.0.0.1:{server.sip_port}", "-i", PROVIDER,
                                  "-p", str(free_port(host=PROVIDER)), "-s", "442079460123", "-m", "1"), capture_output=True, text=True)
    assert inbound.returncode == 0, inbound.stdout[-1500:]
    assert finished(callee)[0] == 0
    record = call_records(server, 1)[0]
    assert (record["caller"], record["callee"], record["dialed"], record["trunk"], record["route"]) == (
        "442071234567", "1002", "442079460123", "carrier", "main")

    # A trunk reaches extensions only through inbound routes, never another trunk.
    client = SipClient(server.sip_port, source=PROVIDER)
    try:
        for number in ("900442079460000", "442079469999"):
            answer, _ = invite(client, caller="442071234567", callee=number)
            assert answer["status"] == 404, (number, answer["status"])
    finally:
        client.close()


def test_bad_trunks_and_routes_are_refused_and_change_nothing(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.cli("trunk", "add", "carrier", "--host", "127.0.0.30:5060")
    server.cli("route", "add", "local", "--pattern", "0[1-9]XXXXXXXX", "--trunk", "carrier")
    before = server.cli("route", "list", "--json").stdout
    for args, expected in (
        (["route", "add", "x", "--pattern", "9.5", "--trunk", "carrier"], "'.' may only end the pattern"),
        (["route", "add", "x", "--pattern", "9[a]", "--trunk", "carrier"], "a [set] holds digits"),
        (["route", "add", "x", "--pattern", "9.", "--trunk", "nowhere"], "no trunk named 'nowhere'"),
        (["route", "add", "x", "--pattern", "9.", "--trunk", "carrier", "--extension", "4444"], "no extension 4444"),
        (["route", "add", "x", "--pattern", "9.", "--trunk", "carrier", "--prepend", "12a"], "prepend must be"),
        (["route", "add", "local", "--pattern", "9.", "--trunk", "carrier"], "already exists"),
        (["trunk", "add", "bad", "--host", "no-port-here"], "host must be HOST:PORT"),
        (["trunk", "add", "bad", "--host", "127.0.0.1:5060", "--username", "only"], "both username and password"),
        (["trunk", "remove", "carrier"], "used by route(s) local"),
        (["inbound-route", "add", "in", "--did", "1234", "--extension", "9999"], "no extension 9999"),
    ):
        result = server.cli(*args, check=False)
        assert result.returncode != 0 and expected in result.stderr, (args, result.stderr)
    assert server.cli("route", "list", "--json").stdout == before
    assert [t["name"] for t in json.loads(server.cli("trunk", "list", "--json").stdout)] == ["carrier"]
    status, _, body = server.api("POST", "/api/v1/routes", {"name": "y", "patterns": [{"pattern": "!!"}], "trunks": ["carrier"]})
    assert status == 400 and "'!' may only end the pattern" in body["detail"]


def test_a_registration_trunk_registers_and_a_refusal_raises_an_event(server_factory, media_dir):
    server = server_factory()
    server.start()
    port = free_port(host=PROVIDER)
    provider = phone(PROVIDER, port, "provider_register.xml", media_dir)
    server.cli("trunk", "add", "carrier", "--host", f"{PROVIDER}:{port}", "--username", "pbx-acct", "--password", "Prov1der-Secret")
    assert finished(provider)[0] == 0
    registered = server.wait_for_event("SIP Trunk Registered", lambda e: e["fields"]["trunk"] == "carrier")
    assert registered[0]["fields"]["expires"] == "60"
    assert json.loads(server.cli("trunk", "list", "--json").stdout)[0]["status"] == "registered for 60 s"

    other = free_port(host=PROVIDER)
    provider = phone(PROVIDER, other, "provider_register.xml", media_dir)
    server.cli("trunk", "add", "wrong", "--host", f"{PROVIDER}:{other}", "--username", "pbx-acct", "--password", "Not-The-Secret")
    assert finished(provider)[0] == 0
    failed = server.wait_for_event("SIP Trunk Registration Failed", lambda e: e["fields"]["trunk"] == "wrong")[0]["fields"]
    assert failed["reason"] == "403 Forbidden" and "Not-The-Secret" not in json.dumps(server.events())
    statuses = {t["name"]: t["status"] for t in json.loads(server.cli("trunk", "list", "--json").stdout)}
    assert statuses["wrong"] == "failed: 403 Forbidden"


def health(server):
    with urllib.request.urlopen(f"{server.api_url}/healthz", timeout=2, context=server.tls_context()) as response:
        return json.loads(response.read())


def test_after_many_calls_nothing_is_left_open(server_factory, media_dir):
    """500 calls at 50/s from 127.0.0.1 (allow-listed: that load is far over the SIP auto-defense rate): afterwards
    no call, relay session or outstanding request is left once retransmissions are over (64*T1 = 32 s)."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    port = register_phone(server, 1002, "127.0.0.1")
    callee = phone("127.0.0.1", port, "uas", media_dir, calls=500)
    caller = subprocess.run(
        sipp("-sf", str(PEERS / "call_short.xml"), f"127.0.0.1:{server.sip_port}", "-i", "127.0.0.1", "-p", str(free_port()),
             "-au", "1001", "-ap", strong_password(1001), "-s", "1002", "-m", "500", "-r", "50", "-d", "100"), capture_output=True,
        text=True)
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee, timeout=60)[0] == 0
    during = health(server)
    assert during["mediaSessions"] == 0 and during["calls"] > 0, during
    deadline = time.time() + 45
    while time.time() < deadline and (health(server)["calls"] > 0 or health(server)["serverTransactions"] > 0):
        time.sleep(1)
    after = health(server)
    assert {state for listener in after.pop("listeners") for state in [listener["state"]]} == {"listening"}
    assert after | {"extensions": 0, "registrations": 0} == {
        "status": "ok", "extensions": 0, "registrations": 0, "calls": 0, "mediaSessions": 0, "pendingRequests": 0,
        "serverTransactions": 0}
    records = json.loads(server.cli("cdr", "list", "--json", "--limit", "1000").stdout)
    assert len(records) == 500 and {r["disposition"] for r in records} == {"answered"}


def test_re_invite_and_update_are_relayed_inside_the_call(server_factory, media_dir):
    server, port, callee = pbx_with_callee(server_factory, media_dir, "callee_reinvite.xml")
    caller = dial(server, 1002, media_dir, scenario="call_reinvite.xml")
    assert caller.returncode == 0, caller.stdout[-1500:]
    assert finished(callee)[0] == 0, "the hold offer reached the callee and its answer came back, then UPDATE and BYE"
