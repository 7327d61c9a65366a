"""Several nodes on one PostgreSQL store, each on its own loopback address (127.0.0.51, .52, .53): they see each other
through the database; a name is held by one live node; a node that stops in order shows as stopped, one that dies
as missing once its heartbeats stop."""
import json
import signal

import pytest

from portcullis_harness import free_port
from test_postgres_store import database, pytestmark  # noqa: F401 (fixture and the skip without PostgreSQL)


def node(server_factory, name, address):
    return server_factory(sip_listen=[f"{address}:{free_port(host=address)}"], extra_args=["--node", name])


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
