"""Accounts and login security (issue 14): roles against every operation, sessions with CSRF, the login lockout, bad
API tokens, TOTP and emailed codes, one-time login links with QR codes, the audit trail, and bad input."""
import http.client
import json
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from portcullis_harness import ADMIN, ADMIN_PASSWORD, ROOT, end, free_port

PASSWORD = "Quiet7-Harbor-Lamp9"
PEERS = ROOT / "Interop" / "peers"


class Browser:
    """Requests from one source address holding the session cookie and CSRF token, as a browser would."""

    def __init__(self, server, source="127.0.0.1"):
        self.server = server
        self.source = source
        self.cookie = None
        self.csrf = None
        self.last_headers = {}

    def request(self, method, path, body=None, csrf=True, token=None, headers=None):
        """(status, parsed body); status None when the server refused the connection (a blocked source)."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.server.api_port, source_address=(self.source, 0), timeout=30,
                                                 context=self.server.tls_context())
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if self.cookie:
            sent["Cookie"] = f"portcullis_session={self.cookie}"
        if csrf and self.csrf:
            sent["X-CSRF-Token"] = self.csrf
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
        except (ConnectionError, http.client.RemoteDisconnected, OSError):
            return None, None
        finally:
            connection.close()
        self.last_headers = {key.lower(): value for key, value in response.getheaders()}
        # A login sets two cookies (the session and its CSRF token); the session's is the one this client keeps.
        self.cookies = [value for key, value in response.getheaders() if key.lower() == "set-cookie"]
        cookie = next((value for value in self.cookies if value.startswith("portcullis_session=")), "")
        if cookie:
            self.last_headers["set-cookie"] = cookie
        if cookie.startswith("portcullis_session="):
            self.cookie = cookie.split(";")[0].split("=", 1)[1] or None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode()
        return response.status, parsed

    def login(self, username, password, **extra):
        status, body = self.request("POST", "/api/v1/login", {"username": username, "password": password, **extra}, csrf=False)
        if status == 200:
            self.csrf = body["csrfToken"]
        return status, body


def started(server_factory, **kwargs):
    server = server_factory(**kwargs).start()
    server.api_token()
    return server


def user_add(server, name, role, *extra):
    server.cli("user", "add", name, "--role", role, "--password", PASSWORD, *extra)


def meets(role, needs):
    """Whether a role (as `role list --json` shows it) meets an operation's x-permission."""
    if needs == "signed in":
        return True
    if needs == "Super Administrator":
        return role["name"] == "Super Administrator"
    category, access = needs.split(": ")
    permissions = role["permissions"]
    return "everything" in permissions or f"{category}: manage" in permissions or (access == "view" and f"{category}: view" in permissions)


def test_every_role_against_every_operation_of_the_live_api(server_factory):
    """Each built-in role and a custom one, with a token of a user of that role, against every operation the OpenAPI
    document lists: 403 exactly when the role does not meet the operation's x-permission. Bodies are invalid on
    purpose, so an allowed call is refused as bad input (or not found) and nothing changes."""
    server = started(server_factory)
    server.cli("role", "add", "Night Desk", "--permission", "Security:view", "--permission", "Extensions and Trunks:manage",
               "--scope", "100-199")
    roles = json.loads(server.cli("role", "list", "--json").stdout)
    assert [r["name"] for r in roles][:7] == ["Super Administrator", "Administrator", "Supervisor", "Operator", "Employee",
                                             "Human Resource", "Accounting"] and roles[7]["name"] == "Night Desk"
    tokens = {}
    for index, role in enumerate(roles):
        if role["name"] == "Super Administrator":
            tokens[role["name"]] = server.api_token()
            continue
        user_add(server, f"user{index}", role["name"])
        tokens[role["name"]] = server.cli("token", "create", "--user", f"user{index}", "--name", role["name"]).stdout.strip()
    status, _, document = server.api("GET", "/api/v1/openapi.json")
    assert status == 200
    browser = Browser(server)
    checked = 0
    for role in roles:
        for path, operations in sorted(document["paths"].items()):
            for method, operation in sorted(operations.items()):
                needs = operation.get("x-permission")
                if needs is None:
                    continue
                concrete = path.replace("{number}", "150").replace("{name}", "none").replace("{target}", "192.0.2.1") \
                    .replace("{extension}", "150").replace("{username}", "nobody").replace("{id}", "none")
                body = {"unknownField": 1} if method in ("post", "put", "patch") else None
                status, answer = browser.request(method.upper(), concrete, body, token=tokens[role["name"]])
                assert status is not None
                assert (status == 403) == (not meets(role, needs)), f"{role['name']} {method} {path} -> {status} {answer}, needs {needs}"
                checked += 1
    assert checked >= len(roles) * 40
    assert json.loads(server.cli("extension", "list", "--json").stdout) == [], "no call changed anything"


