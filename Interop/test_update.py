"""The signed update check against a release feed served over HTTPS on 127.0.0.1: a newer signed release is
announced once; a tampered manifest, another key's signature, a rollback and an unreachable feed each give a warning
and no announcement. Manifests are signed with scripts/sign-manifest, as a release manager would."""
import base64
import http.server
import json
import ssl
import subprocess
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portcullis_harness import BINARY, ROOT


def key_pair(path):
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return base64.b64encode(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


class Feed:
    """An HTTPS server answering /feed.json with whatever `document` holds."""

    def __init__(self, tmp_path):
        self.cert, key = tmp_path / "feed.pem", tmp_path / "feed.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(self.cert)],
                       check=True, capture_output=True, timeout=60)
        feed = self
        self.document = b""

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(feed.document)))
                self.end_headers()
                self.wfile.write(feed.document)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/feed.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, tmp_path, key, version, minimum="0.15.0"):
        manifest = tmp_path / f"manifest-{version}.json"
        manifest.write_text(json.dumps({"version": version, "minimumVersion": minimum, "notes": f"https://example.com/notes/{version}",
                                        "published": "2026-12-01T00:00:00Z",
                                        "downloads": [{"platform": "linux-x86_64", "url": f"https://example.com/{version}.tar.gz", "sha256": "00" * 32}]}))
        signed = subprocess.run([str(ROOT / "scripts" / "sign-manifest"), "--key", str(key), str(manifest)], capture_output=True, text=True, check=True)
        self.document = signed.stdout.encode()
        return json.loads(signed.stdout)


def test_a_newer_signed_release_is_announced_once_and_nothing_untrusted_is(server_factory, tmp_path):
    assert subprocess.run([str(BINARY), "--version"], capture_output=True, text=True).stdout.strip() == "0.16.0"
    server = server_factory()
    server.start()
    server.api_token()
    feed = Feed(tmp_path)
    release, other = tmp_path / "release.pem", tmp_path / "other.pem"
    public = key_pair(release)
    key_pair(other)
    for args, expected in [(("--feed", "http://127.0.0.1/feed.json"), "https://"), (("--public-key", "bm90LWEta2V5"), "Ed25519"),
                           (("--daily", "25:00"), "HH:MM")]:
        result = server.cli("update", "settings", "set", *args, check=False)
        assert result.returncode != 0 and expected in result.stderr, (args, result.stderr)
    server.cli("update", "settings", "set", "--feed", feed.url, "--public-key", public, "--ca-file", str(feed.cert))

    def announced():
        return server.events("New Version Detected")

    def warnings():
        return server.events("Update Check Failed")

    feed.publish(tmp_path, release, "9.1.0")
    result = json.loads(server.cli("update", "check", "--json").stdout)
    assert result["newer"] is True and result["offered"] == "9.1.0" and result["running"] == "0.16.0"
    event = server.wait_for_event("New Version Detected")[0]["fields"]
    assert event["version"] == "9.1.0" and event["notes"] == "https://example.com/notes/9.1.0" and event["upgrade"] == "direct"
    assert "9.1.0 is available" in server.cli("update", "check").stdout
    assert len(announced()) == 1, "the same version checked again is not announced again"

    signed = feed.publish(tmp_path, release, "9.2.0")
    manifest = json.loads(base64.b64decode(signed["manifest"]))
    manifest["downloads"][0]["url"] = "https://attacker.example/9.2.0.tar.gz"
    feed.document = json.dumps({"manifest": base64.b64encode(json.dumps(manifest).encode()).decode(), "signature": signed["signature"]}).encode()
    tampered = server.cli("update", "check", check=False)
    assert tampered.returncode != 0 and "signature does not verify" in tampered.stderr
    feed.publish(tmp_path, other, "9.2.0")
    assert "signature does not verify" in server.cli("update", "check", check=False).stderr
    feed.publish(tmp_path, release, "9.0.0")
    assert "rollback" in server.cli("update", "check", check=False).stderr
    feed.server.shutdown()
    feed.server.server_close()
    assert "cannot be reached" in server.cli("update", "check", check=False).stderr
    server.wait_until(lambda: len(warnings()) == 4, f"one warning per untrusted answer: {warnings()}")
    assert len(announced()) == 1 and all(e["level"] == "warning" for e in warnings())
