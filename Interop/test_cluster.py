"""Several nodes on one PostgreSQL store, each on its own loopback address (127.0.0.51, .52, .53): they see each other
through the database (a name is held by one live node; stopped and dead nodes show as such); a ban made on one node
drops the source on all; a configuration change made on one applies on all; registration and login guesses spread
over the nodes lock the account as on one node; the event log names each entry's node."""
import http.client
import json
import signal

import pytest

from portcullis_harness import SipClient, apply_config, authorization, challenge_fields, extensions_yaml, free_port, strong_password
from test_postgres_store import database, pytestmark  # noqa: F401 (fixture and the skip without PostgreSQL)


def node(server_factory, name, address):
    port = free_port(host=address)
    server = server_factory(sip_listen=[f"{address}:{port}"], extra_args=["--node", name])
    server.sip_port, server.address = port, address
    return server


def answers(server, source):
    """Whether the node answers an OPTIONS from `source` (a dropped source gets nothing)."""
    client = SipClient(server.sip_port, host=server.address, source=source)
    try:
        return client.probe(timeout=0.3) is not None
    finally:
        client.close()


def three_nodes(server_factory, database, monkeypatch, prepare=lambda first: None):
    """Nodes 1-3 on `database`: node 1 starts and is set up (and `prepare`d) first, then the other two."""
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    nodes = [node(server_factory, f"node{index}", f"127.0.0.5{index}") for index in (1, 2, 3)]
    nodes[0].start().api_token()
    prepare(nodes[0])
    for other in nodes[1:]:
        other.start()
    return nodes


def status(server):
    return json.loads(server.cli("cluster", "status", "--json").stdout)


def test_nodes_see_each_other_and_their_health(server_factory, database, monkeypatch):
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    first = node(server_factory, "node1", "127.0.0.51").start()
    first.api_token()
    second = node(server_factory, "node2", "127.0.0.52").start()
    third = node(server_factory, "node3", "127.0.0.53").start()
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
        node(server_factory, "node2", "127.0.0.54").start(timeout=20)

    third.stop()
    first.wait_until(lambda: {n["name"]: n["health"] for n in status(first)["nodes"]}["node3"] == "stopped", "node3 not stopped")
    second.stop(sig=signal.SIGKILL)
    first.wait_until(lambda: {n["name"]: n["health"] for n in status(first)["nodes"]}["node2"] == "missing", "node2 not missing",
                     timeout=15)
    # Its name is free again: a new process takes it.
    replacement = node(server_factory, "node2", "127.0.0.52").start()
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
