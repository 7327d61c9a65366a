"""Several nodes on one PostgreSQL store, each on its own loopback address (127.0.0.51, .52, .53): they see each other
through the database (a name is held by one live node; stopped and dead nodes show as such); a ban made on one node
drops the source on all; a configuration change made on one applies on all; registration and login guesses spread over
the nodes lock the account as on one node; the event log names each entry's node; a call from a phone on one node
reaches a phone registered on another, relayed between the nodes with its media, and a dead node's phones are reached
again once they register elsewhere, and a phone that moves to another node is rung there only (also when the first node
missed the announcement); a relayed call without a valid proof, or with one already used, is refused; a console key
removed on one node ends its sessions on another; an extension's call frequency and a trunk's concurrent calls are
counted once for the cluster."""
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from portcullis_harness import (ADMIN, PEERS, SipClient, apply_config, authorization, challenge_fields, extensions_yaml, finished, free_port, invite_message,
                                strong_password)
from test_calls import call_records, dial, health, media_dir, phone, register_phone, sipp  # noqa: F401 (media_dir is a fixture)
from test_outbound_policy import BACKUP, PROVIDER, calls_through, configure, hang_up_all, provider, warning
from test_postgres_store import database, pytestmark, query  # noqa: F401 (fixture and the skip without PostgreSQL)
from test_ssh import Console, Session, key_pair, listening


def node(server_factory, name, address, extra_args=()):
    port = free_port(host=address)
    server = server_factory(sip_listen=[f"{address}:{port}"], extra_args=["--node", name, *extra_args])
    server.sip_port, server.address = port, address
    return server


def joining(first, other):
    """`other` with the cluster's secrets.key (copied from the first node, as an operator does), started."""
    shutil.copy(first.data_dir / "secrets.key", other.data_dir / "secrets.key")
    return other.start()


def answers(server, source):
    """Whether the node answers an OPTIONS from `source` (a dropped source gets nothing)."""
    client = SipClient(server.sip_port, host=server.address, source=source)
    try:
        return client.probe(timeout=0.3) is not None
    finally:
        client.close()


def three_nodes(server_factory, database, monkeypatch, prepare=lambda first: None, extra_args=lambda address: ()):
    """Nodes 1-3 on `database`: node 1 starts and is set up (and `prepare`d) first, then the other two."""
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    nodes = [node(server_factory, f"node{index}", f"127.0.0.5{index}", extra_args(f"127.0.0.5{index}")) for index in (1, 2, 3)]
    nodes[0].start().api_token()
    prepare(nodes[0])
    for other in nodes[1:]:
        joining(nodes[0], other)
    return nodes


def status(server):
    return json.loads(server.cli("cluster", "status", "--json").stdout)


def test_nodes_see_each_other_and_their_health(server_factory, database, monkeypatch):
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    first = node(server_factory, "node1", "127.0.0.51").start()
    first.api_token()
    second = joining(first, node(server_factory, "node2", "127.0.0.52"))
    third = joining(first, node(server_factory, "node3", "127.0.0.53"))
    shown = status(first)
    assert shown["shared"] and shown["node"] == "node1"
    assert {n["name"]: n["health"] for n in shown["nodes"]} == {"node1": "alive", "node2": "alive", "node3": "alive"}
    assert {n["name"]: n["address"].split(":")[-2] for n in shown["nodes"]} == {"node1": "127.0.0.51", "node2": "127.0.0.52",
                                                                                 "node3": "127.0.0.53"}
    assert "node2" in second.cli("cluster", "status").stdout, "every node answers for the whole cluster"
    # One event log for the cluster, each entry naming its node.
    started = first.wait_for_event("Server Started", lambda event: event["fields"].get("node") == "node3")
    assert started and {e["fields"].get("node") for e in first.events("Server Started")} == {"node1", "node2", "node3"}

    with pytest.raises(AssertionError, match="another node named node2 is alive"):
        joining(first, node(server_factory, "node2", "127.0.0.54"))
    # A node with a secrets.key of its own would refuse every relayed call and sealed secret: it is not let in.
    with pytest.raises(AssertionError, match="secrets.key is not the cluster's"):
        node(server_factory, "node4", "127.0.0.54").start(timeout=20)

    third.stop()
    first.wait_until(lambda: {n["name"]: n["health"] for n in status(first)["nodes"]}["node3"] == "stopped", "node3 not stopped")
    second.stop(sig=signal.SIGKILL)
    first.wait_until(lambda: {n["name"]: n["health"] for n in status(first)["nodes"]}["node2"] == "missing", "node2 not missing",
                     timeout=15)
    # Its name is free again: a new process takes it.
    replacement = joining(first, node(server_factory, "node2", "127.0.0.52"))
    first.wait_until(lambda: {n["name"]: n["health"] for n in status(first)["nodes"]}["node2"] == "alive", "node2 not back")
    assert replacement.alive()


