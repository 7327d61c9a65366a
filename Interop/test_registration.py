"""Real phones register: sipp with 100 extensions over UDP and TCP, baresip through a refresh."""
import subprocess
import time
from pathlib import Path

from portcullis_harness import (PEERS, Server, SipClient, apply_config, authorization, challenge_fields, end, extensions_yaml,
                                free_port, strong_password)


def sipp_register(server, numbers, expires, workdir, transport="u1", local_port=None):
    users = Path(workdir) / f"users-{expires}-{numbers[0]}.csv"
    users.write_text("SEQUENTIAL\n" + "".join(
        f"{n};[authentication username={n} password={strong_password(n)}]\n" for n in numbers))
    command = ["sipp", "-sf", str(PEERS / "register_csv.xml"), f"127.0.0.1:{server.sip_port}", "-i", "127.0.0.1",
               "-p", str(local_port or free_port()), "-t", transport, "-inf", str(users), "-key", "expires", str(expires),
               "-m", str(len(numbers)), "-r", "50", "-nostdin", "-timeout", "60s", "-timeout_error",
               "-default_behaviors", "all,-bye", "-trace_err", "-error_file", str(Path(workdir) / "sipp-errors.log")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=workdir)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def live_extensions(server):
    cli = sorted(r["extension"] for r in server.registrations())
    status, _, body = server.api("GET", "/api/v1/registrations")
    assert status == 200
    api = sorted(r["extension"] for r in body["items"])
    assert cli == api, "the CLI and the API disagree"
    return cli


def test_sipp_registers_and_unregisters_100_extensions(server_factory, tmp_path):
    server = server_factory()
    numbers = list(range(1000, 1100))
    assert apply_config(server, extensions_yaml(numbers)).returncode == 0
    server.start()

    phone_port = free_port()  # one device: unregistering must name the contact it registered
    sipp_register(server, numbers, 300, tmp_path, local_port=phone_port)
    assert live_extensions(server) == [str(n) for n in numbers]
    contacts = {r["extension"]: r["contact"] for r in server.registrations()}
    assert all(contact.startswith(f"sip:{number}@127.0.0.1:") for number, contact in contacts.items())

    sipp_register(server, numbers[:50], 0, tmp_path, local_port=phone_port)
    assert live_extensions(server) == [str(n) for n in numbers[50:]]

    sipp_register(server, numbers[50:], 0, tmp_path, local_port=phone_port)
    assert live_extensions(server) == []
    registered = server.wait_for_event("Extension Registered", lambda e: e["fields"]["extension"] == "1099")
    assert registered[0]["fields"]["user_agent"] == "bars-register"


def test_sipp_registers_over_tcp(server_factory, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([2001, 2002])).returncode == 0
    server.start()
    sipp_register(server, [2001, 2002], 120, tmp_path, transport="t1")
    registrations = server.registrations()
    assert sorted(r["extension"] for r in registrations) == ["2001", "2002"]
    assert {r["transport"] for r in registrations} == {"TCP"}


def test_registrations_survive_a_restart(server_factory, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([3001])).returncode == 0
    server.start()
    sipp_register(server, [3001], 300, tmp_path)
    time.sleep(0.5)  # write-behind interval
    assert server.stop() == 0
    restarted = server_factory(data_dir=server.data_dir)
    restarted.start()
    assert [r["extension"] for r in restarted.registrations()] == ["3001"]
    assert restarted.events("Server Stopped"), "a graceful stop is recorded"


def test_several_contacts_and_unregistering_all_with_a_star(server_factory):
    server = server_factory()
    assert apply_config(server, 'extensions:\n  - {number: "1001", password: %s, maxRegistrations: 2}\n' % strong_password(1001)).returncode == 0
    server.start()
    desk, mobile = SipClient(server.sip_port), SipClient(server.sip_port)
    for phone in (desk, mobile):
        challenge, uri = phone.register("1001")
        answer, _ = phone.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))
        assert answer["status"] == 200
    assert len(answer["headers"]["contact"]) == 2, "a 200 lists every binding of the extension"
    assert len(server.registrations()) == 2
    challenge, uri = desk.register("1001", contact="*", expires=0)
    answer, _ = desk.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri),
                              contact="*", expires=0)
    assert answer["status"] == 200
    assert server.registrations() == []
    server.wait_for_event("Extension Unregistered", lambda e: e["fields"].get("reason") == "unregistered by the device")


