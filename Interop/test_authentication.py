"""Digest failures each get the right answer and an event; unknown users look exactly like wrong passwords."""
import time

from portcullis_harness import SipClient, apply_config, authorization, challenge_fields, extensions_yaml, strong_password


def start(server_factory, extra=""):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001], extra=extra)).returncode == 0
    return server.start()


def failures(server, reason):
    return server.wait_for_event("Extension Registration Failed", lambda e: e["fields"].get("reason") == reason)


def offered_algorithms(challenge):
    return [value.split("algorithm=")[1].split(",")[0] for value in challenge["headers"]["www-authenticate"]]


def test_md5_is_offered_by_default(server_factory):
    server = start(server_factory)
    challenge, _ = SipClient(server.sip_port).register("1001")
    assert offered_algorithms(challenge) == ["MD5"]


def test_right_password_registers_with_md5_and_sha256(server_factory):
    server = start(server_factory, extra="sip:\n  digestAlgorithms: [SHA-256, MD5]\n")
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1001")
    assert challenge["status"] == 401
    assert offered_algorithms(challenge) == ["SHA-256", "MD5"]
    for algorithm in ("MD5", "SHA-256"):
        answer, _ = client.register("1001", authorization(
            "1001", strong_password(1001), challenge_fields(challenge), uri, nc=1 if algorithm == "MD5" else 2, algorithm=algorithm))
        assert answer["status"] == 200, algorithm
        assert answer["headers"]["contact"][0].endswith("expires=60")


def test_wrong_password_and_unknown_user_get_the_same_answer(server_factory):
    server = start(server_factory)
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1001")
    wrong, _ = client.register("1001", authorization("1001", "Wrong-Pass-123", challenge_fields(challenge), uri))
    unknown_challenge, _ = client.register("1077")
    unknown, _ = client.register("1077", authorization("1077", "Wrong-Pass-123", challenge_fields(unknown_challenge), uri))
    assert challenge["status"] == unknown_challenge["status"] == 401
    assert wrong["status"] == unknown["status"] == 403
    assert wrong["reason"] == unknown["reason"] == "Forbidden"
    assert set(wrong["headers"]) == set(unknown["headers"])
    wrong_event = failures(server, "wrong digest")[0]["fields"]
    assert wrong_event["account"] == "1001" and wrong_event["ip"] == "127.0.0.1"
    assert wrong_event["user_agent"] == "interop-test"
    assert failures(server, "unknown user")[0]["fields"]["account"] == "1077"


def test_replayed_nonce_count_is_refused(server_factory):
    server = start(server_factory)
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1001")
    header = authorization("1001", strong_password(1001), challenge_fields(challenge), uri)
    first, _ = client.register("1001", header)
    assert first["status"] == 200
    replay, _ = client.register("1001", header)
    assert replay["status"] == 401
    assert "stale=true" in replay["headers"]["www-authenticate"][0]
    failures(server, "replayed nonce-count")


def test_expired_nonce_is_answered_stale(server_factory):
    server = start(server_factory, extra="sip:\n  nonceLifetime: 10\n")
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1001")
    time.sleep(11.5)
    late, _ = client.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))
    assert late["status"] == 401
    assert "stale=true" in late["headers"]["www-authenticate"][0]
    failures(server, "stale nonce")
    fresh = challenge_fields(late)
    retried, _ = client.register("1001", authorization("1001", strong_password(1001), fresh, uri))
    assert retried["status"] == 200


def test_registering_someone_elses_extension_is_refused(server_factory):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1002")
    answer, _ = client.register("1002", authorization("1001", strong_password(1001), challenge_fields(challenge), uri))
    assert answer["status"] == 403
    assert server.registrations() == []


def test_too_brief_expiry_gets_423_with_min_expires(server_factory):
    server = start(server_factory)
    client = SipClient(server.sip_port)
    challenge, uri = client.register("1001", expires=5)
    answer, _ = client.register("1001", authorization("1001", strong_password(1001), challenge_fields(challenge), uri), expires=5)
    assert answer["status"] == 423
    assert answer["headers"]["min-expires"] == ["60"]


def test_options_is_answered(server_factory):
    server = start(server_factory)
    answer = SipClient(server.sip_port).options()
    assert answer["status"] == 200
    assert "REGISTER" in answer["headers"]["allow"][0]
