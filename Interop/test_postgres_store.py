"""A node on PostgreSQL instead of the embedded SQLite file, against the PostgreSQL scripts/test starts: phones
register and the data outlives the process; an SQLite installation moves over with `store migrate` and keeps working
(the same passwords; the trunk's sealed secret opens); a second migration into the filled database is refused."""
import os
import subprocess
import uuid

import pytest

from portcullis_harness import BINARY, SipClient, apply_config, authorization, challenge_fields, extensions_yaml, strong_password

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