def test_environment_variables_configure_serve(server_factory, tmp_path):
    probe = Server()
    environment = {"PORTCULLIS_DATA_DIR": str(probe.data_dir), "PORTCULLIS_SIP_LISTEN": f"127.0.0.1:{probe.sip_port}",
                   "PORTCULLIS_API_LISTEN": f"127.0.0.1:{probe.api_port}"}
    server = server_factory(data_dir=probe.data_dir, environment=environment)
    server.sip_port, server.api_port = probe.sip_port, probe.api_port
    server.start()
    assert SipClient(server.sip_port).options()["status"] == 200
    assert server.api("GET", "/healthz", token=None)[0] == 200


def test_baresip_registers_and_stays_registered_through_a_refresh(server_factory, tmp_path):
    server = server_factory()
    settings = "sip:\n  registration: {minExpires: 10, maxExpires: 3600, defaultExpires: 3600, maxContacts: 10}\n"
    assert apply_config(server, extensions_yaml([1001], extra=settings)).returncode == 0
    server.start()
    home = tmp_path / "baresip"
    home.mkdir()
    (home / "config").write_text("\n".join([
        "poll_method epoll", f"sip_listen 127.0.0.1:{free_port()}", "module_path /usr/lib/baresip/modules",
        "module g711.so", "module_app account.so", "module_app menu.so", "net_interface 127.0.0.1", ""]))
    (home / "accounts").write_text(
        f"<sip:1001@127.0.0.1:{server.sip_port};transport=udp>;auth_pass={strong_password(1001)};regint=12\n")
    phone = subprocess.Popen(["baresip", "-f", str(home), "-t", "60"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not server.registrations():
            time.sleep(0.3)
        first = server.registrations()
        assert [r["extension"] for r in first] == ["1001"], "baresip did not register"
        assert "baresip" in (first[0]["userAgent"] or "")
        time.sleep(16)  # past the 12 s registration: only a refresh keeps it alive
        later = server.registrations()
        assert [r["extension"] for r in later] == ["1001"], "the registration lapsed: no refresh"
        assert later[0]["expiresAt"] > first[0]["expiresAt"], "expiry was not pushed forward by a refresh"
    finally:
        end(phone)
    assert len(server.events("Extension Registered")) == 1, "a refresh is not a new registration"


def test_challenges_are_stateless_and_authenticated_registrations_are_not(server_factory):
    """A REGISTER without credentials is challenged statelessly, as Kamailio's registrar does: sent twice, it gets two
    challenges with different nonces, and the server keeps no transaction for it. A REGISTER with credentials sent twice
    is answered twice from one transaction: the retransmission is not taken for a replayed nonce count."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    client = SipClient(server.sip_port)

    def transactions():
        return server.api("GET", "/healthz", token=None)[2]["serverTransactions"]

    try:
        message, uri = client.register_message("1001")
        client.send_raw(message)
        client.send_raw(message)
        challenges = [client.receive(), client.receive()]
        assert [answer["status"] for answer in challenges] == [401, 401]
        assert challenge_fields(challenges[0])["nonce"] != challenge_fields(challenges[1])["nonce"], "each challenge is new"
        assert transactions() == 0, "a challenge keeps nothing"
        message, _ = client.register_message("1001", authorization("1001", strong_password(1001), challenge_fields(challenges[0]), uri))
        client.send_raw(message)
        client.send_raw(message)
        answers = [client.receive(), client.receive()]
        assert [answer["status"] for answer in answers] == [200, 200], "the retransmission gets the same answer"
        assert answers[0]["raw"] == answers[1]["raw"], "answered from the transaction, not processed again"
        assert transactions() == 1
    finally:
        client.close()


def test_keepalives_are_answered_without_keeping_anything(server_factory):
    """OPTIONS from phones and trunks (thousands of them, every few seconds) are answered statelessly: each one, a
    retransmission too, gets 200 with what the PBX supports, and the server keeps no transaction for them."""
    server = server_factory().start()
    client = SipClient(server.sip_port)
    try:
        for _ in range(200):
            answer = client.options()
            assert answer["status"] == 200 and "INVITE" in answer["headers"]["allow"][0], answer["status"]
        message = client.options_message()
        client.send_raw(message)
        client.send_raw(message)
        assert [client.receive()["status"], client.receive()["status"]] == [200, 200], "a retransmission is answered again"
    finally:
        client.close()
    assert server.api("GET", "/healthz", token=None)[2]["serverTransactions"] == 0
