"""IPv6 and TLS listeners."""
import socket
import ssl
import subprocess

import pytest

from portcullis_harness import SipClient, free_port


def test_ipv6_listener_answers(server_factory):
    port = free_port(family=socket.AF_INET6, host="::1")
    server = server_factory(sip_listen=[f"[::1]:{port}"])
    server.sip_port = port
    server.start()
    client = SipClient(port, host="::1", family=socket.AF_INET6)
    assert client.options()["status"] == 200


def test_tls_listener_with_a_certificate(server_factory, tmp_path):
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(certificate),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    port = free_port()
    server = server_factory(sip_listen=[f"tls:127.0.0.1:{port}"],
                            extra_args=["--tls-certificate", str(certificate), "--tls-key", str(key)])
    server.start()
    context = ssl.create_default_context(cafile=str(certificate))
    context.check_hostname = False
    with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw) as tls:
        request = (
            f"OPTIONS sip:127.0.0.1:{port};transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKtls\r\n"
            "From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: tls-1\r\nCSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n")
        tls.sendall(request.encode())
        assert tls.recv(4096).startswith(b"SIP/2.0 200 OK")


def test_tls_without_a_certificate_is_refused_at_start(server_factory):
    server = server_factory(sip_listen=[f"tls:127.0.0.1:{free_port()}"])
    with pytest.raises(AssertionError, match="server exited with") as refused:
        server.start(timeout=15)
    assert server.process.returncode != 0
    assert "certificate" in str(refused.value)
