"""Password guessing meets the registration lockout: SIPVicious' svcrack is blocked at the fifth failure and never
finds the password; a guess spread over 50 addresses locks the account for everyone who never registered it;
the office phone keeps registering through both."""
import json
import random
import re
import subprocess

from portcullis_harness import (PEERS, SipClient, apply_config, authorization, challenge_fields, extensions_yaml,
                                free_port, invite, proxy_fields, strong_password)

PHONE = "127.0.0.10"


def register(server, user, password, source, user_agent="interop-test", username=None):
    """A full digest registration of extension `user` from source, authenticating as `username` (default: user): the
    final status code."""
    client = SipClient(server.sip_port, source=source)
    try:
        challenge, uri = client.register(user, user_agent=user_agent)
        if challenge["status"] != 401:
            return challenge["status"]
        answer, _ = client.register(user, authorization(username or user, password, challenge_fields(challenge), uri),
                                    user_agent=user_agent)
        return answer["status"]
    finally:
        client.close()


def start_phone(server, tmp_path, count, rate):
    return subprocess.Popen(
        ["sipp", "-sf", str(PEERS / "register_uac.xml"), f"127.0.0.1:{server.sip_port}", "-i", PHONE,
         "-p", str(free_port(host=PHONE)), "-au", "1001", "-ap", strong_password(1001), "-m", str(count), "-r", str(rate),
         "-nostdin", "-timeout", "90s", "-timeout_error"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)


def test_svcrack_is_blocked_at_the_fifth_failure_and_never_finds_the_password(server_factory, tmp_path):
    # sipvicious 0.3.4's svcrack ignores its --bindingip, so it attacks from 127.0.0.1: keep that off the allow list.
    # Its User-Agent would get it dropped at the first packet; switch that off to test the failure threshold.
    server = server_factory(allow_loopback=False)
    assert apply_config(server, extensions_yaml([1001], extra="sip:\n  scanners: {action: \"off\"}\n")).returncode == 0
    server.start()
    phone = start_phone(server, tmp_path, count=20, rate=1)
    words = tmp_path / "words.txt"
    words.write_text("".join(f"Guess-{n}-Pass\n" for n in range(300)) + strong_password(1001) + "\n")
    crack = subprocess.run(["sipvicious_svcrack", "-u", "1001", "-d", str(words), "-p", str(server.sip_port), "127.0.0.1"],
                           capture_output=True, text=True, timeout=180)
    assert strong_password(1001) not in crack.stdout + crack.stderr
    assert "found nothing" in crack.stdout + crack.stderr
    blocks = json.loads(server.cli("block", "list", "--json").stdout)
    assert [(b["source"], b["defenseType"], b["rule"], b["service"]) for b in blocks] == [
        ("127.0.0.1", "extension registration", "registration failures", "sip")]
    event = server.wait_for_event("Extension Registration Blocked Out")[0]["fields"]
    assert event["account"] == "1001" and event["attempts"] == "5" and event["userAgent"] == "friendly-scanner"
    assert event["port"] == str(server.sip_port) and event["limit"].startswith("5 failures / 60s")
    failed = [e for e in server.events("Extension Registration Failed") if e["fields"].get("ip") == "127.0.0.1"]
    assert len(failed) == 1, "the repeated failures are one event (and a summary with their count when the minute ends)"
    _, _, metrics = server.api("GET", "/metrics", token=server.api_token())
    counted = [line for line in metrics.splitlines() if line.startswith('portcullis_registrations_total{result="failed"}')]
    assert counted and float(counted[0].split()[-1]) == 5, "guesses after the block reached the registrar"
    out, _ = phone.communicate(timeout=120)
    assert phone.returncode == 0, out[-2000:]


def test_distributed_guessing_locks_the_account_but_not_its_phone(server_factory, tmp_path):
    server = server_factory()
    # The phone registers from two ports here (two contacts): allow it two devices.
    assert apply_config(server, 'extensions:\n  - {number: "1001", password: %s, maxRegistrations: 3}\n' % strong_password(1001)).returncode == 0
    server.start()
    assert register(server, "1001", strong_password(1001), PHONE) == 200
    for host in range(1, 51):
        status = register(server, "1001", f"Wrong-Guess-{host}", f"127.0.1.{host}")
        assert status == 403
    locked = server.wait_for_event("Extension Registration Locked")[0]["fields"]
    assert locked["account"] == "1001" and locked["attempts"] == "20" and locked["rule"] == "distributed guessing"
    # No single address crossed its own threshold.
    assert json.loads(server.cli("block", "list", "--json").stdout) == []
    # Even the right password is refused from an address that never registered 1001 ...
    assert register(server, "1001", strong_password(1001), "127.0.1.60") == 403
    server.wait_for_event("Extension Registration Failed",
                          lambda e: e["fields"].get("reason") == "account locked after distributed guessing")
    # ... while the phone that did keeps registering.
    phone = start_phone(server, tmp_path, count=5, rate=2)
    out, _ = phone.communicate(timeout=60)
    assert phone.returncode == 0, out[-2000:]
    assert register(server, "1001", strong_password(1001), PHONE) == 200


def test_unknown_users_count_like_wrong_passwords(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    statuses = [register(server, f"77{n}", "Wrong-Pass-123", "127.0.2.1") for n in range(5)]
    assert statuses == [403] * 5
    assert [b["source"] for b in json.loads(server.cli("block", "list", "--json").stdout)] == ["127.0.2.1"]
    client = SipClient(server.sip_port, source="127.0.2.1")
    assert client.probe() is None
    client.close()
    assert register(server, "1001", strong_password(1001), "127.0.2.2") == 200


def test_the_thresholds_are_configuration(server_factory, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    config = extensions_yaml([1001], extra="sip:\n  lockout: {failuresPerSource: 2, window: 30, blockDuration: 60}\n")
    assert apply_config(server, config).returncode == 0
    assert [register(server, "1001", "Wrong-Pass-123", "127.0.3.1") for _ in range(2)] == [403, 403]
    assert [b["source"] for b in json.loads(server.cli("block", "list", "--json").stdout)] == ["127.0.3.1"]
    bad = apply_config(server, extensions_yaml([1001], extra="sip:\n  lockout: {failuresPerSource: 0}\n"))
    assert bad.returncode != 0 and "sip.lockout.failuresPerSource: must be 1-1000, got 0" in bad.stderr
    exported = server.cli("config", "export").stdout
    assert "failuresPerSource: 2" in exported


def test_weak_secrets_are_refused_with_every_broken_rule(server_factory, tmp_path):
    server = server_factory()
    server.start()
    result = server.cli("extension", "add", "4321", "--password", "pass4321word", "--name", "Bob", check=False)
    assert result.returncode != 0
    for rule in ("upper-case letter", "run of 4 repeated or consecutive digits ('4321')", "extension number"):
        assert rule in result.stderr, result.stderr
    status, _, body = server.api("POST", "/api/v1/extensions", {"number": "2002", "name": "Carol", "password": "CarolXyz12"})
    assert status == 400 and any("must not contain the name 'Carol'" in p for p in body["problems"])
    bad = apply_config(server, "extensions:\n  - {number: \"3003\", password: Abcdef1111gh}\n")
    assert bad.returncode != 0 and "extensions[0].password: must not contain a run of 4 repeated or consecutive digits" in bad.stderr
    assert json.loads(server.cli("extension", "list", "--json").stdout) == []


def test_svwar_finds_no_extension_and_scanners_are_dropped_at_the_first_packet(server_factory, tmp_path):
    server = server_factory(allow_loopback=False)
    assert apply_config(server, extensions_yaml(range(1000, 1010))).returncode == 0
    server.start()
    scan = subprocess.run(["sipvicious_svwar", "-e1000-1099", "-p", str(server.sip_port), "127.0.0.1"],
                          capture_output=True, text=True, timeout=120)
    assert "found nothing" in scan.stdout + scan.stderr, scan.stdout + scan.stderr
    for number in range(1000, 1010):
        assert f"| {number}" not in scan.stdout
    block = json.loads(server.cli("block", "list", "--json").stdout)[0]
    assert block["source"] == "127.0.0.1" and block["rule"] == "scanner user agent"
    event = server.wait_for_event("Extension Registration Blocked Out")[0]["fields"]
    assert event["userAgent"] == "friendly-scanner" and event["reason"] == "scanner user agent 'friendly-scanner'"
    # A phone elsewhere is untouched, and asking the scanner's way from another address gets no answer either.
    assert register(server, "1001", strong_password(1001), PHONE) == 200
    client = SipClient(server.sip_port, source="127.0.0.31")
    client.send_raw(client.options_message().replace("Content-Length: 0", "User-Agent: sipcli/v1.8\r\nContent-Length: 0"))
    client.sock.settimeout(1)
    try:
        client.receive()
        raise AssertionError("a scanner's request was answered")
    except TimeoutError:
        pass
    finally:
        client.close()
    assert "127.0.0.31" in {b["source"] for b in json.loads(server.cli("block", "list", "--json").stdout)}


def register_as(server, user, source, user_agent="interop-test"):
    return register(server, user, strong_password(int(user)), source, user_agent)


def test_a_second_device_is_refused_by_default_and_accepted_with_a_limit_of_two(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    assert register_as(server, "1001", "127.0.6.1") == 200
    assert register_as(server, "1001", "127.0.6.2") == 403
    assert len(server.registrations()) == 1
    server.wait_for_event("Extension Registration Failed", lambda e: "device" in e["fields"].get("reason", ""))
    server.cli("extension", "update", "1001", "--max-registrations", "2")
    assert register_as(server, "1001", "127.0.6.2") == 200
    assert len(server.registrations()) == 2
    assert register_as(server, "1001", "127.0.6.3") == 403
    server.cli("extension", "update", "1001", "--enable-replace-oldest")
    assert register_as(server, "1001", "127.0.6.3") == 200
    assert sorted(r["source"].split(":")[1] for r in server.registrations()) == ["127.0.6.2", "127.0.6.3"]


def test_user_agent_and_network_restrictions(server_factory):
    server = server_factory()
    config = ('extensions:\n'
              f'  - {{number: "1001", password: {strong_password(1001)}, userAgents: ["Yealink SIP-T4"]}}\n'
              f'  - {{number: "1002", password: {strong_password(1002)}, permittedNetworks: [127.0.7.0/24, "::1"]}}\n')
    assert apply_config(server, config).returncode == 0
    server.start()
    assert register_as(server, "1001", "127.0.8.1", user_agent="Linphone/5.0") == 403
    failed = server.wait_for_event("Extension Registration Failed", lambda e: "user agent" in e["fields"].get("reason", ""))
    assert failed[0]["fields"]["account"] == "1001"
    assert register_as(server, "1001", "127.0.8.1", user_agent="Yealink SIP-T46S 66.86.0.15") == 200
    # Finding 11: from outside its networks 1002 is challenged like any extension (and like one that does not exist),
    # and even the right password is then refused exactly like a wrong one, and counted as one.
    for user in ("1002", "1099"):
        client = SipClient(server.sip_port, source="127.0.9.1")
        first, _ = client.register(user)
        client.close()
        assert first["status"] == 401 and "www-authenticate" in first["headers"], user
    assert register_as(server, "1002", "127.0.9.1") == 403
    assert register(server, "1002", "wrong password", "127.0.9.1") == 403
    refused = server.wait_for_event("Extension Registration Failed", lambda e: e["fields"].get("ip") == "127.0.9.1"
                                    and "permitted networks" in e["fields"].get("reason", ""))
    assert refused[0]["fields"]["account"] == "1002"
    assert register_as(server, "1002", "127.0.7.42") == 200
    shown = json.loads(server.cli("extension", "show", "1002", "--json").stdout)
    assert shown["permittedNetworks"] == ["127.0.7.0/24", "::1"] and shown["maxRegistrations"] == 1


def test_a_registration_name_authenticates_and_the_number_alone_does_not(server_factory, tmp_path):
    server = server_factory()
    server.start()
    password = strong_password(1001)
    server.cli("extension", "add", "1001", "--registration-name", "k7-desk", "--password", password, "--max-registrations", "3")
    # A real phone: sipp registers extension 1001 (To) with the authentication name k7-desk.
    phone = subprocess.run(
        ["sipp", "-sf", str(PEERS / "register_uac.xml"), f"127.0.0.1:{server.sip_port}", "-i", PHONE,
         "-p", str(free_port(host=PHONE)), "-au", "k7-desk", "-ap", password, "-m", "1", "-nostdin", "-timeout", "15s",
         "-timeout_error"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    assert phone.returncode == 0, phone.stdout[-2000:]
    assert [r["extension"] for r in server.registrations()] == ["1001"]
    # The number with the right password is an unknown user: knowing the number is not half of the credentials.
    assert register(server, "1001", password, "127.0.10.1") == 403
    failed = server.wait_for_event("Extension Registration Failed", lambda e: e["fields"].get("ip") == "127.0.10.1")
    assert failed[0]["fields"]["reason"] == "unknown user"
    # A renamed extension needs a new password (the digests are computed over the name); nothing changes without.
    refused = server.cli("extension", "update", "1001", "--registration-name", "k8-desk", check=False)
    assert refused.returncode != 0 and "needs a new password" in refused.stderr
    clash = server.cli("extension", "add", "1002", "--registration-name", "k7-desk", check=False)
    assert clash.returncode != 0 and "k7-desk" in clash.stderr
    weak = server.cli("extension", "update", "1001", "--password", "K7-desk-Zq81", check=False)
    assert weak.returncode != 0 and "must not contain the name 'k7-desk'" in weak.stderr
    shown = json.loads(server.cli("extension", "show", "1001", "--json").stdout)
    assert shown["registrationName"] == "k7-desk"
    assert register(server, "1001", password, "127.0.10.2", username="k7-desk") == 200
    renamed = json.loads(server.cli("extension", "update", "1001", "--registration-name", "k8-desk", "--generate-password",
                                    "--json").stdout)
    assert register(server, "1001", renamed["password"], "127.0.10.3", username="k8-desk") == 200
    assert register(server, "1001", password, "127.0.10.4", username="k7-desk") == 403


def test_the_user_agent_check_has_a_switch(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.cli("extension", "update", "1001", "--user-agent", "Yealink")
    assert register_as(server, "1001", "127.0.11.1", user_agent="Linphone/5.0") == 403
    server.cli("extension", "update", "1001", "--disable-user-agent-check")
    shown = json.loads(server.cli("extension", "show", "1001", "--json").stdout)
    assert not shown["restrictUserAgents"] and shown["userAgentPrefixes"] == ["Yealink"]
    assert register_as(server, "1001", "127.0.11.1", user_agent="Linphone/5.0") == 200
    server.cli("extension", "update", "1001", "--enable-user-agent-check")
    assert register_as(server, "1001", "127.0.11.1", user_agent="Linphone/5.0") == 403
    empty = server.cli("extension", "update", "1001", "--any-user-agent", "--enable-user-agent-check", check=False)
    assert empty.returncode != 0 and "no prefix is listed" in empty.stderr


def test_bad_registration_policies_are_refused_and_change_nothing(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    before = server.cli("extension", "show", "1001", "--json").stdout
    for args, expected in ((["--user-agent", "x" * 65], "userAgentPrefixes"), (["--permit", "10.0.0.1/8"], "host bits"),
                           (["--permit", "300.0.0.0/8"], "not an IP address"), (["--max-registrations", "0"], "must be 1-100 devices")):
        result = server.cli("extension", "update", "1001", *args, check=False)
        assert result.returncode != 0 and expected in result.stderr, (args, result.stderr)
    status, _, body = server.api("POST", "/api/v1/extensions", {"number": "1005", "maxRegistrations": 0})
    assert status == 400 and "maxRegistrations: must be 1-100 devices, got 0" in body["problems"]
    bad = apply_config(server, 'extensions:\n  - {number: "1001", permittedNetworks: [nonsense]}\n')
    assert bad.returncode != 0 and "extensions[0].permittedNetworks" in bad.stderr
    assert server.cli("extension", "show", "1001", "--json").stdout == before
    assert [e["number"] for e in json.loads(server.cli("extension", "list", "--json").stdout)] == ["1001"]


def test_lockout_and_scanner_policy_through_the_cli_and_api(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    server.cli("lockout", "set", "--failures-per-source", "2", "--block-duration", "60")
    assert "after 2 failures within 60 s" in server.cli("lockout", "show").stdout
    assert [register(server, "1001", "Wrong-Pass-123", "127.0.10.1") for _ in range(2)] == [403, 403]
    assert [b["source"] for b in json.loads(server.cli("block", "list", "--json").stdout)] == ["127.0.10.1"]
    bad = server.cli("lockout", "set", "--failures-per-source", "0", check=False)
    assert bad.returncode != 0 and "sip.lockout.failuresPerSource: must be 1-1000, got 0" in bad.stderr
    assert json.loads(server.cli("lockout", "show", "--json").stdout)["failuresPerSource"] == 2
    server.cli("scanners", "set", "--action", "off")
    status, _, body = server.api("GET", "/api/v1/registration-defense")
    assert status == 200 and body["scanners"]["action"] == "off" and body["lockout"]["failuresPerSource"] == 2
    # With the policy off a scanner's User-Agent is answered like anyone's.
    assert register(server, "1001", strong_password(1001), "127.0.10.2", user_agent="friendly-scanner") == 200
    body["scanners"]["action"] = "explode"
    status, _, problem = server.api("PUT", "/api/v1/registration-defense", body)
    assert status == 400 and "scanners.action" in problem["detail"]
    assert server.api("GET", "/api/v1/registration-defense")[2]["scanners"]["action"] == "off"


def test_invites_must_authenticate_and_wrong_answers_count(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    client = SipClient(server.sip_port, source="127.0.11.1")
    challenge, uri = invite(client)
    assert challenge["status"] == 407 and challenge["headers"]["proxy-authenticate"][0].startswith("Digest ")
    answer, _ = invite(client, authorization("1001", strong_password(1001), proxy_fields(challenge), uri, method="INVITE"))
    assert answer["status"] == 480, "an authenticated INVITE reaches the call router (1002 is not registered)"
    for n in range(5):
        challenge, uri = invite(client)
        answer, _ = invite(client, authorization("1001", f"Wrong-Pass-{n}", proxy_fields(challenge), uri, method="INVITE"))
        assert answer["status"] == 403
    assert client.probe() is None
    client.close()
    event = server.wait_for_event("Extension Registration Blocked Out", lambda e: e["fields"]["source"] == "127.0.11.1")[0]["fields"]
    assert event["attempts"] == "5"
    assert any(e["fields"].get("method") == "INVITE" for e in server.events("Extension Registration Failed"))
