"""The admin API, the CLI contract, the first-start setup and durability of acknowledged changes."""
import concurrent.futures
import json
import signal
import subprocess
import threading
import time

from portcullis_harness import BINARY, ROOT, apply_config, extensions_yaml
from test_accounts import PASSWORD, Browser, user_add


def test_api_requires_a_token_and_answers_problem_json(server_factory):
    server = server_factory().start()
    status, headers, body = server.api("GET", "/api/v1/extensions", token=None)
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"].endswith("/unauthorized") and body["status"] == 401
    status, _, _ = server.api("GET", "/api/v1/extensions", token="pct_" + "0" * 64)
    assert status == 401
    assert server.api("GET", "/healthz", token=None)[0] == 200


def test_extension_lifecycle_through_the_api(server_factory):
    server = server_factory().start()
    status, _, created = server.api("POST", "/api/v1/extensions", {"number": "1001", "name": "Alice"})
    assert status == 201
    assert len(created["password"]) >= 16
    status, _, given = server.api("POST", "/api/v1/extensions", {"number": "1002", "password": "Tqbaaa7Zr9x"})
    assert status == 201 and given.get("password") is None
    assert server.api("POST", "/api/v1/extensions", {"number": "1002"})[0] == 409
    status, _, listed = server.api("GET", "/api/v1/extensions")
    assert [item["number"] for item in listed["items"]] == ["1001", "1002"]
    assert "password" not in json.dumps(listed) and "ha1" not in json.dumps(listed).lower()
    status, _, updated = server.api("PATCH", "/api/v1/extensions/1001", {"name": "Alice B", "generatePassword": True})
    assert status == 200 and updated["extension"]["name"] == "Alice B" and updated["password"]
    assert server.api("DELETE", "/api/v1/extensions/1002")[0] == 204
    assert server.api("GET", "/api/v1/extensions/1002")[0] == 404


def test_bad_input_gets_a_clear_error_and_changes_nothing(server_factory):
    server = server_factory().start()
    for body in ({"number": "12ab"}, {"number": "1003", "password": "short"}, {"number": ""}, {"nonsense": True}):
        status, headers, problem = server.api("POST", "/api/v1/extensions", body)
        assert status == 400, body
        assert headers["Content-Type"] == "application/problem+json"
    status, _, raw = server.api("POST", "/api/v1/extensions", "{not json", content_type="application/json")
    assert status == 400
    assert server.api("GET", "/api/v1/extensions")[2]["items"] == []
    assert server.alive()


def test_cli_contract(server_factory, tmp_path):
    server = server_factory()
    added = server.cli("extension", "add", "1001", "--name", "Alice")
    assert "password:" in added.stdout
    server.cli("extension", "add", "1002", "--password", "Tqbaaa7Zr9x")
    weak = server.cli("extension", "add", "1003", "--password", "weak", check=False)
    assert weak.returncode != 0 and "password" in weak.stderr
    leading = subprocess.run([str(BINARY), "--data-dir", str(server.data_dir), "extension", "add", "1004", "--password", "Tqbaae7Zr9"],
                             capture_output=True, text=True, timeout=60)
    assert leading.returncode == 0, "scripts put --data-dir before the subcommand"
    server.cli("extension", "remove", "1004")
    server.start()
    listed = json.loads(server.cli("extension", "list", "--json").stdout)
    assert [item["number"] for item in listed] == ["1001", "1002"]
    server.cli("extension", "remove", "1002")
    assert "1002" not in server.cli("extension", "list").stdout
    no_owner = server.cli("token", "create", "--name", "ops", check=False)
    assert no_owner.returncode != 0 and "setup" in no_owner.stderr, "a token belongs to a user: none before setup"
    server.api_token()
    token = server.cli("token", "create", "--name", "ops").stdout.strip()
    assert token.startswith("pct_")
    assert server.api("GET", "/api/v1/extensions", token=token)[0] == 200
    server.wait_for_event("Server Started")  # the event log is written behind, within 200 ms
    events = json.loads(server.cli("events", "--json", "--since", "10m", "--name", "Server Started").stdout)
    assert [event["name"] for event in events] == ["Server Started"]
    assert json.loads(server.cli("events", "--json", "--until", "1h", "--name", "Server Started").stdout) == []
    bad_time = server.cli("events", "--since", "yesterday-ish", check=False)
    assert bad_time.returncode != 0 and "since" in bad_time.stderr


