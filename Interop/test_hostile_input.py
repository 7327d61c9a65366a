"""Garbage on the SIP ports gets a 400 or a drop, never a crash, while a real phone keeps registering."""
import os
import random
import socket
import threading
import time

from portcullis_harness import SipClient, apply_config, authorization, challenge_fields, extensions_yaml, strong_password

VALID = (
    "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKg{n};rport\r\n"
    "From: <sip:1001@127.0.0.1>;tag=g\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: garbage-{n}\r\nCSeq: 1 REGISTER\r\n"
)


def register_once(client):
    """One phone (one contact) registering again, with a fresh challenge each time."""
    challenge, uri = client.register("1001")
    answer, _ = client.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))
    return answer["status"]


def udp_garbage(port, stop, sent, per_second=2000):
    """Garbage at a steady 2000 datagrams/s: far above any real noise. Unpaced floods are for the network guard.
    Runs until told to stop and at least 1000 datagrams are out; `sent` gets the count."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rng = random.Random(7)
    n = 0
    while not stop.is_set() or n < 1000:
        n += 1
        valid = VALID.format(port=sock.getsockname()[1] if n > 1 else 0, n=n).encode()
        choice = n % 4
        if choice == 0:
            payload = os.urandom(rng.randint(1, 1400))
        elif choice == 1:
            payload = valid[: rng.randint(1, len(valid) - 1)]
        elif choice == 2:
            payload = valid + b"Content-Length: 5000\r\n\r\nshort"
        else:
            payload = b"INVITE sip:x SIP/2.0\r\n" + bytes(rng.getrandbits(8) for _ in range(300))
        sock.sendto(payload, ("127.0.0.1", port))
        if n % 20 == 0:
            time.sleep(20 / per_second)
    sent.append(n)
    sock.close()


def test_garbage_never_stops_a_legitimate_registration(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001])).returncode == 0
    server.start()
    stop = threading.Event()
    sent = []
    flood = threading.Thread(target=udp_garbage, args=(server.sip_port, stop, sent))
    flood.start()
    phone = SipClient(server.sip_port)
    try:
        for _ in range(20):
            assert register_once(phone) == 200
        tcp_attacks(server.sip_port)
        assert register_once(phone) == 200
    finally:
        stop.set()
        flood.join()
    assert server.alive()
    status, _, metrics = server.api("GET", "/metrics")
    assert status == 200
    malformed = [line for line in metrics.splitlines() if line.startswith("portcullis_sip_malformed_total")]
    assert malformed, "malformed messages are counted"
    assert float(malformed[0].split()[-1]) >= sent[0] / 2, f"{malformed[0]} of {sent[0]} garbage datagrams"


def tcp_attacks(port):
    # A megabyte without a line end: the connection is closed, nothing is buffered beyond the limit.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        try:
            sock.sendall(b"A" * (1 << 20))
        except (BrokenPipeError, ConnectionResetError):
            pass
    # Ten thousand headers in one message.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        headers = "".join(f"X-Flood-{i}: {i}\r\n" for i in range(10_000)).encode()
        try:
            sock.sendall(VALID.format(port=5061, n="tcp").encode() + headers + b"Content-Length: 0\r\n\r\n")
            sock.settimeout(5)
            while sock.recv(4096):
                pass
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
    # Truncated, then the peer goes away.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(VALID.format(port=5061, n="cut").encode()[:60])


def test_content_length_beyond_the_body_gets_400_with_the_reason(server_factory):
    server = server_factory().start()
    client = SipClient(server.sip_port)
    client.send_raw(VALID.format(port=client.port, n="cl") + "Content-Length: 400\r\n\r\nabc")
    answer = client.receive()
    assert answer["status"] == 400
    assert "Content-Length 400" in answer["reason"]


def test_ten_thousand_headers_over_tcp_are_refused(server_factory):
    server = server_factory().start()
    with socket.create_connection(("127.0.0.1", server.sip_port)) as sock:
        headers = "".join(f"X-Flood-{i}: {i}\r\n" for i in range(10_000)).encode()
        message = VALID.format(port=5061, n="hdr").encode() + headers + b"Content-Length: 0\r\n\r\n"
        try:
            sock.sendall(message)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(5)
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    # Refused before the registrar sees it: a 401 challenge would mean 10,000 headers were parsed and processed.
    assert received == b"" or received.startswith((b"SIP/2.0 400", b"SIP/2.0 413", b"SIP/2.0 513")), received[:80]
    assert server.alive()
