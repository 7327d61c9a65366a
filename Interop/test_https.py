"""The admin listener over HTTPS (issue 15, first point): a self-signed certificate made at first start with its
fingerprint printed, a configured certificate that replaces it and is reloaded without a restart, plain HTTP that only
redirects, and the security headers on every response."""
import hashlib
import os
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

from portcullis_harness import apply_config, free_port


def presented(server, context=None):
    """The certificate the listener presents now (DER)."""
    context = context or ssl._create_unverified_context()
    with socket.create_connection(("127.0.0.1", server.api_port), timeout=10) as plain:
        with context.wrap_socket(plain, server_hostname="127.0.0.1") as tls:
            return tls.getpeercert(binary_form=True)


def test_first_start_makes_a_certificate_for_this_host_and_prints_its_fingerprint(server_factory):
    server = server_factory().start()
    der = presented(server, server.tls_context())
    fingerprint = ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())
    assert f"admin API on https://127.0.0.1:{server.api_port} (certificate SHA-256 {fingerprint})" in "".join(server.output)
    assert os.stat(server.data_dir / "api-key.pem").st_mode & 0o777 == 0o600, "the key is the owner's alone"
    text = subprocess.run(["openssl", "x509", "-noout", "-text"], input=ssl.DER_cert_to_PEM_cert(der), capture_output=True, text=True,
                          check=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text and "prime256v1" in text and "CA:FALSE" in text
    with socket.create_connection(("127.0.0.1", server.api_port), timeout=10) as plain:
        with server.tls_context().wrap_socket(plain, server_hostname="localhost"):
            pass
    restarted_fingerprint = fingerprint
    server.stop()
    server.start()
    assert hashlib.sha256(presented(server)).digest().hex() == restarted_fingerprint.replace(":", "").lower(), "kept across restarts"


def test_every_response_carries_the_security_headers(server_factory):
    server = server_factory().start()
    for path, token, status in [("/healthz", None, 200), ("/api/v1/extensions", None, 401), ("/api/v1/nothing-here", "auto", 404)]:
        answer, headers, _ = server.api("GET", path, token=token)
        assert answer == status, (path, answer)
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Content-Type-Options"] == "nosniff"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_plain_http_only_redirects_to_https(server_factory):
    server = server_factory()
    redirect_port = free_port(socket.SOCK_STREAM)
    config = f"api:\n  listen: 127.0.0.1:{server.api_port}\n  redirectListen: 127.0.0.1:{redirect_port}\nextensions: []\n"
    assert apply_config(server, config).returncode == 0
    server.start()
    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.time() + 10
    while True:
        try:
            opener.open(f"http://127.0.0.1:{redirect_port}/api/v1/me?x=1", timeout=5)
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code == 301 and answer.headers["Location"] == f"https://127.0.0.1:{server.api_port}/api/v1/me?x=1"
            break
        except urllib.error.URLError:
            assert time.time() < deadline
            time.sleep(0.05)
    request = urllib.request.Request(f"http://127.0.0.1:{redirect_port}/", headers={"Host": "evil.example"})
    try:
        opener.open(request, timeout=5)
    except urllib.error.HTTPError as answer:
        assert answer.headers["Location"] == f"https://127.0.0.1:{server.api_port}/", "never a redirect to another site"
    post = urllib.request.Request(f"http://127.0.0.1:{redirect_port}/api/v1/login", data=b"{}", method="POST",
                                  headers={"Content-Type": "application/json"})
    try:
        opener.open(post, timeout=5)
        raise AssertionError("a plain HTTP login was served")
    except urllib.error.HTTPError as answer:
        assert answer.code != 200 and answer.code != 401

    # Plain HTTP on the HTTPS port itself (someone typed http://): a redirect, never the portal or the API.
    for host, expected in ((f"127.0.0.1:{server.api_port}", "127.0.0.1"), ("evil.example", "127.0.0.1")):
        request = urllib.request.Request(f"http://127.0.0.1:{server.api_port}/security/rules?tab=blocked", headers={"Host": host})
        try:
            opener.open(request, timeout=5)
            raise AssertionError("plain HTTP was served on the HTTPS port")
        except urllib.error.HTTPError as answer:
            assert answer.code == 301
            assert answer.headers["Location"] == f"https://{expected}:{server.api_port}/security/rules?tab=blocked"
    # A request head that never ends is cut at 8 KB and answered the same way.
    with socket.create_connection(("127.0.0.1", server.api_port), timeout=5) as raw:
        raw.sendall(b"GET /" + b"a" * 9000)
        assert raw.recv(4096).startswith(b"HTTP/1.1 301")
    # TLS on the same port is untouched.
    assert server.api("GET", "/healthz", token=None)[0] == 200


def make_certificate(directory, name):
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_a_configured_certificate_replaces_the_generated_one_and_reloads_without_restart(server_factory, tmp_path):
    server = server_factory()
    first_cert, first_key = make_certificate(tmp_path, "first")
    live_cert, live_key = tmp_path / "live.pem", tmp_path / "live.key"
    live_cert.write_bytes(first_cert.read_bytes())
    live_key.write_bytes(first_key.read_bytes())
    config = f"api:\n  listen: 127.0.0.1:{server.api_port}\n  tls:\n    certificate: {live_cert}\n    key: {live_key}\nextensions: []\n"
    assert apply_config(server, config).returncode == 0
    server.ca_file = first_cert
    server.start()
    trusted = ssl.create_default_context(cafile=str(first_cert))
    assert presented(server, trusted) == ssl.PEM_cert_to_DER_cert(first_cert.read_text())
    assert not (server.data_dir / "api-certificate.pem").exists(), "nothing self-signed when one is configured"
    second_cert, second_key = make_certificate(tmp_path, "second")
    live_key.write_bytes(second_key.read_bytes())
    live_cert.write_bytes(second_cert.read_bytes())
    later = time.time() + 5  # newer than the first pair whatever the file system's time resolution
    os.utime(live_key, (later, later))
    os.utime(live_cert, (later, later))
    expected = ssl.PEM_cert_to_DER_cert(second_cert.read_text())
    deadline = time.time() + 10
    while presented(server) != expected:
        assert time.time() < deadline, "the renewed certificate was not taken up"
        time.sleep(0.2)
    assert server.alive()