def test_a_scoped_role_sees_and_changes_only_its_extensions(server_factory):
    server = started(server_factory)
    for number in ("101", "150", "201"):
        server.cli("extension", "add", number)
    server.cli("role", "add", "Floor 1", "--permission", "Extensions and Trunks:manage", "--scope", "100-199")
    user_add(server, "floor", "Floor 1")
    token = server.cli("token", "create", "--user", "floor", "--name", "floor").stdout.strip()
    browser = Browser(server)
    status, listed = browser.request("GET", "/api/v1/extensions", token=token)
    assert status == 200 and [item["number"] for item in listed["items"]] == ["101", "150"]
    assert browser.request("GET", "/api/v1/extensions/201", token=token)[0] == 403
    assert browser.request("DELETE", "/api/v1/extensions/201", token=token)[0] == 403
    assert browser.request("POST", "/api/v1/extensions", {"number": "301"}, token=token)[0] == 403
    assert browser.request("POST", "/api/v1/extensions", {"number": "120"}, token=token)[0] == 201
    assert "201" in server.cli("extension", "list").stdout


def test_nobody_gives_or_uses_more_than_their_own_role(server_factory):
    """An Administrator manages users but cannot act for the Super Administrator, give a role above their own, or
    manage roles."""
    server = started(server_factory)
    user_add(server, "ada", "Administrator")
    token = server.cli("token", "create", "--user", "ada", "--name", "ada").stdout.strip()
    browser = Browser(server)
    assert browser.request("POST", "/api/v1/tokens", {"name": "steal", "user": ADMIN}, token=token)[0] == 403
    assert browser.request("PATCH", f"/api/v1/users/{ADMIN}", {"password": "Other8-Harbor-Lamp9"}, token=token)[0] == 403
    assert browser.request("POST", "/api/v1/roles", {"name": "Mine", "permissions": ["Security:view"]}, token=token)[0] == 403
    assert browser.request("POST", "/api/v1/users", {"username": "olga", "role": "Operator", "password": PASSWORD}, token=token)[0] == 201
    operator = server.cli("token", "create", "--user", "olga", "--name", "olga").stdout.strip()
    assert browser.request("GET", "/api/v1/network/blocks", token=operator)[0] == 200
    assert browser.request("POST", "/api/v1/extensions", {"number": "1001"}, token=operator)[0] == 403


