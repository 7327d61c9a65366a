"""Backup and restore: a backup made while the PBX runs brings back the configuration, call records and events
after the data directory is wiped; a wrong passphrase, a flipped byte and a backup from a newer version are refused
with nothing changed; a restore killed midway leaves the previous data."""
import base64
import hashlib
import json
import shutil
import signal
import sqlite3
import struct
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portcullis_harness import BINARY, SipClient, apply_config, authenticated_invite, extensions_yaml

PASSPHRASE = "correct horse battery staple"
MAGIC = b"PORTCULLIS-BACKUP\n"


@pytest.fixture
def passphrase(tmp_path):
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


def populated(server_factory):
    """A server with extensions, a network rule, a refused call (a call record) and some events."""
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002, 1003])).returncode == 0
    server.start()
    server.api_token()
    server.cli("block", "add", "203.0.113.0/24", "--note", "known scanner network")
    caller = SipClient(server.sip_port, source="127.0.0.10")
    try:
        answer, _, _ = authenticated_invite(caller, 1002)  # 1002 has no device: refused, recorded
        assert answer["status"] >= 400
    finally:
        caller.close()
    server.wait_until(lambda: json.loads(server.cli("cdr", "list", "--json").stdout), "no call record")
    return server


def state(server):
    """What a restore must bring back, as the CLI shows it."""
    return {
        "config": server.cli("config", "export").stdout,
        "cdr": json.loads(server.cli("cdr", "list", "--json").stdout),
        "blocks": [(b["source"], b.get("note")) for b in json.loads(server.cli("block", "list", "--json").stdout)],
        "users": [u["username"] for u in json.loads(server.cli("user", "list", "--json").stdout)],
    }


def events(server):
    return {(e["time"], e["name"]) for e in server.events()}


def create(server, passphrase, path, include="cdr,events"):
    result = server.cli("backup", "create", "--include", include, "--passphrase-file", str(passphrase), "--output", str(path))
    assert path.exists() and "backup written to" in result.stdout
    return path