def test_a_single_node_on_sqlite_says_so_and_refuses_a_node_name(server_factory):
    server = server_factory().start()
    server.api_token()
    assert status(server) == {"shared": False, "nodes": []}
    with pytest.raises(AssertionError, match="a cluster shares a PostgreSQL store"):
        server_factory(extra_args=["--node", "a"]).start(timeout=20)


def test_a_ban_made_on_one_node_drops_the_source_on_every_node(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch)
    attacker = "127.0.0.60"
    assert all(answers(each, attacker) for each in nodes), "before the flood every node answers"
    flood = SipClient(nodes[0].sip_port, host=nodes[0].address, source=attacker)
    for _ in range(80):
        flood.send_raw(flood.options_message())
    flood.close()
    nodes[0].wait_until(lambda: not answers(nodes[0], attacker), "node1 did not block the flood")
    for other in nodes[1:]:
        other.wait_until(lambda: not answers(other, attacker), f"{other.address} still answers the banned source", timeout=3)
    assert all(answers(each, "127.0.0.61") for each in nodes), "other sources are still served"
    # An unblock on node 3 lets the source in everywhere again.
    nodes[2].cli("block", "remove", attacker)
    for each in nodes:
        each.wait_until(lambda: answers(each, attacker), f"{each.address} still drops the unblocked source", timeout=3)


def register(server, source, password):
    phone = SipClient(server.sip_port, host=server.address, source=source)
    try:
        challenge, uri = phone.register("1001")
        return phone.register("1001", authorization("1001", password, challenge_fields(challenge), uri))[0]["status"]
    finally:
        phone.close()


def test_guesses_spread_over_the_nodes_lock_the_account_as_on_one_node(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001])).check_returncode())
    assert register(nodes[1], "127.0.0.98", strong_password(1001)) == 200, "the right password works before the guessing"
    # Seven wrong passwords per node, each from its own address: no address and no node alone reaches a limit
    # (5 per address, 20 per account), the cluster does.
    for index, each in enumerate(nodes):
        for guess in range(7):
            assert register(each, f"127.0.0.{100 + 7 * index + guess}", "Wrong-Guess-123") == 403
    locked = nodes[0].wait_for_event("Extension Registration Locked", lambda event: event["fields"].get("account") == "1001")
    assert len({event["fields"]["node"] for event in locked}) == len(locked), "at most one from each node, naming it"
    for each in nodes:
        assert register(each, "127.0.0.97", strong_password(1001)) == 403, f"{each.address} lets a new address in to a locked account"
    assert register(nodes[2], "127.0.0.98", strong_password(1001)) == 200, "an address that registered it before keeps working"


def test_a_change_made_on_one_node_applies_on_every_node(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch)
    # Each try from an address of its own, so the tries themselves never trip the lockout.
    sources = (f"127.0.1.{last}" for last in range(1, 250))
    # Added through node 1 while every node runs: it registers on node 2.
    assert apply_config(nodes[0], extensions_yaml([1001])).returncode == 0
    nodes[1].wait_until(lambda: register(nodes[1], next(sources), strong_password(1001)) == 200, "node 2 does not know the new extension",
                        timeout=5)
    # Removed through node 2: node 3 refuses it.
    nodes[1].cli("extension", "remove", "1001")
    nodes[2].wait_until(lambda: register(nodes[2], next(sources), strong_password(1001)) != 200, "node 3 still registers a removed extension",
                        timeout=5)


