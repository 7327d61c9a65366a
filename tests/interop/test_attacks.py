"""The attacks of the hardening review (issue 12), each sent as the attacker sent it, from its own 127.0.0.0/8
address, while a legitimate phone keeps working. Each test names the finding it covers."""
import socket

from portcullis_harness import SipClient, parse_response


def attacker_socket(source, kind=socket.SOCK_DGRAM):
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind((source, 0))
    sock.settimeout(3)
    return sock


def options(via, call_id="attack"):
    return ("OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
            f"Via: {via}\r\n"
            f"From: <sip:probe@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def listeners(server):
    status, _, health = server.api("GET", "/healthz", token=None)
    return status, health


def test_finding_1_a_via_with_port_zero_does_not_close_the_udp_listener(server_factory):
    server = server_factory().start()
    attacker = attacker_socket("127.0.0.181")
    # No rport: the reply would go to the Via's port, 0, which no socket can send to.
    attacker.sendto(options("SIP/2.0/UDP 127.0.0.181:0;branch=z9hG4bKzero"), ("127.0.0.1", server.sip_port))
    answer = parse_response(attacker.recvfrom(65535)[0])
    assert answer["status"] == 400, "a sent-by port 0 is refused, and the refusal goes to the source port"
    phone = SipClient(server.sip_port)
    for _ in range(3):
        assert phone.options()["status"] == 200
    status, health = listeners(server)
    assert status == 200 and health["status"] == "ok"
    assert {(listener["transport"], listener["state"], listener["reopened"]) for listener in health["listeners"]} == {
        ("udp", "listening", 0), ("tcp", "listening", 0)}
    assert server.alive()


def test_finding_4_replies_tell_a_phone_behind_nat_its_public_address(server_factory):
    server = server_factory().start()
    phone = attacker_socket("127.0.0.182")
    port = phone.getsockname()[1]
    phone.sendto(options("SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport", call_id="nat"), ("127.0.0.1", server.sip_port))
    answer = parse_response(phone.recvfrom(65535)[0])
    assert answer["status"] == 200
    assert answer["headers"]["via"][0] == f"SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport={port};received=127.0.0.182"
