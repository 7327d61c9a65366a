"""Single sign-on (issue 14): OpenID Connect against oidc-provider-mock (a real provider, with an attacker in front
that can alter the id_token's signature or have it issued for another client) and LDAP against slapd over StartTLS
and LDAPS, with directory groups mapped to roles."""
import json
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from portcullis_harness import ROOT, end, free_port
from test_accounts import PASSWORD, Browser, started, user_add

PEERS = ROOT / "Interop" / "peers"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def certificate(tmp_path, name):
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def provider(tmp_path):
    port = free_port(socket.SOCK_STREAM)
    mode = tmp_path / "mode"
    process = subprocess.Popen([sys.executable, str(PEERS / "oidc_provider.py"), "--port", str(port), "--mode", str(mode)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout.readline().strip() == "ready"
    yield f"http://127.0.0.1:{port}", mode
    end(process)


def sign_in(server, browser, subject, headers=None):
    """The browser's round trip: Portcullis -> provider (the user picks `subject`) -> Portcullis's callback."""
    status, _ = browser.request("GET", "/api/v1/sso/oidc/start")
    assert status == 302
    authorize = browser.last_headers["location"]
    form = urllib.parse.urlencode({"sub": subject}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(authorize, data=form, method="POST"), timeout=30)
        raise AssertionError("the provider did not redirect back")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read()
        callback = redirect.headers["Location"]
    parsed = urllib.parse.urlparse(callback)
    assert f"{parsed.hostname}:{parsed.port}" == f"127.0.0.1:{server.api_port}"
    return browser.request("GET", f"{parsed.path}?{parsed.query}", headers=headers), f"{parsed.path}?{parsed.query}"


def test_openid_connect_sign_in_and_tokens_that_are_refused(server_factory, provider, tmp_path):
    issuer, mode = provider
    server = started(server_factory)
    user_add(server, "olga", "Operator", "--email", "olga@example.com")
    secret = tmp_path / "client-secret"
    secret.write_text("client-secret-7\n")
    configured = server.cli("sso", "oidc", "set", "--enable", "--issuer", issuer, "--client-id", "portcullis", "--client-secret-file", str(secret),
                            "--redirect-uri", f"{server.api_url}/api/v1/sso/oidc/callback", "--claim", "email")
    assert configured.returncode == 0
    shown = json.loads(server.cli("sso", "oidc", "show").stdout)
    assert shown["enabled"] and "clientSecret" not in shown
    browser = Browser(server)
    (status, answer), callback = sign_in(server, browser, "olga@example.com")
    assert status == 200 and answer["username"] == "olga", answer
    assert browser.request("GET", "/api/v1/me")[1]["credential"] == "olga (session)"
    assert [s["method"] for s in json.loads(server.cli("session", "list", "--json").stdout)] == ["oidc"]
    attacker = "127.0.0.41"
    assert Browser(server, attacker).request("GET", callback)[0] == 401, "a state is used once"
    assert sign_in(server, Browser(server, attacker), "stranger@example.com")[0][0] == 401, "no such user, and no automatic creation"
    for attack, reason in [("bad-signature", "bad signature"), ("wrong-audience", "wrong audience")]:
        mode.write_text(attack)
        (status, _), _ = sign_in(server, Browser(server, attacker), "olga@example.com")
        assert status == 401, attack
        server.wait_for_event("Web User Login Failed", lambda e: reason in e["fields"]["reason"])
    mode.write_text("honest")
    server.cli("sso", "oidc", "set", "--auto-create", "true", "--default-role", "Employee")
    (status, answer), _ = sign_in(server, Browser(server), "newbie@example.com")
    assert status == 200 and answer["role"] == "Employee"
    created = json.loads(server.cli("user", "show", "newbie@example.com", "--json").stdout)
    assert created["source"] == "oidc" and created["email"] == "newbie@example.com"
    assert Browser(server, "127.0.0.42").login("newbie@example.com", "Quiet7-Harbor-Lamp9")[0] == 401, "an SSO account has no password"
    # A real browser (it asks for HTML) comes back to the portal, signed in with both cookies.
    portal_browser = Browser(server)
    (status, _), _ = sign_in(server, portal_browser, "olga@example.com", headers={"Accept": "text/html,application/xhtml+xml"})
    assert status == 303 and portal_browser.last_headers["location"] == "/"
    assert {value.split("=")[0] for value in portal_browser.cookies} == {"portcullis_session", "portcullis_csrf"}
    assert portal_browser.request("GET", "/api/v1/me")[1]["username"] == "olga"


def test_malformed_oidc_settings_are_refused_and_change_nothing(server_factory):
    server = started(server_factory)
    for args, words in [
        (("--enable", "--issuer", "http://idp.example.com", "--client-id", "x", "--redirect-uri", "https://pbx.example.com/cb"), "sso.oidc.issuer"),
        (("--enable", "--issuer", "https://idp.example.com", "--client-id", "x", "--redirect-uri", "https://pbx.example.com/cb",
          "--default-role", "Super Administrator"), "sso.oidc.defaultRole"),
        (("--claim", "phone"), "--claim"),
    ]:
        result = server.cli("sso", "oidc", "set", *args, check=False)
        assert result.returncode != 0 and words in result.stderr, (args, result.stderr)
    assert json.loads(server.cli("sso", "oidc", "show").stdout)["enabled"] is False
    assert Browser(server).request("GET", "/api/v1/sso/oidc/start")[0] == 404


@pytest.fixture
def directory(tmp_path):
    cert, key = certificate(tmp_path, "ldap")
    port, tls_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    data = tmp_path / "slapd"
    subprocess.run([str(PEERS / "slapd_directory.sh"), "start", str(data), str(port), str(tls_port), str(cert), str(key)],
                   check=True, capture_output=True, timeout=60)
    yield port, tls_port, cert
    subprocess.run([str(PEERS / "slapd_directory.sh"), "stop", str(data)], check=False, timeout=30)


def configure_ldap(server, uri, cert, tmp_path, *extra):
    secret = tmp_path / "bind-password"
    secret.write_text("svcpw\n")
    return server.cli("sso", "ldap", "set", "--enable", "--uri", uri, "--ca-file", str(cert), "--bind-dn", "cn=svc-pbx,ou=service,dc=pbx,dc=test",
                      "--bind-password-file", str(secret), "--base-dn", "ou=people,dc=pbx,dc=test", "--user-filter", "(sAMAccountName={username})",
                      "--group-role", "cn=pbx-admins,ou=groups,dc=pbx,dc=test=Operator", "--group-role", "cn=pbx-users,ou=groups,dc=pbx,dc=test=Employee",
                      *extra, check=False)


def test_ldap_sign_in_over_starttls_and_ldaps_with_groups_as_roles(server_factory, directory, tmp_path):
    port, tls_port, cert = directory
    server = started(server_factory)
    user_add(server, "olga", "Operator")
    assert configure_ldap(server, f"ldap://127.0.0.1:{port}", cert, tmp_path).returncode == 0
    assert "bindPassword" not in server.cli("sso", "ldap", "show").stdout
    browser = Browser(server)
    status, answer = browser.login("alice", "alicepw")
    assert status == 200 and answer["role"] == "Operator", answer
    alice = json.loads(server.cli("user", "show", "alice", "--json").stdout)
    assert alice["source"] == "ldap" and alice["email"] == "alice@pbx.test"
    assert Browser(server).login("bob", "bobpw")[1]["role"] == "Employee"
    attacker = "127.0.0.43"
    assert Browser(server, attacker).login("carol", "carolpw")[0] == 401, "in no group with a role"
    assert Browser(server, attacker).login("alice", "wrong")[0] == 401
    assert Browser(server, attacker).login("alice", "")[0] == 401, "an empty password is not an anonymous bind"
    assert Browser(server, "127.0.0.44").login("*", "alicepw")[0] == 401, "a wildcard cannot pick someone"
    server.wait_until(lambda: any(e["fields"]["username"] == "alice" and e["fields"]["reason"].startswith("ldap: wrong")
                                  for e in server.events("Web User Login Failed")), "the wrong password is counted")
    assert Browser(server).login("olga", PASSWORD)[0] == 200, "local users keep their own passwords"
    assert configure_ldap(server, f"ldaps://127.0.0.1:{tls_port}", cert, tmp_path).returncode == 0
    assert Browser(server).login("alice", "alicepw")[0] == 200, "LDAPS"
    # A directory whose certificate is not the configured CA's is refused, and so is the login.
    other, _ = certificate(tmp_path, "other")
    assert configure_ldap(server, f"ldaps://127.0.0.1:{tls_port}", other, tmp_path).returncode == 0
    assert Browser(server, "127.0.0.44").login("alice", "alicepw")[0] == 401


def test_ldap_settings_that_would_send_passwords_in_clear_are_refused(server_factory, tmp_path):
    server = started(server_factory)
    cert, _ = certificate(tmp_path, "ldap")
    result = configure_ldap(server, "ldap://ldap.example.com:389", cert, tmp_path, "--start-tls", "false")
    assert result.returncode != 0 and "sso.ldap.startTLS" in result.stderr
    result = configure_ldap(server, "ldap://127.0.0.1:389", cert, tmp_path, "--user-filter", "(uid=alice)")
    assert result.returncode != 0 and "{username}" in result.stderr
    assert json.loads(server.cli("sso", "ldap", "show").stdout)["enabled"] is False