def read_archive(path, passphrase):
    """Decrypts a backup with nothing but the documented format: scrypt, AES-256-GCM chunks, the entry stream."""
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    offset = len(MAGIC)
    (length,) = struct.unpack(">I", data[offset:offset + 4])
    header_bytes = data[offset + 4:offset + 4 + length]
    header = json.loads(header_bytes)
    offset += 4 + length
    kdf = header["key"]
    derived = hashlib.scrypt(passphrase.encode(), salt=base64.b64decode(kdf["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"], maxmem=256 << 20, dklen=64)
    key, prefix = derived[:32], base64.b64decode(header["noncePrefix"])
    stream, index = b"", 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        body = data[offset + 4:offset + 4 + length]
        offset += 4 + length
        final = offset == len(data)
        stream += AESGCM(key).decrypt(prefix + struct.pack(">I", index), body, header_bytes + struct.pack(">I", index) + bytes([final]))
        index += 1
    entries, position = {}, 0
    while position < len(stream):
        (name_length,) = struct.unpack(">I", stream[position:position + 4])
        name = stream[position + 4:position + 4 + name_length].decode()
        (size,) = struct.unpack(">Q", stream[position + 4 + name_length:position + 12 + name_length])
        start = position + 12 + name_length
        entries[name] = stream[start:start + size]
        position = start + size
    return header_bytes, key, prefix, entries


def write_archive(path, header_bytes, key, prefix, entries):
    stream = b"".join(struct.pack(">I", len(n.encode())) + n.encode() + struct.pack(">Q", len(v)) + v for n, v in entries.items())
    chunks = [stream[i:i + (1 << 20)] for i in range(0, len(stream), 1 << 20)] or [b""]
    out = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
    for index, chunk in enumerate(chunks):
        final = index == len(chunks) - 1
        sealed = AESGCM(key).encrypt(prefix + struct.pack(">I", index), chunk, header_bytes + struct.pack(">I", index) + bytes([final]))
        out += struct.pack(">I", len(sealed)) + sealed
    path.write_bytes(out)


def test_backup_wipe_restore_brings_everything_back_and_bad_backups_change_nothing(server_factory, passphrase, tmp_path):
    server = populated(server_factory)
    before, logged = state(server), events(server)
    backup = create(server, passphrase, tmp_path / "full.pcbk")
    assert PASSPHRASE.encode() not in backup.read_bytes() and b"1001" not in backup.read_bytes(), "encrypted"
    listed = json.loads(server.cli("backup", "list", "--json").stdout)
    assert listed["backups"] == [], "--output moved it out of the backup directory"

    # Wipe: a new installation on an empty data directory.
    server.stop()
    shutil.rmtree(server.data_dir)
    fresh = server_factory()
    fresh.data_dir = server.data_dir
    fresh.start()
    fresh.api_token()
    empty = state(fresh)
    assert empty["config"] != before["config"] and empty["cdr"] == []

    # Refused, and nothing changed: a wrong passphrase, a flipped byte, a cut file, a newer version, not a backup.
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all\n")
    flipped = tmp_path / "flipped.pcbk"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    cut = tmp_path / "cut.pcbk"
    cut.write_bytes(backup.read_bytes()[:-100])
    header_bytes, key, prefix, entries = read_archive(backup, PASSPHRASE)
    manifest = json.loads(entries["manifest.json"])
    assert manifest["parts"] == ["cdr", "events"] and manifest["format"] == 1 and manifest["portcullisVersion"]
    database = tmp_path / "future.sqlite"
    database.write_bytes(entries["portcullis.sqlite"])
    db = sqlite3.connect(database)
    db.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99 from a newer version')")
    db.commit()
    db.close()
    entries["portcullis.sqlite"] = database.read_bytes()
    manifest["checksums"]["portcullis.sqlite"] = hashlib.sha256(entries["portcullis.sqlite"]).hexdigest()
    manifest["portcullisVersion"] = "9.0.0"
    entries["manifest.json"] = json.dumps(manifest).encode()
    newer = tmp_path / "newer.pcbk"
    write_archive(newer, header_bytes, key, prefix, entries)
    garbage = tmp_path / "garbage.pcbk"
    garbage.write_bytes(b"PK\x03\x04 not a backup")
    for file, words, expected in [(backup, wrong, "wrong passphrase"), (flipped, passphrase, "damaged"), (cut, passphrase, "damaged"),
                                  (newer, passphrase, "newer Portcullis"), (garbage, passphrase, "not a Portcullis backup")]:
        result = fresh.cli("backup", "restore", str(file), "--passphrase-file", str(words), check=False)
        assert result.returncode != 0 and expected in result.stderr and "nothing was changed" in result.stderr, (file.name, result.stderr)
        assert state(fresh) == empty, f"{file.name} changed something"
    assert not (fresh.data_dir / "restore-staging").exists()

    # The real one: live at once where it can be, and the restart it asks for finishes it.
    result = fresh.cli("backup", "restore", str(backup), "--passphrase-file", str(passphrase))
    assert "restored full.pcbk" in result.stdout and "configuration, cdr, events" in result.stdout
    assert "restart the server to finish" in result.stdout, "a new installation has another realm and secrets key"
    assert state(fresh)["config"] == before["config"], "the configuration is live at once"
    restored = fresh.wait_for_event("System Restore")[0]["fields"]
    assert restored["parts"] == "configuration,cdr,events" and restored["backup"] == "full.pcbk"
    fresh.stop()
    fresh.start()
    assert state(fresh) == before
    assert logged <= events(fresh), "every event of the backup is back"
    assert "1001" in fresh.cli("extension", "list").stdout


def test_a_configuration_only_backup_keeps_the_call_records_and_a_schedule_makes_and_prunes(server_factory, passphrase, tmp_path):
    server = populated(server_factory)
    backup = create(server, passphrase, tmp_path / "config.pcbk", include="none")
    header_bytes, key, prefix, entries = read_archive(backup, PASSPHRASE)
    with open(tmp_path / "copy.sqlite", "wb") as out:
        out.write(entries["portcullis.sqlite"])
    db = sqlite3.connect(tmp_path / "copy.sqlite")
    assert db.execute("SELECT COUNT(*) FROM cdr").fetchone()[0] == 0 and db.execute("SELECT COUNT(*) FROM event").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM extension").fetchone()[0] == 3
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "the copy is one self-contained file"
    db.close()
    calls = json.loads(server.cli("cdr", "list", "--json").stdout)
    server.cli("extension", "remove", "1003")
    server.cli("backup", "restore", str(backup), "--passphrase-file", str(passphrase))
    assert "1003" in server.cli("extension", "list").stdout, "the configuration came back, live"
    assert json.loads(server.cli("cdr", "list", "--json").stdout) == calls, "call records were not in it and stay"
    for args, expected in [
        (("backup", "schedule", "set", "--daily", "25:00", "--passphrase-file", str(passphrase)), "HH:MM"),
        (("backup", "schedule", "set", "--daily", "02:00"), "needs a passphrase"),
        (("backup", "schedule", "set", "--weekly", "someday 02:00"), "a day and a time"),
        (("backup", "create", "--include", "prompts", "--passphrase-file", str(passphrase)), "--include"),
        (("backup", "restore", "no-such.pcbk", "--passphrase-file", str(passphrase)), "no backup named"),
    ]:
        result = server.cli(*args, check=False)
        assert result.returncode != 0 and expected in result.stderr, (args, result.stderr)
    short = tmp_path / "short"
    short.write_text("too short\n")
    result = server.cli("backup", "create", "--passphrase-file", str(short), check=False)
    assert result.returncode != 0 and "at least 12 characters" in result.stderr
    server.cli("backup", "create", "--passphrase-file", str(passphrase))
    listed = json.loads(server.cli("backup", "list", "--json").stdout)["backups"]
    request = urllib.request.Request(f"{server.api_url}/api/v1/backups/{listed[0]['name']}", headers={"Authorization": f"Bearer {server.api_token()}"})
    with urllib.request.urlopen(request, context=server.tls_context(), timeout=30) as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.read() == open(listed[0]["path"], "rb").read()
    for name in ("..%2Fsecrets.key", "portcullis.sqlite", "no-such.pcbk"):
        request = urllib.request.Request(f"{server.api_url}/api/v1/backups/{name}", headers={"Authorization": f"Bearer {server.api_token()}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, context=server.tls_context(), timeout=30)
        assert refused.value.code == 404
    assert "no scheduled backups" in server.cli("backup", "schedule").stdout
    server.cli("backup", "schedule", "set", "--daily", "03:30", "--time-zone", "Europe/London", "--keep", "2", "--include", "cdr",
               "--passphrase-file", str(passphrase))
    shown = json.loads(server.cli("backup", "list", "--json").stdout)
    assert shown["passphraseSet"] is True and "passphrase" not in shown["schedule"] and shown["nextScheduled"]
    assert "scheduled daily at 03:30 Europe/London, keeping 2, with configuration, cdr" in server.cli("backup", "schedule").stdout


def test_a_restore_killed_midway_leaves_the_previous_data(server_factory, passphrase, tmp_path):
    server = populated(server_factory)
    backup = create(server, passphrase, tmp_path / "full.pcbk")
    server.cli("extension", "remove", "1003")
    before = state(server)
    restore = subprocess.Popen([str(BINARY), "backup", "restore", str(backup), "--passphrase-file", str(passphrase), "--data-dir", str(server.data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    staging = server.data_dir / "restore-staging"
    deadline = time.time() + 20
    while time.time() < deadline and not staging.exists():
        time.sleep(0.005)
    assert staging.exists(), "the restore never started staging"
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    restore.communicate(timeout=30)
    assert restore.returncode != 0
    # What a backup killed midway leaves looks like this; the start clears it too.
    (server.data_dir / "backup-work-42").mkdir()
    (server.data_dir / "backups").mkdir(exist_ok=True)
    (server.data_dir / "backups" / "portcullis-20270101-000000.pcbk.partial").write_bytes(b"half")
    server.start()
    assert state(server) == before, "the previous data is intact"
    assert not staging.exists(), "what the interrupted restore left is cleared at start"
    assert not (server.data_dir / "backup-work-42").exists() and not list((server.data_dir / "backups").glob("*.partial"))