def login(server, source, username, password):
    """POST /api/v1/login from `source`: the status."""
    connection = http.client.HTTPSConnection("127.0.0.1", server.api_port, context=server.tls_context(), timeout=30, source_address=(source, 0))
    try:
        connection.request("POST", "/api/v1/login", json.dumps({"username": username, "password": password}),
                           {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_login_guesses_spread_over_the_nodes_lock_the_account(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: first.cli("user", "add", "olga", "--role", "Operator", "--password", "Quiet7-Harbor-Lamp9"))
    assert login(nodes[2], "127.0.2.1", "olga", "Quiet7-Harbor-Lamp9") == 200
    # Seven wrong passwords per node, each from its own address: under every per-address and per-node limit, over the
    # account's (20 in 10 minutes) for the cluster.
    for index, each in enumerate(nodes):
        for guess in range(7):
            assert login(each, f"127.0.2.{10 + 7 * index + guess}", "olga", "Wrong-Guess-123") == 401
    nodes[0].wait_for_event("Web User Account Locked", lambda event: event["fields"].get("username") == "olga")
    for each in nodes:
        assert login(each, "127.0.2.99", "olga", "Quiet7-Harbor-Lamp9") == 401, f"{each.address} lets a password into a locked account"


def registrations_seen(server, name):
    """The registrations node `name` reported in its last heartbeat, as `cluster status` on `server` shows them."""
    return {n["name"]: n for n in status(server)["nodes"]}[name]["registrations"]


def registered_on(callee_node, name, seen_by, media_dir, scenario="uas", *extra):
    """1002 registered from 127.0.0.20 on `callee_node` (named `name`), once `seen_by` knows it, with a SIPp callee there."""
    port = register_phone(callee_node, 1002, "127.0.0.20", host=callee_node.address)
    seen_by.wait_until(lambda: registrations_seen(seen_by, name) == 1, f"{name}'s registration not seen", timeout=6)
    return phone("127.0.0.20", port, scenario, media_dir, *extra)


def connects(caller_node, callee, media_dir):
    """1001 dials 1002 through `caller_node`; the call connects, and the callee gets the caller's BYE."""
    caller = dial(caller_node, 1002, media_dir, host=caller_node.address)
    assert caller.returncode == 0, caller.stderr[-3000:]
    assert finished(callee)[0] == 0, "the callee got the call, answered it and the caller's BYE"


def test_a_phone_on_one_node_calls_an_extension_registered_on_another_with_media(server_factory, database, monkeypatch, media_dir):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    # The phone dials node 3; node 3 relays to node 2, which rings the phone over the flow it registered on.
    connects(nodes[2], registered_on(nodes[1], "node2", nodes[2], media_dir, "uas", "-rtp_echo"), media_dir)
    (record,) = call_records(nodes[0], 1)
    assert (record["caller"], record["callee"], record["disposition"], record["node"]) == ("1001", "1002", "answered", "node3")
    # G.711 from the caller through both nodes' relays to the phone, echoed back the same way.
    assert record["packetsFromCaller"] > 50 and record["packetsFromCallee"] > 50, record
    assert len(call_records(nodes[0], 5, timeout=1)) == 1, "one record for the call: the node that took it from its caller keeps it"

    # Node 2 dies: its registration is released, and once the phone registers on node 1, node 3's calls reach it there.
    nodes[1].stop(sig=signal.SIGKILL)
    missing = nodes[0].wait_for_event("Cluster Node Missing", lambda event: event["fields"].get("missing") == "node2", timeout=15)
    assert [(event["fields"]["node"], event["fields"]["bindings"]) for event in missing] == [("node1", "1")], "told once, by the first live node"
    connects(nodes[2], registered_on(nodes[0], "node1", nodes[2], media_dir, "uas", "-rtp_echo"), media_dir)


def test_a_phone_that_moves_to_another_node_is_let_go_by_the_first_and_rung_through_the_second(server_factory, database, monkeypatch,
                                                                                                 media_dir):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    port = register_phone(nodes[1], 1002, "127.0.0.20", host=nodes[1].address)
    nodes[2].wait_until(lambda: registrations_seen(nodes[2], "node2") == 1, "node2's registration not seen", timeout=6)
    # The same phone (same contact) registers through node 1, as after a DNS change: node 2 lets its binding go, so
    # a call reaching node 2 is relayed to node 1 only instead of also ringing the old binding.
    register_phone(nodes[0], 1002, "127.0.0.20", host=nodes[0].address, port=port)
    nodes[2].wait_until(lambda: (registrations_seen(nodes[2], "node1"), registrations_seen(nodes[2], "node2")) == (1, 0),
                        "node2 still holds the phone that moved", timeout=8)
    callee = phone("127.0.0.20", port, "uas", media_dir)
    connects(nodes[1], callee, media_dir)
    (record,) = call_records(nodes[0], 1)
    assert (record["callee"], record["disposition"], record["node"]) == ("1002", "answered", "node2")


def drop_announcements(server, database):
    """Ends the PostgreSQL connection on which `server` listens for the other nodes' announcements."""
    inodes = {os.readlink(link)[len("socket:["):-1] for link in Path(f"/proc/{server.process.pid}/fd").iterdir()
              if os.readlink(link).startswith("socket:[")}
    ports = [int(fields[1].split(":")[1], 16) for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
             if fields[9] in inodes]
    ended = query(database, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND client_port IN "
                            f"({','.join(map(str, ports))})")
    assert ended == ["t"], ended


def test_a_node_that_missed_a_phone_moving_lets_it_go_once_it_listens_again(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    port = register_phone(nodes[1], 1002, "127.0.0.20", host=nodes[1].address)
    nodes[2].wait_until(lambda: registrations_seen(nodes[2], "node2") == 1, "node2's registration not seen", timeout=6)
    # Node 2 loses its listening connection and, held still, cannot listen again before the phone moves to node 1: the
    # announcement that the phone moved never reaches it.
    nodes[1].process.send_signal(signal.SIGSTOP)
    try:
        drop_announcements(nodes[1], database)
        register_phone(nodes[0], 1002, "127.0.0.20", host=nodes[0].address, port=port)
    finally:
        nodes[1].process.send_signal(signal.SIGCONT)
    # Listening again, it reads the bindings from the store and lets go of the one node 1 holds now.
    nodes[1].wait_until(lambda: "cluster announcements lost" in (nodes[1].data_dir / "server.log").read_text(), "node2 kept listening",
                        timeout=6)
    nodes[2].wait_until(lambda: (registrations_seen(nodes[2], "node1"), registrations_seen(nodes[2], "node2")) == (1, 0),
                        "node2 still holds the phone that moved while it was not listening", timeout=8)


def test_a_relayed_call_without_a_valid_proof_is_refused_and_counted(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    # From node 1's own address (a spoofer's best case) and from elsewhere: a made-up proof, a node that is not in the
    # cluster, a header that is no proof at all.
    for source, proof in [("127.0.0.51", "node=node1;time=%d;mac=hmac-sha256:00" % time.time()),
                          ("127.0.0.70", "node=node9;time=%d;mac=hmac-sha256:00" % time.time()),
                          ("127.0.0.71", "anything")]:
        client = SipClient(nodes[1].sip_port, host=nodes[1].address, source=source)
        try:
            message, _ = invite_message(client)
            response = client.transact(message.replace(b"Max-Forwards:", f"X-Portcullis-Relay: {proof}\r\nMax-Forwards:".encode(), 1))
        finally:
            client.close()
        assert response["status"] == 403, (source, proof, response)
    failed = nodes[1].wait_for_event("Extension Registration Failed",
                                     lambda event: event["fields"].get("reason") == "relayed call without a valid cluster proof")
    assert {event["fields"]["ip"] for event in failed} >= {"127.0.0.51", "127.0.0.70", "127.0.0.71"}


def relay_proof(key_file, node_name, call_id, caller, callee):
    """The X-Portcullis-Relay value node `node_name` would send for this call, made here with the cluster's key."""
    moment = int(time.time())
    signed = "\n".join(["portcullis-cluster-relay", node_name, str(moment), call_id, caller, callee])
    mac = hmac.new(key_file.read_bytes(), signed.encode(), hashlib.sha256).hexdigest()
    return f"node={node_name};time={moment};mac=hmac-sha256:{mac}"


def test_a_captured_relayed_call_sent_again_is_refused_as_a_replay(server_factory, database, monkeypatch):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    # What an eavesdropper on the nodes' network holds: a relayed INVITE with node 1's valid proof, and node 1's address.
    client = SipClient(nodes[1].sip_port, host=nodes[1].address, source="127.0.0.51")
    try:
        proof = relay_proof(nodes[0].data_dir / "secrets.key", "node1", "captured@portcullis", "1001", "1002")

        def send(branch):
            message, _ = invite_message(client, branch=branch, call_id="captured@portcullis")
            return client.transact(message.replace(b"Max-Forwards:", f"X-Portcullis-Relay: {proof}\r\nMax-Forwards:".encode(), 1))

        first = send("z9hG4bKrelayed1")
        assert first["status"] == 480, "taken, and refused only because 1002 is registered nowhere"
        assert send("z9hG4bKrelayed1")["status"] == 480, "its retransmission gets the same answer"
        replayed = send("z9hG4bKreplayed")
        assert replayed["status"] == 403, "the same proof on a new transaction"
    finally:
        client.close()
    failed = nodes[1].wait_for_event("Extension Registration Failed", lambda event: event["fields"].get("reason") == "relayed call replayed")
    assert [event["fields"]["ip"] for event in failed] == ["127.0.0.51"]


def test_a_console_key_removed_on_one_node_ends_the_sessions_it_opened_on_the_others(server_factory, database, monkeypatch, tmp_path):
    # Each node has its own console address (serve --ssh-listen): on one machine they cannot share the stored one.
    ports = {f"127.0.0.5{index}": free_port(socket.SOCK_STREAM, host=f"127.0.0.5{index}") for index in (1, 2, 3)}
    nodes = three_nodes(server_factory, database, monkeypatch, extra_args=lambda address: ["--ssh-listen", f"{address}:{ports[address]}"])
    key = key_pair(tmp_path / "admin_key")
    nodes[0].cli("ssh", "key", "add", ADMIN, "--key-file", f"{key}.pub")
    shown = json.loads(nodes[0].cli("ssh", "enable", "--json").stdout)
    assert shown["listening"] == f"127.0.0.51:{ports['127.0.0.51']}", "node 1 listens on its own address, not the stored 0.0.0.0:8022"
    # Enabled on node 1, the console opens on the others too, each on its address.
    consoles = [Console(server, tmp_path, host=server.address, port=ports[server.address]) for server in nodes[1:]]
    for console in consoles:
        console.pin(shown["hostKey"])
        console.server.wait_until(lambda: listening(console.port, console.host), f"no console on {console.host}", timeout=15)
    sessions = [Session(console, ADMIN, key) for console in consoles]
    try:
        for session in sessions:
            session.read_until(b"admin@portcullis> ")
        (listed,) = json.loads(nodes[0].cli("ssh", "key", "list", "--json").stdout)
        nodes[0].cli("ssh", "key", "remove", listed["fingerprint"])
        # Removed on node 1, the stolen key stops its holder on nodes 2 and 3 at once, without a keystroke.
        for session in sessions:
            session.process.wait(timeout=15)
        assert [console.run(ADMIN, key, "extension", "list").returncode for console in consoles] == [255, 255], "and opens no new session"
    finally:
        for session in sessions:
            session.close()


def test_call_frequency_and_trunk_limits_are_counted_once_for_the_cluster(server_factory, database, monkeypatch):
    carrier_port, carrier = provider(PROVIDER, 7)
    small_port, small = provider(BACKUP, 3)
    nodes = three_nodes(server_factory, database, monkeypatch, prepare=lambda first: configure(
        first, trunks=[{"name": "carrier", "host": f"{PROVIDER}:{carrier_port}"},
                       {"name": "small", "host": f"{BACKUP}:{small_port}", "maxCalls": 2, "maxCallsDirection": "outbound"}],
        routes=[{"name": "out", "patterns": [{"pattern": "9.", "strip": 1}], "trunks": ["carrier"]},
                {"name": "few", "patterns": [{"pattern": "8.", "strip": 1}], "trunks": ["small"]}],
        outbound={"frequencyRules": [{"name": "default", "limits": [{"calls": 5, "seconds": 1}]},
                                     {"name": "strict", "limits": [{"calls": 1, "minutes": 10}], "lock": True}]},
        extensions={"1001": {}, "1002": {}, "1003": {}, "1004": {}, "1005": {"frequencyRule": "strict"}}))
    # Six calls of 1001 at once, two through each node: each node alone is under the limit, the cluster lets five out.
    clients, answers = calls_through([(nodes[index % 3], "1001", "9020794600") for index in range(6)])
    statuses = sorted(answer["status"] for answer in answers)
    hang_up_all(clients, answers)
    assert statuses == [200] * 5 + [403], statuses
    assert sum("frequency-exceeded" in warning(answer) for answer in answers) == 1

    # A locking rule: 1005's second call in ten minutes, on another node, is refused and locks it on every node; an
    # unlock on a third node lets it call again everywhere (its count starts again, as on one node).
    for index, expected in ((0, 200), (1, 403)):
        clients, answers = calls_through([(nodes[index], "1005", "9020794600")])
        hang_up_all(clients, answers)
        assert answers[0]["status"] == expected, warning(answers[0])
    nodes[2].wait_until(lambda: [lock["extension"] for lock in json.loads(nodes[2].cli("outbound", "locks", "--json").stdout)] == ["1005"],
                        "node 3 does not know 1005 is locked")
    clients, answers = calls_through([(nodes[2], "1005", "9020794600")])
    assert "extension-locked" in warning(answers[0]), answers[0]["status"]
    hang_up_all(clients, answers)
    nodes[2].cli("outbound", "unlock", "1005")
    nodes[0].wait_until(lambda: json.loads(nodes[0].cli("outbound", "locks", "--json").stdout) == [], "node 1 still holds 1005's lock")
    clients, answers = calls_through([(nodes[0], "1005", "9020794600")])
    hang_up_all(clients, answers)
    assert answers[0]["status"] == 200, warning(answers[0])
    assert finished(carrier, timeout=30)[0] == 0, "the provider answered exactly seven calls"

    # A trunk limit of 2, three calls through three nodes at once: two go out, one gets 503; hung up, the trunk takes one again.
    clients, answers = calls_through([(nodes[index], f"100{2 + index}", f"80207946{index:02d}") for index in range(3)])
    statuses = sorted(answer["status"] for answer in answers)
    assert statuses == [200, 200, 503], statuses
    assert "trunks-busy" in warning(next(answer for answer in answers if answer["status"] == 503))
    hang_up_all(clients, answers)

    def one_more():
        clients, answers = calls_through([(nodes[2], "1004", "8020794699")])
        hang_up_all(clients, answers)
        return answers[0]["status"] == 200

    nodes[2].wait_until(one_more, "the trunk takes no call after the others hung up")
    assert finished(small, timeout=30)[0] == 0


def test_the_records_of_calls_a_dead_node_had_up_are_written_by_another_node(server_factory, database, monkeypatch, media_dir):
    nodes = three_nodes(server_factory, database, monkeypatch,
                        prepare=lambda first: apply_config(first, extensions_yaml([1001, 1002])).check_returncode())
    callee = registered_on(nodes[0], "node1", nodes[1], media_dir)
    # A call through node 2 that stays up (the caller waits for a BYE that never comes).
    caller = subprocess.Popen(
        sipp("-sf", str(PEERS / "call_wait_bye.xml"), f"{nodes[1].address}:{nodes[1].sip_port}", "-i", "127.0.0.10",
             "-p", str(free_port(host="127.0.0.10")), "-au", "1001", "-ap", strong_password(1001), "-s", "1002", "-m", "1"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=media_dir)
    try:
        nodes[1].wait_until(lambda: health(nodes[1])["calls"] == 1, "the call did not come up on node 2", timeout=10)
        time.sleep(0.5)  # the journal is written behind within 200 ms
        nodes[1].stop(sig=signal.SIGKILL)
        missing = nodes[0].wait_for_event("Cluster Node Missing", lambda event: event["fields"].get("missing") == "node2", timeout=15)
        assert missing[0]["fields"]["calls"] == "1"
        (record,) = [r for r in json.loads(nodes[0].cli("cdr", "list", "--json").stdout) if r["node"] == "node2"]
        assert (record["caller"], record["callee"], record["disposition"], record["hangupSide"]) == ("1001", "1002", "answered", "pbx")
        assert record["cause"] == "node node2 stopped answering" and record["end"] >= record["answer"]
    finally:
        for process in (caller, callee):
            process.kill()
            process.wait()