def test_config_apply_rejects_an_invalid_file_and_changes_nothing(server_factory, tmp_path):
    server = server_factory()
    assert apply_config(server, extensions_yaml([1001, 1002])).returncode == 0
    server.start()
    before = server.cli("config", "export").stdout
    result = apply_config(server, 'sip:\n  listen: ["127.0.0.1:5060"]\nextensions:\n  - number: "1001"\n    password: weak\n  - number: "x"\n', "bad.yaml")
    assert result.returncode != 0
    assert "bad.yaml:5: extensions[0].password" in result.stderr
    assert "bad.yaml:6: extensions[1].number" in result.stderr
    assert server.cli("config", "export").stdout == before
    exported = tmp_path / "exported.yaml"
    exported.write_text(before)
    again = server.cli("config", "apply", str(exported))
    assert "0 extension(s) created, 0 updated, 0 removed" in again.stdout


def test_first_start_writes_a_one_time_setup_token_to_an_owner_only_file(server_factory):
    server = server_factory().start()
    token_file = server.data_dir / "setup-token"
    assert str(token_file) in "".join(server.output), "the path is printed"
    token = server.setup_token()
    assert token and token not in "".join(server.output), "the token itself is never printed"
    assert token_file.stat().st_mode & 0o777 == 0o600 and server.data_dir.stat().st_mode & 0o777 == 0o700
    created = server.cli("setup", "--username", "admin", "--password", "Quiet7-Harbor-Lamp9")
    api_token = created.stdout.strip().splitlines()[-1]
    assert server.api("GET", "/api/v1/tokens", token=api_token)[0] == 200
    assert not token_file.exists()
    reused = server.cli("setup", "--token", token, "--username", "admin2", "--password", "Quiet7-Harbor-Lamp9", check=False)
    assert reused.returncode != 0
    status, _, _ = server.api("POST", "/api/v1/setup", {"setupToken": token, "username": "x", "password": "y" * 20}, token=None)
    assert status == 401
    server.wait_for_event("Super Administrator Created")


def test_finding_5_parallel_setups_with_one_token_make_one_administrator(server_factory):
    server = server_factory().start()
    token = server.setup_token()

    def attempt(index):
        return server.api("POST", "/api/v1/setup", {"setupToken": token, "username": f"admin{index}", "password": "Quiet7-Harbor-Lamp9"},
                          token=None)[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(attempt, range(5)))
    assert sorted(statuses) == [200, 401, 401, 401, 401], statuses
    # A restart does not print or renew anything once an administrator exists.
    server.stop()
    restarted = server_factory(data_dir=server.data_dir).start()
    assert "setup" not in "".join(restarted.output).lower() and restarted.setup_token() is None


def test_acknowledged_changes_survive_kill_9(server_factory):
    server = server_factory().start()
    token = server.api_token()
    acknowledged = []
    stop = threading.Event()

    def writer():
        number = 5000
        while not stop.is_set():
            try:
                status, _, _ = server.api("POST", "/api/v1/extensions", {"number": str(number)}, token=token)
            except OSError:
                return
            if status == 201:
                acknowledged.append(str(number))
            number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.time() + 30
    while len(acknowledged) < 20:
        assert time.time() < deadline, "the API acknowledged fewer than 20 writes in 30 s"
        time.sleep(0.05)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    stop.set()
    thread.join()
    assert len(acknowledged) > 10
    restarted = server_factory(data_dir=server.data_dir).start()
    numbers = {item["number"] for item in json.loads(restarted.cli("extension", "list", "--json").stdout)}
    missing = [number for number in acknowledged if number not in numbers]
    assert missing == [], f"{len(missing)} acknowledged changes lost"


