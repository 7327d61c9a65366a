"""A node on PostgreSQL instead of the embedded SQLite file, against the PostgreSQL scripts/test starts: phones
register and the data outlives the process; an SQLite installation moves over with `store migrate` and keeps working
(the same passwords; the trunk's sealed secret opens); a second migration into the filled database is refused."""
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from portcullis_harness import BINARY, SipClient, apply_config, authorization, challenge_fields, extensions_yaml, finished, strong_password
from test_calls import dial, media_dir, phone, register_phone  # noqa: F401 (media_dir is a fixture)

SERVER = os.environ.get("PORTCULLIS_TEST_POSTGRES")
pytestmark = pytest.mark.skipif(SERVER is None, reason="no PostgreSQL: run scripts/test, or scripts/test-postgres start")


@pytest.fixture
def database():
    """A new, empty database on the test server: its URL."""
    name = "node_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", SERVER, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True, timeout=30,
                   env={**os.environ, "PGPASSWORD": os.environ["PORTCULLIS_STORE_PASSWORD"]})
    return SERVER.rsplit("/", 1)[0] + "/" + name


def registers(server, number):
    phone = SipClient(server.sip_port)
    challenge, uri = phone.register(str(number))
    return phone.register(str(number), authorization(str(number), strong_password(number), challenge_fields(challenge), uri))[0]["status"] == 200


def test_a_node_on_postgresql_registers_phones_and_keeps_everything_across_restarts(server_factory, database, monkeypatch):
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    server = server_factory().start()
    server.api_token()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    assert registers(server, 1001)
    assert [binding["extension"] for binding in server.registrations()] == ["1001"]
    server.stop()
    # The data is in PostgreSQL: the CLI reads it there with no server running, and the next process serves it.
    assert "1002" in server.cli("extension", "list").stdout
    again = server_factory(data_dir=server.data_dir).start()
    server.wait_until(lambda: [binding["extension"] for binding in again.registrations()] == ["1001"], "the binding was not restored")
    assert registers(again, 1002)


def test_an_sqlite_installation_moves_to_postgresql_and_keeps_working(server_factory, database, monkeypatch):
    server = server_factory().start()
    server.api_token()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.cli("trunk", "add", "provider", "--host", "127.0.0.1:5999", "--username", "pbx", "--password", "Trunk-Secret-42")
    server.cli("block", "add", "198.51.100.7", "--note", "kept")
    server.stop()

    moved = subprocess.run([str(BINARY), "store", "migrate", "--from", f"sqlite:{server.data_dir}", "--to", database],
                           capture_output=True, text=True, timeout=120)
    assert moved.returncode == 0, moved.stderr
    assert "extension: 2 rows" in moved.stdout

    monkeypatch.setenv("PORTCULLIS_STORE", database)
    node = server_factory(data_dir=server.data_dir).start()
    assert "1001" in node.cli("extension", "list").stdout
    assert "198.51.100.7" in node.cli("block", "list").stdout
    # The routing loads only when the trunk's sealed password opens (with the data directory's secrets.key).
    assert "provider" in node.cli("trunk", "list").stdout
    assert registers(node, 1001), "the extensions' digests moved unchanged"

    again = subprocess.run([str(BINARY), "store", "migrate", "--from", f"sqlite:{server.data_dir}", "--to", database],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "only fills an empty one" in again.stderr


def postgres_control(action):
    """Stops or starts the test PostgreSQL (as its owner: the server refuses to run as root)."""
    directory = os.environ["PORTCULLIS_TEST_POSTGRES_DIR"]
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(binary), "-D", f"{directory}/data", "-w", "-m", "fast", action]
    if action == "start":
        port = SERVER.rsplit(":", 1)[1].split("/")[0]
        command = [str(binary), "-D", f"{directory}/data", "-w", "-l", f"{directory}/server.log", "-o",
                   f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c max_connections=200 -c fsync=off", "start"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def query(database, sql):
    return subprocess.run(["psql", database, "-tAc", sql], capture_output=True, text=True, timeout=30, check=True,
                          env={**os.environ, "PGPASSWORD": os.environ["PORTCULLIS_STORE_PASSWORD"]}).stdout.split()


def test_a_node_serves_on_while_postgresql_is_down_and_writes_what_it_kept_when_it_returns(server_factory, database, monkeypatch, media_dir):
    monkeypatch.setenv("PORTCULLIS_STORE", database)
    server = server_factory().start()
    server.api_token()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.cli("block", "add", "127.0.0.66", "--service", "sip")
    banned = SipClient(server.sip_port, source="127.0.0.66")
    postgres_control("stop")
    try:
        assert registers(server, 1001), "phones register with the database down"
        guesser = SipClient(server.sip_port, source="127.0.0.67")
        challenge, uri = guesser.register("1002")
        assert guesser.register("1002", authorization("1002", "Wrong-Guess-123", challenge_fields(challenge), uri))[0]["status"] == 403
        assert banned.probe(timeout=0.5) is None, "a ban stays enforced"
        # A call between two phones connects, with its media, and is recorded once the database is back.
        port = register_phone(server, 1002, "127.0.0.20")
        callee = phone("127.0.0.20", port, "uas", media_dir, "-rtp_echo")
        caller = dial(server, 1002, media_dir)
        assert caller.returncode == 0, caller.stderr[-1500:]
        assert finished(callee)[0] == 0
        # The location's write-behind tries, finds no connection within its lease timeout and keeps its batch (the
        # event log's own failed write does not count: it is not what raises Store Unreachable).
        server.wait_until(lambda: "location write failed; kept to try again" in (server.data_dir / "server.log").read_text(),
                          "the registration's write was not tried and kept", timeout=15)
    finally:
        postgres_control("start")
    server.wait_until(lambda: "1001" in query(database, "SELECT aor FROM binding"), "the registration made during the outage was not written",
                      timeout=20)
    server.wait_until(lambda: query(database, "SELECT caller || '>' || callee || ':' || disposition FROM cdr") == ["1001>1002:answered"],
                      "the call made during the outage was not recorded (once)", timeout=20)
    assert query(database, "SELECT count(*) FROM open_call") == ["0"], "the call is not left up in the journal"
    server.wait_for_event("Store Unreachable", timeout=20)
    server.wait_for_event("Store Reachable Again", timeout=20)
    failed = server.wait_for_event("Extension Registration Failed", lambda event: event["fields"].get("ip") == "127.0.0.67", timeout=20)
    assert failed, "an event raised during the outage is in the log"