def test_a_session_needs_its_csrf_token_and_ends_at_logout(server_factory):
    server = started(server_factory)
    user_add(server, "olga", "Operator")
    browser = Browser(server)
    status, answer = browser.login("olga", PASSWORD)
    assert status == 200 and answer["role"] == "Operator" and len(answer["csrfToken"]) == 64
    cookie = browser.last_headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert attribute in cookie, cookie
    assert answer["csrfToken"] not in cookie and "sessionSecret" not in answer
    # The CSRF token also travels in a cookie of its own, for the portal's forms; script cannot read it either.
    csrf_cookie = next(value for value in browser.cookies if value.startswith("portcullis_csrf="))
    assert csrf_cookie.split(";")[0] == f"portcullis_csrf={answer['csrfToken']}" and "HttpOnly" in csrf_cookie
    status, me = browser.request("GET", "/api/v1/me")
    assert status == 200 and me["username"] == "olga" and me["credential"] == "olga (session)"
    block = {"source": "192.0.2.10", "note": "csrf test"}
    status, refused = browser.request("POST", "/api/v1/network/blocks", block, csrf=False)
    assert status == 403 and "X-CSRF-Token" in refused["detail"]
    status, _ = browser.request("POST", "/api/v1/network/blocks", {**block}, headers={"X-CSRF-Token": "0" * 64}, csrf=False)
    assert status == 403
    assert "192.0.2.10" not in server.cli("block", "list").stdout, "a refused request changes nothing"
    assert browser.request("POST", "/api/v1/network/blocks", block)[0] == 201
    other = Browser(server, "127.0.0.31")
    assert other.login("olga", PASSWORD)[0] == 200
    status, sessions = browser.request("GET", "/api/v1/sessions")
    assert status == 200 and len(sessions["items"]) == 2 and sum(item["current"] for item in sessions["items"]) == 1
    listed = json.loads(server.cli("session", "list", "--json").stdout)
    assert {item["address"] for item in listed} == {"127.0.0.1", "127.0.0.31"}
    # Changing the password ends the user's other sessions, not this one.
    status, _ = browser.request("PUT", "/api/v1/me/password", {"currentPassword": PASSWORD, "newPassword": "Other8-Harbor-Lamp9"})
    assert status == 200
    assert other.request("GET", "/api/v1/me")[0] == 401
    assert browser.request("GET", "/api/v1/me")[0] == 200
    changed = server.wait_for_event("User Password Changed")[0]["fields"]
    assert changed["username"] == "olga" and "Other8" not in json.dumps(changed)
    assert browser.request("POST", "/api/v1/logout")[0] == 204
    assert browser.request("GET", "/api/v1/me")[0] == 401
    # An administrator ends another user's session from the CLI.
    assert other.login("olga", "Other8-Harbor-Lamp9")[0] == 200
    session_id = json.loads(server.cli("session", "list", "--json").stdout)[0]["id"]
    server.cli("session", "revoke", session_id)
    assert other.request("GET", "/api/v1/me")[0] == 401


def test_unknown_user_and_wrong_password_get_the_same_answer(server_factory):
    server = started(server_factory)
    user_add(server, "olga", "Operator")
    browser = Browser(server)
    unknown = browser.login("nobody-here", PASSWORD)
    wrong = browser.login("olga", "Wrong8-Harbor-Lamp9")
    assert unknown == wrong and unknown[0] == 401, (unknown, wrong)
    failed = server.wait_for_event("Web User Login Failed", lambda e: e["fields"]["username"] == "olga")[0]["fields"]
    assert failed["reason"] == "wrong password" and "Wrong8" not in json.dumps(failed)


def test_a_password_guesser_is_refused_then_blocked_while_a_user_logs_in_throughout(server_factory):
    server = started(server_factory)
    user_add(server, "olga", "Operator")
    guesser, user = Browser(server, "127.0.0.30"), Browser(server, "127.0.0.31")
    statuses = []
    for attempt in range(10):
        statuses.append(guesser.login("olga", f"Guess{attempt}-Harbor-Lamp")[0])
        if attempt in (2, 6):
            assert user.login("olga", PASSWORD)[0] == 200, "a legitimate user elsewhere logs in"
    assert statuses == [401] * 5 + [429] * 5, statuses
    assert guesser.login("olga", PASSWORD)[0] is None, "blocked: the connection is refused"
    assert user.login("olga", PASSWORD)[0] == 200
    event = server.wait_for_event("Web User Blocked Out")[0]["fields"]
    assert event["source"] == "127.0.0.30" and event["defenseType"] == "Web Login" and event["blockRange"] == "WebUser:olga"
    row = next(b for b in json.loads(server.cli("block", "list", "--json").stdout) if b["source"] == "127.0.0.30")
    assert (row["defenseType"], row["blockType"], row["account"], row["protocol"], row["port"], row["service"]) == \
        ("Web Login", "ip", "WebUser:olga", "HTTPS", server.api_port, "api")
    assert row["expiresAt"] and row["attackedAt"]
    server.wait_until(lambda: len(server.events("Web User Login Failed")) >= 10, "every failure is an event")


def test_five_bad_api_tokens_block_the_source(server_factory):
    server = started(server_factory)
    attacker = Browser(server, "127.0.0.32")
    statuses = [attacker.request("GET", "/api/v1/extensions", token="pct_" + f"{i:064x}")[0] for i in range(5)]
    assert statuses == [401] * 5
    assert attacker.request("GET", "/api/v1/extensions", token=server.api_token())[0] is None, "blocked, even with a good token"
    event = server.wait_for_event("API Authentication Blocked Out")[0]["fields"]
    assert event["source"] == "127.0.0.32" and event["defenseType"] == "API Authentication"
    assert Browser(server).request("GET", "/api/v1/extensions", token=server.api_token())[0] == 200