def test_a_second_server_on_the_same_data_directory_is_refused(server_factory):
    first = server_factory().start()
    second = subprocess.run([str(BINARY), "serve", "--data-dir", str(first.data_dir), "--sip-listen", "127.0.0.1:0",
                             "--api-listen", "127.0.0.1:1"], capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "already serving" in second.stderr
    assert first.alive() and first.cli("extension", "list").returncode == 0


def test_the_default_data_directory_is_private_and_in_home(tmp_path):
    result = subprocess.run([str(BINARY), "extension", "add", "1001"], capture_output=True, text=True, timeout=60,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    data = tmp_path / ".portcullis"
    assert (data / "portcullis.sqlite").exists()
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    assert oct((data / "portcullis.sqlite").stat().st_mode & 0o777) == "0o600"


def test_the_readme_shows_what_config_export_writes_on_a_fresh_install(tmp_path):
    """The defaults a newcomer reads in the README are the ones the code declares: exported from an empty data
    directory (no server: the CLI answers through the API in-process), byte for byte."""
    exported = subprocess.run([str(BINARY), "config", "export", "--data-dir", str(tmp_path / "fresh")], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("<!-- config-export:begin -->\n```yaml\n", 1)[1].split("```\n<!-- config-export:end -->", 1)[0]
    assert shown == exported.stdout


def test_the_login_defense_set_in_a_configuration_file_applies_to_the_running_server(server_factory):
    server = server_factory().start()
    server.api_token()
    user_add(server, "olga", "Operator")
    applied = apply_config(server, "login: {failuresBeforeRefusal: 2, failuresBeforeBlock: 4}\nextensions: []\n")
    assert applied.returncode == 0, applied.stderr
    guesser = Browser(server, "127.0.0.32")
    assert [guesser.login("olga", f"Guess{attempt}-Harbor-Lamp")[0] for attempt in range(3)] == [401, 401, 429]
    assert "failuresBeforeRefusal: 2" in server.cli("config", "export").stdout
    # A bad value is named with its line, and the defense stays as it was.
    refused = apply_config(server, "extensions: []\nlogin:\n  failuresBeforeRefusal: 0\n")
    assert refused.returncode != 0 and "config.yaml:3: login.failuresBeforeRefusal" in refused.stderr, refused.stderr
    assert server.api("GET", "/api/v1/login-defense")[2]["failuresBeforeRefusal"] == 2
    assert Browser(server, "127.0.0.33").login("olga", PASSWORD)[0] == 200


def test_a_misspelt_field_is_refused_by_name_in_the_api_and_in_yaml(server_factory):
    """The review's case: the same misspelt field refused the same way by PUT /registration-defense and config apply."""
    server = server_factory().start()
    status, _, body = server.api("PUT", "/api/v1/registration-defense", {"lockout": {"failuresPerSource": 3, "windw": 5}})
    assert status == 400 and "lockout.windw: unknown field" in body["detail"], body
    status, _, body = server.api("GET", "/api/v1/registration-defense")
    assert body["lockout"]["failuresPerSource"] == 5, "nothing changed"
    result = apply_config(server, "sip:\n  lockout:\n    windw: 5\n")
    assert result.returncode != 0 and "sip.lockout.windw: unknown field" in result.stderr


def test_the_openapi_document_describes_the_api_it_serves(server_factory):
    server = server_factory().start()
    status, _, document = server.api("GET", "/api/v1/openapi.json")
    assert status == 200 and document["openapi"] == "3.1.0"
    assert "put" in document["paths"]["/api/v1/registration-defense"]
    assert document["components"]["schemas"]["RegistrationDefenseSettings"]["additionalProperties"] is False


def test_a_weak_administrator_password_is_refused_with_every_broken_rule(server_factory):
    """The seed's password rules and the common-password list apply to the Super Administrator; a refusal names every
    rule the password breaks, and the setup token still works afterwards."""
    server = server_factory().start()
    weak = server.cli("setup", "--username", "admin", "--password", "admin1111password", check=False)
    assert weak.returncode != 0
    for rule in ("must contain an upper-case letter", "must not contain a run of 4 repeated or consecutive digits",
                 "must not contain the name 'admin'"):
        assert rule in weak.stderr, weak.stderr
    common = server.cli("setup", "--username", "admin", "--password", "Password123!", check=False)
    assert common.returncode != 0 and "must not be a common password" in common.stderr, common.stderr
    assert server.setup_token(), "a refused password leaves the token usable"
    created = server.cli("setup", "--username", "admin", "--password", "Quiet7-Harbor-Lamp9")
    assert created.returncode == 0


def test_a_revoked_token_is_refused_at_once(server_factory):
    server = server_factory().start()
    server.api_token()
    token = server.cli("token", "create", "--name", "short", "--expires", "1h").stdout.strip()
    assert server.api("GET", "/api/v1/extensions", token=token)[0] == 200
    listed = {t["name"]: t for t in json.loads(server.cli("token", "list", "--json").stdout)}
    assert listed["short"]["expiresAt"] and listed["short"]["lastUsedAt"], listed["short"]
    server.cli("token", "revoke", listed["short"]["id"])
    status, _, body = server.api("GET", "/api/v1/extensions", token=token)
    assert status == 401, body
    other = server.cli("token", "create", "--name", "other").stdout.strip()
    other_id = {t["name"]: t for t in json.loads(server.cli("token", "list", "--json").stdout)}["other"]["id"]
    status, _, _ = server.api("DELETE", f"/api/v1/tokens/{other_id}")
    assert status == 200 and server.api("GET", "/api/v1/extensions", token=other)[0] == 401
    bad = server.cli("token", "create", "--expires", "soon", check=False)
    assert bad.returncode != 0 and "--expires" in bad.stderr


def test_users_are_added_with_a_built_in_role_and_a_strong_password(server_factory):
    server = server_factory().start()
    early = server.cli("user", "add", "olga", "--role", "Operator", "--password", "Quiet7-Harbor-Lamp9", check=False)
    assert early.returncode != 0 and "setup" in early.stderr, "users come after the Super Administrator"
    server.api_token()
    weak = server.cli("user", "add", "olga", "--role", "Operator", "--password", "olga2024", check=False)
    assert weak.returncode != 0 and "must contain an upper-case letter" in weak.stderr and "must be 10-128 characters" in weak.stderr
    unknown = server.cli("user", "add", "olga", "--role", "Janitor", "--password", "Quiet7-Harbor-Lamp9", check=False)
    assert unknown.returncode != 0 and "no role named 'Janitor'" in unknown.stderr
    assert [u["username"] for u in json.loads(server.cli("user", "list", "--json").stdout)] == ["admin"], "nothing changed"
    server.cli("user", "add", "olga", "--role", "Operator", "--password", "Quiet7-Harbor-Lamp9")
    status, _, body = server.api("GET", "/api/v1/users")
    assert status == 200 and [(u["username"], u["role"]) for u in body["items"]] == [("admin", "Super Administrator"), ("olga", "Operator")]
    assert not any("hash" in key.lower() or "password" == key.lower() or "secret" in key.lower() for user in body["items"] for key in user), \
        "never the password, its hash or a second factor's secret"
    server.cli("user", "remove", "olga")
    assert [u["username"] for u in json.loads(server.cli("user", "list", "--json").stdout)] == ["admin"]
    missing = server.cli("user", "remove", "olga", check=False)
    assert missing.returncode != 0 and "no user named 'olga'" in missing.stderr
