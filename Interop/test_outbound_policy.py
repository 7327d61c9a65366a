"""The outbound call policy end to end: extensions dial out through a SIPp provider (127.0.0.30, 127.0.0.31) and every
rule is checked on both sides of its boundary, with the SIP answer, the Warning, the call record and the events."""
import json
import random
import subprocess
import threading
import time

import pytest

from portcullis_harness import (PEERS, SipClient, ack, ack_answered, apply_config, authenticated_invite, end_answered, finished,
                                free_port, invite, strong_password)

# Bursts of calls: from the address the harness allowlists, so auto defense lets them through.
CALLER = "127.0.0.1"
PROVIDER = "127.0.0.30"
BACKUP = "127.0.0.31"


def sipp(*args):
    return ["sipp", *args, "-nostdin", "-timeout", "60s", "-timeout_error"]


def provider(source, calls, cwd=None):
    """SIPp's built-in answering UAS as a peer trunk's provider: answers `calls` INVITEs and takes their BYEs."""
    port = free_port(host=source)
    process = subprocess.Popen(sipp("-sn", "uas", "-i", source, "-p", str(port), "-m", str(calls)), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, cwd=cwd)
    return port, process


def configure(server, trunks, routes, outbound, extensions, inbound=()):
    """Applies extensions (number -> outbound rules), trunks, routes and the outbound section as one YAML file."""
    lines = ["extensions:"]
    for number, rules in extensions.items():
        lines.append(f'  - {{number: "{number}", password: {strong_password(number)}, outbound: {json.dumps(rules)}}}')
    lines += ["trunks: " + json.dumps(trunks), "routes: " + json.dumps(routes), "inboundRoutes: " + json.dumps(list(inbound)),
              "outbound: " + json.dumps(outbound)]
    result = apply_config(server, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr


def call_out(client, number, caller="1001", hang_up=True):
    """Dials as `caller`; an answered call is acknowledged and, with `hang_up`, ended. Returns the final response."""
    call_id = f"out-{random.getrandbits(48):x}"
    answer, uri, _ = authenticated_invite(client, number, caller=caller, call_id=call_id)
    if answer["status"] == 200:
        if hang_up:
            assert end_answered(client, answer, call_id)["status"] == 200
    else:
        ack(client, answer, uri)
    answer["call_id"] = call_id
    return answer


def warning(answer):
    return answer["headers"].get("warning", [""])[0]


def call_records(server, *call_ids, timeout=5):
    """The records of these calls, once the write-behind has stored them all."""
    deadline = time.time() + timeout
    while True:
        records = {record["callID"]: record for record in json.loads(server.cli("cdr", "list", "--json").stdout)}
        if all(call_id in records for call_id in call_ids):
            return [records[call_id] for call_id in call_ids]
        if time.time() > deadline:
            raise AssertionError(f"no call records for {[c for c in call_ids if c not in records]}")
        time.sleep(0.1)


ALWAYS = {day: ["00:00-24:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}

# One row per rule and boundary: caller, dialed, SIP status, the rule in the Warning and the CDR (allow: the route).
ROWS = [
    ("1001", "9020794600", 200, "route 'out'"),                       # national, no restriction
    ("1004", "9020794600", 403, "outbound-disabled"),                 # "Disable outbound calls"
    ("1003", "9020794600", 403, "outside-business-hours"),            # business hours never open
    ("1002", "9020794600", 200, "route 'out'"),                       # national is fine for a national-only extension
    ("1002", "900442079460000", 403, "international-disallowed"),     # "Disallow international calls"
    ("1001", "900442079460000", 200, "route 'out'"),                  # GB allowed
    ("1001", "900441481123456", 200, "route 'out'"),                  # +44 1481 is Guernsey: shares 44, allowed by code
    ("1001", "9004930123456", 403, "country-disallowed"),             # DE not allowed
    ("1001", "90012425550100", 200, "route 'out'"),                   # +1 242 Bahamas allowed
    ("1001", "90012125550100", 403, "country-disallowed"),            # +1 212 United States not allowed
    ("1001", "90900555555", 403, "blocked-number"),                   # 0900XXXXXX blocked
    ("1001", "90900123456", 200, "route 'out'"),                      # ... but this one is allowed
    ("1002", "8123", 200, "route 'managers'"),                        # the managers group may use the route
    ("1001", "8123", 403, "route-not-permitted"),                     # 1001 is no manager
    ("1001", "7123", 403, "route-closed"),                            # the route's time condition excludes now
    ("1001", "6123", 200, "route 'daytime'"),                         # a route open all week
    ("1001", "4123", 404, "no-route"),
    ("1004", "112", 200, "emergency"),                                # every restriction on, not permitted, blocked: goes out
]


def test_every_rule_allows_and_refuses_at_its_boundary(server_factory):
    server = server_factory()
    port, answering = provider(PROVIDER, sum(1 for row in ROWS if row[2] == 200))
    configure(server,
              trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}"}],
              inbound=[{"name": "main", "did": "442079460123", "extension": "1002"}],
              routes=[{"name": "emergency", "patterns": [{"pattern": "112", "strip": 1}], "trunks": ["carrier"], "extensions": ["1001"]},
                      {"name": "managers", "patterns": [{"pattern": "8."}], "trunks": ["carrier"], "groups": ["managers"]},
                      {"name": "night", "patterns": [{"pattern": "7."}], "trunks": ["carrier"], "hours": "never"},
                      {"name": "daytime", "patterns": [{"pattern": "6."}], "trunks": ["carrier"], "hours": "always"},
                      {"name": "out", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier"]}],
              outbound={"groups": [{"name": "managers", "extensions": ["1002"]}],
                        "timeConditions": [{"name": "business-hours", "timeZone": "Europe/London", "days": {}},
                                           {"name": "never", "days": {}}, {"name": "always", "timeZone": "Asia/Tokyo", "days": ALWAYS}],
                        "countries": {"allowed": ["GB", "BS"], "internationalPrefix": "00"},
                        "numbers": [{"pattern": "0900XXXXXX", "list": "blocked", "direction": "outbound"},
                                    {"pattern": "0900123456", "list": "allowed"}, {"pattern": "11X", "list": "blocked"},
                                    {"pattern": "44207123456X", "list": "blocked", "direction": "inbound"}],
                        "frequencyRules": [{"name": "default", "limits": [{"calls": 100, "seconds": 1}]}]},
              extensions={"1001": {}, "1002": {"disallowInternational": True}, "1003": {"disableOutsideBusinessHours": True},
                          "1004": {"disableOutbound": True, "disableOutsideBusinessHours": True, "disallowInternational": True}})
    server.start()
    client = SipClient(server.sip_port, source=CALLER)
    try:
        for caller, dialed, status, rule in ROWS:
            answer = call_out(client, dialed, caller=caller)
            record, = call_records(server, answer["call_id"])
            row = (caller, dialed)
            assert answer["status"] == status, (row, answer["status"], warning(answer))
            if status == 200:
                assert record["decision"] == "allow" and record["decisionReason"].startswith(rule), (row, record)
                assert record["disposition"] == "answered" and record["trunk"] == "carrier", (row, record)
                if rule == "emergency":  # the route strips a digit, but 112 must reach the carrier as 112
                    assert record["sent"] == dialed, (row, record)
            else:
                assert f'"{rule}: ' in warning(answer), (row, warning(answer))
                assert record["decision"] == "refuse" and record["decisionReason"].startswith(rule + ":"), (row, record)
                assert record["disposition"] == ("failed" if status == 404 else "refused"), (row, record)
    finally:
        client.close()
    code, output = finished(answering, timeout=30)
    assert code == 0, output
    events = {event["name"]: event for event in server.events()}
    emergency = server.events("Emergency Call Dialed Out")
    assert [(e["fields"]["extension"], e["fields"]["dialed"]) for e in emergency] == [("1004", "112")]
    disallowed = server.events("Outbound Call to a Disallowed Country")
    assert {e["fields"]["dialed"] for e in disallowed} == {"9004930123456", "90012125550100"}
    assert "Outbound Call to a Blocked Number" in events
    # Inbound: a blocked caller from the trunk is refused; another caller reaches the DID's extension (not registered: 480).
    trunk = SipClient(server.sip_port, source=PROVIDER)
    try:
        blocked, _ = invite(trunk, caller="442071234567", callee="442079460123")
        assert blocked["status"] == 403 and "blocked-number" in warning(blocked)
        other, _ = invite(trunk, caller="442079999999", callee="442079460123", call_id="inbound-2")
        assert other["status"] == 480
    finally:
        trunk.close()


def pin_scenario(tmp_path, tries, connected):
    """SIPp's short call as 1001 with RFC 2833 digits keyed after the PBX answers: each try's digits and #, a pause
    for the prompt. Connected: the caller hangs up after a second; else it waits for the PBX's BYE."""
    template = (PEERS / "call_short.xml").read_text()
    keys = []
    for digits in tries:
        for digit in list(digits) + ["pound"]:
            keys.append(f'  <nop><action><exec play_pcap_audio="pcap/dtmf_2833_{digit}.pcap"/></action></nop>\n  <pause milliseconds="300"/>')
        keys.append('  <pause milliseconds="1500"/>')
    if not connected:
        keys.pop()  # The PBX's goodbye and BYE follow the last try at once.
    scenario = template.replace("  <pause/>", "\n".join(keys) + ("\n  <pause milliseconds=\"1000\"/>" if connected else ""))
    if not connected:
        start = scenario.index('  <send retrans="500"><![CDATA[\n\n      BYE')
        end = scenario.index("  <ResponseTimeRepartition")
        scenario = scenario[:start] + """  <recv request="BYE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
""" + scenario[end:]
    path = tmp_path / f"pin-{len(tries)}-{connected}.xml"
    path.write_text(scenario)
    return path


def dial_with_pin(server, scenario, cwd):
    return subprocess.run(sipp("-sf", str(scenario), f"127.0.0.1:{server.sip_port}", "-i", CALLER, "-p", str(free_port(host=CALLER)),
                               "-au", "1001", "-ap", strong_password(1001), "-s", "3020794600", "-m", "1"),
                          capture_output=True, text=True, cwd=cwd)


def test_a_route_pin_is_keyed_as_dtmf_and_three_wrong_ones_end_the_call_and_lock(server_factory, tmp_path):
    (tmp_path / "pcap").symlink_to("/usr/share/sip-tester")
    server = server_factory()
    port, answering = provider(PROVIDER, 1)
    configure(server, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}"}],
              routes=[{"name": "pin", "patterns": [{"pattern": "3.", "strip": 1}], "trunks": ["carrier"],
                       "pin": {"mode": "list", "pins": [{"pin": "1357", "label": "alice"}, {"pin": "8642"}], "record": True}}],
              outbound={"pinLockout": {"failures": 4, "minutes": 10}}, extensions={"1001": {}})
    server.start()

    right = dial_with_pin(server, pin_scenario(tmp_path, ["2468", "1357"], connected=True), tmp_path)
    assert right.returncode == 0, right.stdout[-2000:]
    code, output = finished(answering, timeout=30)
    assert code == 0, "the provider got the call once the PIN was right: " + output
    records = json.loads(server.cli("cdr", "list", "--json").stdout)
    assert (records[0]["decision"], records[0]["pin"], records[0]["disposition"], records[0]["sent"]) == (
        "allow", "alice", "answered", "020794600"), records[0]

    wrong = dial_with_pin(server, pin_scenario(tmp_path, ["2468", "9753", "1234"], connected=False), tmp_path)
    assert wrong.returncode == 0, "three wrong PINs: the PBX hangs up\n" + wrong.stdout[-2000:]
    deadline = time.time() + 5
    while (record := json.loads(server.cli("cdr", "list", "--json").stdout)[0])["callID"] == records[0]["callID"] and time.time() < deadline:
        time.sleep(0.1)
    assert (record["decision"], record["decisionReason"], record["disposition"], record.get("answer")) == (
        "refuse", "wrong-pin: 3 wrong PINs for route 'pin'", "refused", None), record
    failed = server.wait_for_event("Outbound Call PIN Failed")[0]
    assert failed["fields"]["extension"] == "1001" and failed["fields"]["tries"] == "3"
    # Four wrong PINs within ten minutes (one in the first call, three here) lock the extension's outbound calls.
    locked = server.wait_for_event("Extension Outbound Calls Locked")[0]
    assert locked["fields"]["extension"] == "1001" and "4 wrong PINs" in locked["fields"]["reason"]
    assert [lock["extension"] for lock in json.loads(server.cli("outbound", "locks", "--json").stdout)] == ["1001"]
    client = SipClient(server.sip_port, source=CALLER)
    try:
        refused = call_out(client, "3020794600")
        assert refused["status"] == 403 and "extension-locked" in warning(refused)
    finally:
        client.close()
    assert all("1357" not in json.dumps(event) for event in server.events()), "no PIN in any event"


def concurrent_calls(server, callers):
    """All of `callers` (caller, number) dial at once from their own sockets; the sockets and the answers, in order."""
    return calls_through([(server, caller, number) for caller, number in callers])


def calls_through(attempts):
    """Each (server, caller, number) dials at once from a socket of its own (a cluster node is reached at its address)."""
    clients = [SipClient(server.sip_port, host=getattr(server, "address", "127.0.0.1"), source=CALLER) for server, _, _ in attempts]
    answers = [None] * len(attempts)

    def dial(index):
        _, caller, number = attempts[index]
        answers[index] = call_out(clients[index], number, caller=caller, hang_up=False)

    threads = [threading.Thread(target=dial, args=(index,)) for index in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return clients, answers


def hang_up_all(clients, answers):
    for client, answer in zip(clients, answers):
        if answer and answer["status"] == 200:
            assert end_answered(client, answer, answer["call_id"])["status"] == 200
        client.close()


def test_the_sixth_call_within_a_second_is_refused_and_a_locking_rule_locks(server_factory):
    server = server_factory()
    port, answering = provider(PROVIDER, 8)
    configure(server, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}"}],
              routes=[{"name": "out", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier"]}],
              outbound={"frequencyRules": [{"name": "default", "limits": [{"calls": 5, "seconds": 1}]},
                                           {"name": "strict", "limits": [{"calls": 1, "minutes": 10}], "lock": True},
                                           {"name": "per-minute", "limits": [{"calls": 5, "minutes": 1}]}]},
              extensions={"1001": {}, "1002": {"frequencyRule": "strict"}, "1003": {"frequencyRule": "per-minute"}})
    server.start()
    clients, answers = concurrent_calls(server, [("1001", "9020794600")] * 6)
    statuses = sorted(answer["status"] for answer in answers)
    hang_up_all(clients, answers)
    assert statuses == [200] * 5 + [403], statuses
    assert any("frequency-exceeded" in warning(answer) for answer in answers)
    exceeded = server.wait_for_event("Outbound Call Frequency Exceeded")[0]
    assert exceeded["fields"]["extension"] == "1001"
    # The limit is per second: a second later 1001 calls again.
    time.sleep(1.1)
    client = SipClient(server.sip_port, source=CALLER)
    try:
        assert call_out(client, "9020794600")["status"] == 200
        # 1002's rule locks: the second call in ten minutes is refused and the extension stays locked until unlocked.
        assert call_out(client, "9020794600", caller="1002")["status"] == 200
        second = call_out(client, "9020794600", caller="1002")
        assert second["status"] == 403 and "frequency-exceeded" in warning(second)
        assert server.wait_for_event("Extension Outbound Calls Locked")[0]["fields"]["extension"] == "1002"
        assert "extension-locked" in warning(call_out(client, "9020794600", caller="1002"))
        assert server.cli("outbound", "unlock", "1002").returncode == 0
        assert json.loads(server.cli("outbound", "locks", "--json").stdout) == []
        assert call_out(client, "9020794600", caller="1002")["status"] == 200
        # Refused attempts count too: five calls to a country not allowed, then a national call within the minute.
        refusals = [warning(call_out(client, "9004930123456", caller="1003")) for _ in range(5)]
        assert all("country-disallowed" in refusal for refusal in refusals), refusals
        sixth = call_out(client, "9020794600", caller="1003")
        assert sixth["status"] == 403 and "frequency-exceeded" in warning(sixth)
    finally:
        client.close()
    code, output = finished(answering, timeout=30)
    assert code == 0, output


def test_a_full_trunk_overflows_to_the_next_and_without_one_the_call_gets_503(server_factory):
    server = server_factory()
    port, answering = provider(PROVIDER, 3)
    backup_port, backup = provider(BACKUP, 1)
    configure(server, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}", "maxCalls": 2, "maxCallsDirection": "outbound"},
                              {"name": "backup", "host": f"{BACKUP}:{backup_port}"}],
              routes=[{"name": "both", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier", "backup"]},
                      {"name": "one", "patterns": [{"pattern": "8.", "strip": 1}], "trunks": ["carrier"]}],
              outbound={}, extensions={"1001": {}, "1002": {}, "1003": {}})
    server.start()
    first_clients, first = concurrent_calls(server, [("1001", "9020794600"), ("1002", "9020794601")])
    assert [answer["status"] for answer in first] == [200, 200]
    clients, third = concurrent_calls(server, [("1003", "9020794602")])
    assert third[0]["status"] == 200
    refused_clients, refused = concurrent_calls(server, [("1003", "8020794603")])
    assert refused[0]["status"] == 503 and "trunks-busy" in warning(refused[0])
    hang_up_all(clients, third)
    hang_up_all(first_clients, first)
    hang_up_all(refused_clients, refused)
    *answered, busy = call_records(server, *[answer["call_id"] for answer in first + third + refused])
    assert [record["trunk"] for record in answered] == ["carrier", "carrier", "backup"]
    assert busy["decisionReason"].startswith("trunks-busy:") and busy["disposition"] == "refused"
    # Once the calls are over the trunk takes calls again.
    again_clients, again = concurrent_calls(server, [("1001", "8020794604")])
    assert again[0]["status"] == 200
    hang_up_all(again_clients, again)
    for process in (answering, backup):
        code, output = finished(process, timeout=30)
        assert code == 0, output


def test_a_trunk_limit_counting_both_directions_refuses_an_inbound_call_while_full(server_factory):
    server = server_factory()
    port, answering = provider(PROVIDER, 1)
    configure(server, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}", "maxCalls": 1, "maxCallsDirection": "both"}],
              routes=[{"name": "out", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier"]}],
              inbound=[{"name": "main", "did": "442079460123", "extension": "1002"}], outbound={}, extensions={"1001": {}, "1002": {}})
    server.start()
    clients, calls = concurrent_calls(server, [("1001", "9020794600")])
    assert calls[0]["status"] == 200
    trunk = SipClient(server.sip_port, source=PROVIDER)
    try:
        full, _ = invite(trunk, caller="442071234567", callee="442079460123")
        assert full["status"] == 503 and "trunk 'carrier' is at its call limit" in warning(full)
        hang_up_all(clients, calls)
        # The outbound call has ended: the inbound call passes the limit and reaches 1002 (not registered: 480).
        after, _ = invite(trunk, caller="442071234567", callee="442079460123", call_id="inbound-after")
        assert after["status"] == 480
    finally:
        trunk.close()
    code, output = finished(answering, timeout=30)
    assert code == 0, output


def test_bad_policy_input_is_refused_with_its_reason_and_changes_nothing(server_factory):
    server = server_factory()
    configure(server, trunks=[{"name": "carrier", "host": "127.0.0.30:5060"}],
              routes=[{"name": "out", "patterns": [{"pattern": "9."}], "trunks": ["carrier"]}], outbound={}, extensions={"1001": {}})
    server.cli("outbound", "holiday", "add", "christmas", "--annual", "12-25")
    server.start()
    before = (server.cli("outbound", "show").stdout, server.cli("route", "list", "--json").stdout)
    for command, message in [
        (["outbound", "number", "block", "9.5"], "'.' may only end the pattern"),
        (["route", "add", "x", "--pattern", "5.", "--trunk", "carrier", "--pin", "12"], "a PIN must be 3-15 digits"),
        (["outbound", "country", "allow", "XY"], "'XY' is not a known ISO country code"),
        (["outbound", "holiday", "add", "xmas", "--date", "2027-12-25"], "holidays 'christmas' and 'xmas' overlap"),
        (["outbound", "holiday", "add", "feb", "--date", "2027-02-30"], "must be a real day"),
        (["outbound", "hours", "set", "business-hours", "--day", "monday=09:00-12:00,11:00-13:00"], "ranges overlap"),
        (["outbound", "hours", "set", "office", "--time-zone", "Mars/Olympus"], "unknown time zone"),
        (["outbound", "frequency", "remove", "default"], "frequency rule 'default' is needed"),
        (["route", "add", "y", "--pattern", "5.", "--trunk", "carrier", "--hours", "nowhere"], "no time condition 'nowhere'"),
        (["extension", "update", "1001", "--frequency-rule", "nosuch"], "no frequency rule named 'nosuch'"),
        (["trunk", "add", "t2", "--host", "127.0.0.31:5060", "--max-calls", "0"], "maxCalls must be 1-100000"),
    ]:
        result = server.cli(*command, check=False)
        assert result.returncode != 0 and message in result.stderr, (command, result.stderr)
    assert (server.cli("outbound", "show").stdout, server.cli("route", "list", "--json").stdout) == before
    status, _, body = server.api("PUT", "/api/v1/outbound-policy", {"countries": {"allowed": ["GB"], "prefix": "00"}})
    assert status == 400 and "prefix" in body["detail"]
    bad_yaml = apply_config(server, "outbound:\n  emergencyNumbers: [\"11a\"]\n  holidays: [{name: x, month: 13, weekday: monday, week: 1}]\n")
    assert bad_yaml.returncode != 0 and "emergency number '11a'" in bad_yaml.stderr and "month 1-12" in bad_yaml.stderr
    assert server.cli("outbound", "show").stdout == before[0]
    assert server.alive()


def test_an_extensions_own_duration_limit_ends_its_outbound_calls(server_factory):
    server = server_factory()
    port, answering = provider(PROVIDER, 2)
    configure(server, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{port}"}],
              routes=[{"name": "out", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier"]}],
              outbound={}, extensions={"1001": {"maxCallDuration": 2}, "1002": {}})
    server.start()
    client = SipClient(server.sip_port, source=CALLER)
    try:
        limited = call_out(client, "9020794600", hang_up=False)
        assert limited["status"] == 200
        ack_answered(client, limited, limited["call_id"])
        started = time.time()
        client.sock.settimeout(15)
        while not (data := client.sock.recvfrom(65535)[0]).startswith(b"BYE "):
            pass
        waited = time.time() - started
        lines = data.decode().split("\r\n")
        reply = ["SIP/2.0 200 OK"] + [line for line in lines if line.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
        client.send_raw("\r\n".join(reply + ["Content-Length: 0", "", ""]))
        # Not before its 2 s; the upper side only says it was this limit and not the global one (10800 s).
        assert 1.5 < waited < 15, f"the PBX hung up after {waited:.1f} s, the limit is 2 s"
        record, = call_records(server, limited["call_id"])
        assert (record["hangupSide"], record["cause"]) == ("pbx", "maximum call duration reached"), record
        # Without its own limit the global one applies: 1002's call is still up after three seconds.
        other = call_out(client, "9020794600", caller="1002", hang_up=False)
        ack_answered(client, other, other["call_id"])
        time.sleep(3)
        assert end_answered(client, other, other["call_id"], acknowledged=True)["status"] == 200
    finally:
        client.close()
    code, output = finished(answering, timeout=30)
    assert code == 0, output