def decode_qr(svg, tmp_path):
    """What a phone's camera reads: the SVG drawn by librsvg (rsvg-convert), then decoded by zbarimg."""
    path = tmp_path / f"qr-{time.monotonic_ns()}.svg"
    path.write_text(svg)
    png = path.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-o", str(png), str(path)], check=True, timeout=60)
    result = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_totp_enrolment_login_replay_and_recovery_codes(server_factory, tmp_path):
    """Administrators must use a second factor (the default): the first login may only enrol; then codes from the
    app (pyotp here) are needed, a code is never accepted twice, and recovery codes work once each."""
    server = started(server_factory)
    user_add(server, "ada", "Administrator")
    browser = Browser(server)
    status, answer = browser.login("ada", PASSWORD)
    assert status == 200 and answer["mustEnrolSecondFactor"] is True
    assert browser.request("GET", "/api/v1/extensions")[0] == 403, "enrolment first"
    status, enrolment = browser.request("POST", "/api/v1/me/twofactor/totp")
    assert status == 200 and enrolment["uri"].startswith("otpauth://totp/")
    assert decode_qr(enrolment["qrSVG"], tmp_path) == enrolment["uri"], "the QR code holds the otpauth URI"
    totp = pyotp.TOTP(enrolment["secret"])
    assert browser.request("POST", "/api/v1/me/twofactor/totp/confirm", {"code": "000000"})[1]["status"] == 400
    status, codes = browser.request("POST", "/api/v1/me/twofactor/totp/confirm", {"code": totp.now()})
    assert status == 200 and len(codes["recoveryCodes"]) == 10 and len(set(codes["recoveryCodes"])) == 10
    assert browser.request("GET", "/api/v1/extensions")[0] == 200, "enrolled: the session may do what the role allows"
    fresh = Browser(server)
    status, needed = fresh.login("ada", PASSWORD)
    assert status == 401 and needed["type"].endswith("/second-factor-required") and "totp" in needed["detail"]
    # A code already used (the one that confirmed enrolment, in this step) is refused; wait for the next step.
    step = int(time.time() // 30)
    while int(time.time() // 30) == step:
        time.sleep(0.2)
    code = totp.now()
    assert fresh.login("ada", PASSWORD, code=code)[0] == 200
    assert Browser(server).login("ada", PASSWORD, code=code)[0] == 401, "a code is never accepted twice"
    assert Browser(server).login("ada", PASSWORD, recoveryCode=codes["recoveryCodes"][0])[0] == 200
    assert Browser(server).login("ada", PASSWORD, recoveryCode=codes["recoveryCodes"][0])[0] == 401, "recovery codes work once"
    assert json.loads(server.cli("user", "show", "ada", "--json").stdout)["recoveryCodesLeft"] == 9
    wrong = lambda e: e["fields"]["reason"] == "wrong second factor"
    server.wait_until(lambda: len([e for e in server.events("Web User Login Failed") if wrong(e)]) == 2, "wrong codes count as failed logins")
    server.cli("twofactor", "reset", "ada")
    shown = json.loads(server.cli("user", "show", "ada", "--json").stdout)
    assert shown["totpEnrolled"] is False and shown["recoveryCodesLeft"] == 0
    assert Browser(server).login("ada", PASSWORD)[1]["mustEnrolSecondFactor"] is True


def start_sink(tmp_path, name, *extra):
    """aiosmtpd on 127.0.0.1 with TLS (a certificate for 127.0.0.1 made here) and AUTH; answers (process, port, CA file,
    the directory messages land in)."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    directory = tmp_path / name
    directory.mkdir()
    port = free_port(kind=__import__("socket").SOCK_STREAM)
    process = subprocess.Popen([sys.executable, str(PEERS / "smtp_sink.py"), "--port", str(port), "--directory", str(directory), "--cert", str(cert),
                                "--key", str(key), "--user", "pbx", "--password", "mail-secret-42", *extra], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, port, cert, directory


@pytest.fixture
def smtp_sink(tmp_path):
    """A mail server offering STARTTLS: (port, CA file, the directory messages land in)."""
    process, port, cert, directory = start_sink(tmp_path, "mail")
    yield port, cert, directory
    end(process)


def messages(directory, count, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = sorted(directory.glob("*.json"))
        if len(found) >= count:
            return [json.loads(path.read_text()) for path in found]
        time.sleep(0.1)
    raise AssertionError(f"expected {count} messages, got {len(list(directory.glob('*.json')))}")


def configure_smtp(server, port, cert, tmp_path, password="mail-secret-42", security="starttls"):
    secret = tmp_path / "smtp-password"
    secret.write_text(password + "\n")
    return server.cli("smtp", "set", "--host", "127.0.0.1", "--port", str(port), "--security", security, "--username", "pbx",
                      "--password-file", str(secret), "--from", "pbx@example.com", "--ca-file", str(cert), "--retries", "0", "--timeout", "10",
                      check=False)


def test_mail_goes_out_over_starttls_with_auth_and_carries_email_codes(server_factory, smtp_sink, tmp_path):
    port, cert, directory = smtp_sink
    server = started(server_factory)
    assert configure_smtp(server, port, cert, tmp_path).returncode == 0
    shown = json.loads(server.cli("smtp", "show", "--json").stdout)
    assert shown["passwordSet"] is True and "password" not in shown["settings"], "the password is never shown"
    server.cli("smtp", "test", "ops@example.com")
    test = messages(directory, 1)[0]
    assert test["to"] == ["ops@example.com"] and test["tls"] and test["authenticated"]
    user_add(server, "erik", "Operator", "--email", "erik@example.com")
    server.cli("user", "update", "erik", "--two-factor-required", "true")
    browser = Browser(server)
    status, needed = browser.login("erik", PASSWORD)
    assert status == 401 and "email" in needed["detail"]
    mail = messages(directory, 2)[1]
    assert mail["to"] == ["erik@example.com"]
    code = mail["content"].split("Your login code is ")[1][:6]
    assert browser.login("erik", PASSWORD, code="999999" if code != "999999" else "000000")[0] == 401
    assert browser.login("erik", PASSWORD, code=code)[0] == 200
    assert Browser(server).login("erik", PASSWORD, code=code)[0] in (401,), "an emailed code works once"
    assert code not in json.dumps(server.events("Web User Login Failed", "Web User Login Success"))
    # A wrong mail password: a clear error naming the server's answer.
    assert configure_smtp(server, port, cert, tmp_path, password="wrong-secret").returncode == 0
    failed = server.cli("smtp", "test", "ops@example.com", check=False)
    assert failed.returncode != 0 and "authentication failed" in failed.stderr and "wrong-secret" not in failed.stderr
    # Implicit TLS (port 465 style).
    process, implicit_port, implicit_cert, implicit_directory = start_sink(tmp_path, "implicit", "--implicit")
    try:
        assert configure_smtp(server, implicit_port, implicit_cert, tmp_path, security="tls").returncode == 0
        server.cli("smtp", "test", "tls@example.com")
        assert messages(implicit_directory, 1)[0]["to"] == ["tls@example.com"]
    finally:
        end(process)


def test_a_login_link_works_once_and_a_new_one_replaces_it(server_factory, smtp_sink, tmp_path):
    port, cert, directory = smtp_sink
    server = started(server_factory)
    user_add(server, "olga", "Operator", "--email", "olga@example.com")
    first = server.cli("login-link", "create", "olga").stdout.strip()
    qr = tmp_path / "link.svg"
    second = server.cli("login-link", "create", "olga", "--qr", str(qr)).stdout.strip()
    assert first.startswith(f"https://127.0.0.1:{server.api_port}/login-link?token=") and first != second
    assert decode_qr(qr.read_text(), tmp_path) == second
    browser = Browser(server)
    token = lambda url: url.split("token=")[1]
    assert browser.request("POST", "/api/v1/login/link", {"token": token(first)})[0] == 401, "a newer link revoked it"
    status, answer = browser.request("POST", "/api/v1/login/link", {"token": token(second)})
    assert status == 200 and answer["username"] == "olga"
    assert browser.request("GET", "/api/v1/me")[1]["credential"] == "olga (session)"
    assert Browser(server).request("POST", "/api/v1/login/link", {"token": token(second)})[0] == 401, "used once"
    # A welcome email for several users at once.
    assert configure_smtp(server, port, cert, tmp_path).returncode == 0
    user_add(server, "pia", "Employee", "--email", "pia@example.com")
    sent = json.loads(server.cli("login-link", "create", "olga", "pia", "--send", "--json").stdout)
    assert [link["sent"] for link in sent] == [True, True]
    mails = messages(directory, 2)
    assert sorted(m["to"][0] for m in mails) == ["olga@example.com", "pia@example.com"]
    assert any(link["url"] in mail["content"] for link in sent for mail in mails)


def test_every_change_names_who_made_it_and_from_where(server_factory):
    server = started(server_factory)
    user_add(server, "ada", "Administrator")
    token = server.cli("token", "create", "--user", "ada", "--name", "deploy").stdout.strip()
    browser = Browser(server)
    assert browser.request("POST", "/api/v1/extensions", {"number": "1001", "password": "Tqbaaa7Zr9x"}, token=token)[0] == 201
    assert browser.request("PATCH", "/api/v1/extensions/1001", {"password": "Tqbaab7Zr9x"}, token=token)[0] == 200
    created = server.wait_for_event("Configuration Changed", lambda e: e["fields"].get("created") == "1001")[0]["fields"]
    assert created["by"] == "ada (token deploy)" and created["from"] == "127.0.0.1" and created["section"] == "extensions"
    assert browser.request("POST", "/api/v1/network/blocks", {"source": "192.0.2.77"}, token=token)[0] == 201
    assert browser.request("DELETE", "/api/v1/network/blocks/192.0.2.77", token=token)[0] == 200
    blocked = server.wait_for_event("IP Blocked", lambda e: e["fields"]["source"] == "192.0.2.77")[0]["fields"]
    unblocked = server.wait_for_event("IP Unblocked", lambda e: e["fields"]["source"] == "192.0.2.77")[0]["fields"]
    assert (blocked["by"], blocked["from"]) == ("ada (token deploy)", "127.0.0.1")
    assert (unblocked["unblockedBy"], unblocked["from"]) == ("ada (token deploy)", "127.0.0.1")
    updated = server.wait_for_event("Configuration Changed", lambda e: e["fields"].get("updated") == "1001")[0]["fields"]
    assert updated["changed"] == "password" and "Tqbaab7Zr9x" not in json.dumps(server.events("Configuration Changed"))
    server.cli("user", "add", "olga", "--role", "Operator", "--password", PASSWORD)
    user = server.wait_for_event("Configuration Changed", lambda e: e["fields"].get("created") == "olga")[0]["fields"]
    assert user["by"] == "local socket" and user["section"] == "users"


def test_bad_account_input_gets_a_clear_error_and_changes_nothing(server_factory):
    server = started(server_factory)
    before = server.cli("user", "list", "--json").stdout
    for args, words in [
        (("user", "add", "olga", "--role", "Operator", "--password", "olga12345"), "must contain an upper-case letter"),
        (("user", "add", "olga", "--role", "Janitor", "--password", PASSWORD), "no role named 'Janitor'"),
        (("user", "add", "olga", "--role", "Operator", "--password", PASSWORD, "--email", "not-an-address"), "email"),
        (("user", "add", "olga", "--role", "Operator", "--password", PASSWORD, "--extension", "4711"), "no extension 4711"),
        (("role", "add", "Bad", "--permission", "Everything:manage"), "is not CATEGORY:view or CATEGORY:manage"),
        (("role", "add", "Bad", "--permission", "Security:view", "--scope", "100-"), "scope"),
        (("role", "remove", "Operator"), "cannot be removed"),
        (("login-defense", "set", "--session-idle-minutes", "500"), "sessionIdleMinutes: must be 5-120"),
        (("login-defense", "set", "--two-factor-roles", "Nobody"), "no role named 'Nobody'"),
        (("smtp", "set", "--host", "mail.example.com", "--from", "not an address"), "smtp.from"),
    ]:
        result = server.cli(*args, check=False)
        assert result.returncode != 0 and words in result.stderr, (args, result.stderr)
    assert server.cli("user", "list", "--json").stdout == before
    assert [r["name"] for r in json.loads(server.cli("role", "list", "--json").stdout)][-1] == "Accounting"
    assert json.loads(server.cli("login-defense", "show", "--json").stdout)["sessionIdleMinutes"] == 30
    assert json.loads(server.cli("smtp", "show", "--json").stdout)["settings"]["host"] == ""
    status, _, body = server.api("POST", "/api/v1/login", {"username": "x", "password": "y", "extra": 1}, token=None)
    assert status == 400 and "extra: unknown field" in body["detail"]
