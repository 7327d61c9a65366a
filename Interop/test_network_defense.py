"""Network defense with real attackers: SIPVicious and sipp floods from their own loopback addresses are blocked
within their first burst, while a phone on another address keeps registering; blocks expire and lift at once; the
allow list and the country rule decide before any parsing."""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

from portcullis_harness import PEERS, SipClient, apply_config, extensions_yaml, free_port, strong_password

BLOCKED_EVENT = "Auto Defense IP Blocked Out"


def blocks(server):
    return json.loads(server.cli("block", "list", "--json").stdout)


def block_sources(server):
    return {block["source"] for block in blocks(server)}


def options_flood(server, source, count=300, rate=200):
    return subprocess.Popen(
        ["sipp", "-sf", str(PEERS / "options_flood.xml"), f"127.0.0.1:{server.sip_port}", "-i", source, "-p", str(free_port(host=source)),
         "-m", str(count), "-r", str(rate), "-nostdin", "-timeout", "30s"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def svmap(server, source, repeats=60):
    """svmap probes each target once; naming the PBX many times makes the scan a burst against one port."""
    return subprocess.run(["sipvicious_svmap", "-b", source, "-p", str(server.sip_port)] + ["127.0.0.1"] * repeats,
                          capture_output=True, text=True, timeout=120)


def set_network(server, settings, force=False):
    path = "/api/v1/network" + ("?force=true" if force else "")
    return server.api("PUT", path, settings)


def change_every_rule(server, **fields):
    settings = server.api("GET", "/api/v1/network")[2]
    for rule in settings["autoDefense"]["rules"]:
        rule.update(fields)
    status, _, body = set_network(server, settings)
    assert status == 200, body


def answers(server, source):
    """Whether an OPTIONS from source gets its 200 (retransmitted as a phone would)."""
    client = SipClient(server.sip_port, source=source)
    try:
        return client.options()["status"] == 200
    finally:
        client.close()


def test_scanners_are_blocked_while_a_phone_keeps_registering(server_factory, tmp_path):
    server = server_factory()
    # svmap's User-Agent alone would get it blocked at its first packet (see test_registration_lockout); switched
    # off here, its burst must trip the SIP UDP rate rule.
    assert apply_config(server, extensions_yaml([1001], extra="sip:\n  scanners: {action: \"off\"}\n")).returncode == 0
    server.start()
    phone = subprocess.Popen(
        ["sipp", "-sf", str(PEERS / "register_uac.xml"), f"127.0.0.1:{server.sip_port}", "-i", "127.0.0.3",
         "-p", str(free_port(host="127.0.0.3")), "-au", "1001", "-ap", strong_password(1001), "-m", "24", "-r", "2",
         "-nostdin", "-timeout", "60s", "-timeout_error", "-trace_stat", "-stf", str(tmp_path / "phone.csv")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    deadline = time.time() + 10
    while not server.registrations():
        assert time.time() < deadline, "the phone did not register before the attack"
        time.sleep(0.1)
    flood = options_flood(server, "127.0.0.4")
    scan = svmap(server, "127.0.0.2")
    assert scan.returncode in (0, 30), scan.stdout + scan.stderr  # 30: svmap found a device (before the block)
    flood.wait(timeout=60)

    out, _ = phone.communicate(timeout=90)
    assert phone.returncode == 0, out[-3000:]
    sources = block_sources(server)
    assert {"127.0.0.2", "127.0.0.4"} <= sources
    assert "127.0.0.3" not in sources
    for attacker in ("127.0.0.2", "127.0.0.4"):
        event = server.wait_for_event(BLOCKED_EVENT, lambda e, a=attacker: e["fields"]["source"] == a)[0]["fields"]
        assert event["rule"] == "SIP UDP" and event["defenseType"] == "auto defense" and event["blockType"] == "ip"
        assert event["protocol"] == "udp" and event["port"] == str(server.sip_port) and event["action"] == "blocked"
        assert event["blockRange"] == "service sip" and event["expiresAt"] != "permanent" and int(event["packets"]) > 40
    # Blocked within the first burst: the flood sent 300, the block came after 41 and the rest were dropped unparsed.
    flood_block = next(block for block in blocks(server) if block["source"] == "127.0.0.4")
    assert flood_block["rule"] == "SIP UDP"
    attacker = SipClient(server.sip_port, source="127.0.0.4")
    assert attacker.probe() is None
    attacker.close()
    assert answers(server, "127.0.0.3")
    assert [r["extension"] for r in server.registrations()] == ["1001"]
    # Hits on the block are counted while the attacker keeps knocking.
    deadline = time.time() + 8
    while time.time() < deadline and next(b for b in blocks(server) if b["source"] == "127.0.0.4")["hits"] == 0:
        time.sleep(0.5)
    assert next(b for b in blocks(server) if b["source"] == "127.0.0.4")["hits"] > 0


def test_a_block_expires_and_remove_admits_again(server_factory):
    server = server_factory()
    server.start()
    change_every_rule(server, blockDuration=10)

    options_flood(server, "127.0.0.6", count=120).wait(timeout=60)
    assert "127.0.0.6" in block_sources(server)
    client = SipClient(server.sip_port, source="127.0.0.6")
    assert client.probe() is None
    deadline = time.time() + 25
    while client.probe(timeout=0.3) is None:
        assert time.time() < deadline, "the source was not admitted after its 10 s block expired"
    # The record goes with the expiry sweep, which may come a moment after the packets are admitted again.
    while "127.0.0.6" in block_sources(server):
        assert time.time() < deadline, "the expired block stayed on the block list"
        time.sleep(0.2)
    unblocked = server.wait_for_event("IP Unblocked", lambda e: e["fields"]["source"] == "127.0.0.6")
    assert unblocked[0]["fields"]["unblockedBy"] == "expiry"
    client.close()

    added = server.cli("block", "add", "127.0.0.7", "--duration", "1h", "--note", "test")
    assert "blocked 127.0.0.7" in added.stdout
    manual = SipClient(server.sip_port, source="127.0.0.7")
    assert manual.probe() is None
    event = server.wait_for_event("IP Blocked", lambda e: e["fields"]["source"] == "127.0.0.7")[0]["fields"]
    assert event["defenseType"] == "manual" and event["blockRange"] == "all services" and event["note"] == "test"
    server.cli("block", "remove", "127.0.0.7")
    deadline = time.time() + 10
    while manual.probe(timeout=0.2) is None:
        assert time.time() < deadline, "block remove did not admit the source"
    manual.close()
    assert server.wait_for_event("IP Unblocked", lambda e: e["fields"]["source"] == "127.0.0.7")


def test_an_allowed_source_is_never_blocked_even_when_it_floods(server_factory):
    server = server_factory()
    server.start()
    server.cli("network", "allow", "add", "127.0.0.8")
    options_flood(server, "127.0.0.8", count=400, rate=400).wait(timeout=60)
    options_flood(server, "127.0.0.9", count=100, rate=200).wait(timeout=60)
    sources = block_sources(server)
    assert "127.0.0.8" not in sources and "127.0.0.9" in sources
    assert answers(server, "127.0.0.8")


def test_monitor_only_raises_the_event_without_blocking(server_factory):
    server = server_factory()
    server.start()
    change_every_rule(server, monitorOnly=True)
    options_flood(server, "127.0.0.10", count=100, rate=200).wait(timeout=60)
    event = server.wait_for_event(BLOCKED_EVENT, lambda e: e["fields"]["source"] == "127.0.0.10")[0]["fields"]
    assert event["action"].startswith("monitored")
    assert "127.0.0.10" not in block_sources(server)
    assert answers(server, "127.0.0.10")


def test_a_tcp_flood_is_cut_and_refused_at_accept(server_factory):
    server = server_factory()
    server.start()
    options = SipClient(server.sip_port, source="127.0.0.11").options_message()
    with socket.create_connection(("127.0.0.1", server.sip_port), source_address=("127.0.0.11", 0), timeout=5) as stream:
        closed = False
        try:
            for _ in range(60):
                stream.sendall(options.encode())
                time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        stream.settimeout(2)
        try:
            while stream.recv(65535):
                pass
            closed = True
        except (ConnectionResetError, socket.timeout):
            closed = closed or False
        assert closed, "the server kept the flooding connection open"
    assert "127.0.0.11" in block_sources(server)
    event = server.wait_for_event(BLOCKED_EVENT, lambda e: e["fields"]["source"] == "127.0.0.11")[0]["fields"]
    assert event["rule"] == "SIP TCP" and event["protocol"] == "tcp"
    with socket.create_connection(("127.0.0.1", server.sip_port), source_address=("127.0.0.11", 0), timeout=5) as again:
        again.settimeout(2)
        try:
            assert again.recv(1) == b"", "a blocked source got a working connection"
        except ConnectionResetError:
            pass


def test_the_admin_api_is_guarded(server_factory):
    server = server_factory()
    server.start()
    opener = urllib.request.build_opener(SourceHandler("127.0.0.12", server.tls_context()))
    answered = 0
    for _ in range(130):
        try:
            with opener.open(f"{server.api_url}/healthz", timeout=5) as response:
                answered += response.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            break
    # Each request here opens a connection: the accept and the request both count, 120 in all.
    assert answered == 60, f"{answered} requests answered before the HTTP rule (120/60 s) fired"
    event = server.wait_for_event(BLOCKED_EVENT, lambda e: e["fields"]["source"] == "127.0.0.12")[0]["fields"]
    assert event["rule"] == "HTTPS" and event["blockRange"] == "service https"
    # The block is for the API only: SIP from that address still works.
    assert answers(server, "127.0.0.12")


def test_country_rule_drops_sources_of_other_countries(server_factory, tmp_path):
    # A Tor-format range file placing two loopback addresses in two countries; with no exempt ranges, loopback is
    # judged like any public source.
    geo = tmp_path / "geoip"
    geo.write_text("# test ranges\n" + "".join(f"{2130706432 + host},{2130706432 + host},{cc}\n"
                                                for host, cc in ((20, "FR"), (21, "DE"), (1, "GB"))))
    server = server_factory()
    server.start()
    settings = server.api("GET", "/api/v1/network")[2]
    settings["geoIP"] = {"torFiles": [str(geo)]}
    settings["countries"] = {"sip": {"enabled": True, "allow": ["DE", "GB"]}, "exempt": []}
    status, _, body = set_network(server, settings)
    assert status == 200, body
    french, german, unknown = (SipClient(server.sip_port, source=f"127.0.0.{h}") for h in (20, 21, 22))
    assert german.options()["status"] == 200
    assert french.probe() is None and unknown.probe() is None
    for client in (french, german, unknown):
        client.close()

    # Enabling the API rule would cut off the caller (127.0.0.1 is "GB", allowed only DE): refused, unless forced.
    settings["allow"] = []
    settings["countries"]["api"] = {"enabled": True, "allow": ["DE"]}
    status, _, body = set_network(server, settings)
    assert status == 409 and "would cut you off" in body["detail"] and "127.0.0.1" in body["detail"], body
    assert server.api("GET", "/api/v1/network")[2]["countries"]["api"]["enabled"] is False
    status, _, _ = set_network(server, settings, force=True)
    assert status == 200
    try:
        server.api("GET", "/healthz", token=None)
        raise AssertionError("the API still answered a source of a disallowed country")
    except (urllib.error.URLError, ConnectionError, OSError):
        pass
    # The owner-only socket is not an IP source: the CLI can always repair it.
    assert "api: allowed countries off" in server.cli("network", "countries", "api", "--disable").stdout
    assert server.api("GET", "/healthz", token=None)[0] == 200


def test_bad_network_input_is_refused_and_changes_nothing(server_factory, tmp_path):
    server = server_factory()
    server.start()
    before = server.api("GET", "/api/v1/network")[2]
    cases = [
        ({"allow": ["10.0.0.1/33"]}, "prefix length"),
        ({"allow": ["192.168.1.1/24"]}, "host bits"),
        ({"countries": {"sip": {"enabled": True, "allow": ["XX"]}}}, "not an ISO 3166-1"),
        ({"autoDefense": {"rules": [{"name": "zero", "service": "sip", "protocol": "udp", "packets": 0, "interval": 2}]}},
         "packets: must be 1-1000000"),
        ({"geoIP": {"database": str(tmp_path / "missing.mmdb")}, "countries": {"sip": {"enabled": True, "allow": ["GB"]}}},
         "cannot use"),
        ({"geoIP": {"torFiles": [str(tmp_path / "none")]}, "countries": {"sip": {"enabled": True, "allow": ["GB"]}}},
         "no geo-IP database"),
        ({"rules": [{"name": "x", "action": "explode"}]}, "action"),
        ({"alow": []}, "unknown field"),
    ]
    corrupt = tmp_path / "corrupt.mmdb"
    corrupt.write_bytes(b"\x00" * 4096)
    cases.append(({"geoIP": {"database": str(corrupt)}, "countries": {"api": {"enabled": True, "allow": ["GB"]}}}, "cannot use"))
    for body, expected in cases:
        status, _, problem = set_network(server, body)
        text = problem["detail"] + " ".join(problem.get("problems", []))
        assert status in (400, 422) and expected in text, (body, status, problem)
        assert server.api("GET", "/api/v1/network")[2] == before
    bad_file = tmp_path / "network.yaml"
    bad_file.write_text("allow: [not-an-address!]\n")
    result = server.cli("network", "apply", str(bad_file), check=False)
    assert result.returncode != 0 and "network.allow[0]" in result.stderr
    bad_config = "network:\n  autoDefense:\n    rules:\n      - {name: r, service: sip, protocol: udp, packets: 40, interval: many}\n"
    result = apply_config(server, bad_config)
    assert result.returncode != 0 and "network.autoDefense.rules[0].interval" in result.stderr and "config.yaml:4" in result.stderr
    for bad in (["block", "add", "300.1.1.1"], ["block", "add", "10.0.0.0/8", "--duration", "0"], ["block", "remove", "42"],
                ["block", "add", "127.0.0.1"]):
        result = server.cli(*bad, check=False)
        assert result.returncode != 0 and result.stderr.lower().startswith("error:"), (bad, result.stderr)
    assert server.api("GET", "/api/v1/network")[2] == before
    assert blocks(server) == []
    assert server.alive()


class SourceHandler(urllib.request.HTTPSHandler):
    """Sends HTTPS from a chosen local address."""

    def __init__(self, source, context):
        super().__init__(context=context)
        self.source = source
        self.tls = context

    def https_open(self, request):
        import http.client
        source, context = self.source, self.tls

        class Connection(http.client.HTTPSConnection):
            def __init__(self, host, **kwargs):
                kwargs["context"] = context
                super().__init__(host, source_address=(source, 0), **kwargs)

        return self.do_open(Connection, request)


def test_an_ipv6_flood_blocks_its_slash_64(server_factory):
    port = free_port(family=socket.AF_INET6, host="::1")
    server = server_factory(sip_listen=[f"[::1]:{port}"])
    server.start()
    flood = subprocess.run(
        ["sipp", "-sf", str(PEERS / "options_flood.xml"), f"[::1]:{port}", "-i", "::1", "-p", str(free_port(family=socket.AF_INET6, host="::1")),
         "-m", "100", "-r", "200", "-nostdin", "-timeout", "30s"], capture_output=True, text=True, timeout=60)
    assert "::/64" in block_sources(server), flood.stdout[-1000:]
    event = server.wait_for_event(BLOCKED_EVENT, lambda e: e["fields"]["source"] == "::/64")[0]["fields"]
    assert event["rule"] == "SIP UDP" and event["blockRange"] == "service sip"
    client = SipClient(port, host="::1", family=socket.AF_INET6)
    assert client.probe() is None
    client.close()
