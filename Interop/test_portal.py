"""The web portal in a real browser: Debian's Chromium driven by Selenium, against a running server over HTTPS.

Every page is loaded as a user would load it, through the menu; the browser's console must stay free of errors and
Content-Security-Policy violations. Screenshots of the main pages are written to PORTAL_SCREENSHOTS (default: the
test's temporary directory); docs/screenshots/ holds the ones the README shows.
"""
import http.client
import json
import os
import pathlib
import socket
import time
import urllib.parse

import pyotp
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from portcullis_harness import ADMIN, ADMIN_PASSWORD, SipClient, apply_config, authorization, challenge_fields, extensions_yaml, free_port, strong_password
from test_network_defense import block_sources, options_flood

WIDE, NARROW = (1280, 900), (390, 844)


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.accept_insecure_certs = True  # the server's own self-signed certificate, as on a first start
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The explicit driver path keeps Selenium Manager from trying to download one.
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@pytest.fixture
def shots(tmp_path):
    directory = pathlib.Path(os.environ.get("PORTAL_SCREENSHOTS", tmp_path / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Portal:
    """One server and the browser on it, starting signed out."""

    def __init__(self, server, driver):
        self.server = server
        self.driver = driver
        self.base = server.api_url
        driver.set_window_size(*WIDE)
        driver.get(self.base + "/login")
        driver.delete_all_cookies()
        self.console()

    def open(self, path):
        self.driver.get(self.base + path)
        return self

    def console(self):
        """The browser's console since the last call: errors and CSP violations are SEVERE entries. A page answered
        with 4xx on purpose (a refused form, a 403) is logged as a failed load of the document itself: that is the
        answer under test, not a fault of the page, so only failed loads of its parts (assets, API calls) count."""
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                and (entry["source"] != "network" or "/assets/" in entry["message"] or "/api/" in entry["message"])]

    def clean(self, path):
        errors = self.console()
        assert not errors, f"{path}: console errors {errors}"

    def fill(self, values):
        for name, value in values.items():
            field = self.driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)

    def submit(self, selector="main form button[type=submit]", confirm=False):
        """Clicks the button and waits for the next page (accepting the page's "are you sure?" first when asked)."""
        self.press(self.driver.find_element(By.CSS_SELECTOR, selector), confirm)

    def press(self, button, confirm=False):
        # The old document is marked; the next one is loaded when the mark is gone. (Polling the old page's element
        # for staleness races the navigation: Chromium may answer "node does not belong to the document".)
        self.driver.execute_script("window.portcullisPreviousPage = true")
        button.click()
        if confirm:
            WebDriverWait(self.driver, 10).until(expected_conditions.alert_is_present())
            self.driver.switch_to.alert.accept()
        WebDriverWait(self.driver, 30, ignored_exceptions=(WebDriverException,)).until(
            lambda driver: driver.execute_script(
                "return window.portcullisPreviousPage === undefined && document.readyState === 'complete'"))

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def login(self, username, password, code=None):
        self.open("/login")
        self.fill({"username": username, "password": password})
        self.submit()
        if code is not None:
            assert "Code from your authenticator app" in self.text(), self.text()
            self.fill({"code": code() if callable(code) else code})
            self.submit()

    def cookie(self, name):
        found = self.driver.get_cookie(name)
        return found["value"] if found else None

    def post(self, path, fields, cookies=True):
        """A form post outside the browser, with the browser's cookies (a forged or hand-made request)."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.server.api_port, context=self.server.tls_context(), timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        connection.request("POST", path, urllib.parse.urlencode(fields, doseq=True), headers)
        response = connection.getresponse()
        return response.status, response.read().decode()


def started(server_factory):
    server = server_factory().start()
    server.api_token()
    return server


def code_after(totp, used):
    """The next code the app shows that was not used yet (each code is accepted once)."""
    deadline = time.time() + 40
    while totp.now() in used:
        assert time.time() < deadline
        time.sleep(0.5)
    used.add(totp.now())
    return totp.now()


def test_login_with_password_and_totp_then_every_page_loads_clean_at_both_widths(server_factory, driver, shots):
    server = started(server_factory)
    server.cli("extension", "add", "1001", "--name", "Reception")
    # Something for the dashboard to show: a flood (blocked) and a password guesser.
    options_flood(server, "127.0.0.62", count=120).wait(timeout=60)
    guesser = SipClient(server.sip_port, source="127.0.0.63")
    for _ in range(3):
        challenge, uri = guesser.register("1001")
        guesser.register("1001", authorization("1001", "Wrong-Guess-123", challenge_fields(challenge), uri))
    guesser.close()
    portal = Portal(server, driver)

    # The Super Administrator's role requires a second factor: the first login may only enrol it.
    portal.login(ADMIN, ADMIN_PASSWORD)
    assert portal.heading() == "My account" and "requires a second factor" in portal.text()
    assert portal.open("/extensions").heading() == "Not allowed"
    portal.open("/me")
    portal.submit("form[action='/me/totp'] button")
    secret = driver.find_element(By.ID, "totp-secret").text
    assert driver.find_element(By.CSS_SELECTOR, "#totp-qr svg")
    totp, used = pyotp.TOTP(secret), set()
    portal.fill({"code": code_after(totp, used)})
    portal.submit("form[action='/me/totp'] button")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".recovery-code")) == 10
    portal.submit("header form button")
    assert portal.heading() == "Sign in"

    # Password, then the code.
    portal.login(ADMIN, ADMIN_PASSWORD, code=lambda: code_after(totp, used))
    assert portal.heading() == "Security dashboard", portal.text()
    assert portal.cookie("portcullis_session") and portal.cookie("portcullis_csrf")
    portal.clean("/")
    assert "127.0.0.62" in portal.text() and "1001" in driver.find_element(By.ID, "targeted").text
    driver.save_screenshot(str(shots / "dashboard.png"))

    # Every page of the menu, as the Super Administrator sees it: no console error, no CSP violation.
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav#menu a")]
    paths = [urllib.parse.urlparse(link).path for link in links]
    for expected in ("/", "/security/settings", "/security/rules", "/extensions", "/trunks", "/routes/outbound", "/routes/inbound",
                     "/call-control/business-hours", "/call-control/holidays", "/outbound/countries", "/outbound/numbers", "/outbound/pins",
                     "/outbound/locks", "/events", "/cdr", "/notifications", "/notifications/events", "/backups", "/maintenance", "/users", "/roles", "/me"):
        assert expected in paths, paths
    extra = ["/extensions/1001", "/extensions/1001?tab=registration", "/extensions/1001?tab=outbound", "/extensions/1001?tab=link"]
    extra += [f"/security/rules?tab={tab}" for tab in ("allowed", "blocked", "auto", "static", "frequency")]
    for path in paths + extra:
        portal.open(path)
        assert driver.find_element(By.TAG_NAME, "h1").text, path
        assert "Not allowed" not in portal.heading() and "Internal" not in portal.heading(), (path, portal.text())
        portal.clean(path)
        for control in driver.find_elements(By.CSS_SELECTOR, "main input:not([type=hidden]), main select, main textarea"):
            labelled = control.get_attribute("aria-label") or driver.execute_script(
                "return arguments[0].labels && arguments[0].labels.length > 0", control)
            assert labelled, f"{path}: a control without a label: {control.get_attribute('outerHTML')[:120]}"
    for name, path in (("security-rules", "/security/rules?tab=blocked"), ("security-settings", "/security/settings"), ("extensions", "/extensions"),
                       ("extension", "/extensions/1001?tab=registration"), ("events", "/events"), ("me", "/me")):
        portal.open(path)
        driver.save_screenshot(str(shots / f"{name}.png"))

    # 390 px: the menu folds behind a button, nothing is wider than the screen (tables scroll in their box).
    driver.set_window_size(*NARROW)
    for path in ("/", "/security/rules?tab=blocked", "/extensions", "/me", "/events"):
        portal.open(path)
        portal.clean(path)
        width = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert width <= 1, f"{path} is {width} px wider than a 390 px screen"
        if path == "/":
            assert not driver.find_element(By.ID, "menu").is_displayed()
            driver.save_screenshot(str(shots / "dashboard-390.png"))
            driver.find_element(By.CSS_SELECTOR, ".menu-toggle").click()
            assert driver.find_element(By.ID, "menu").is_displayed()
    driver.set_window_size(*WIDE)


def admin_without_second_factor(server):
    """Second factors are tested above; the other tests sign the administrator in with the password alone."""
    settings = server.api("GET", "/api/v1/login-defense")[2]
    settings["twoFactorRoles"] = []
    assert server.api("PUT", "/api/v1/login-defense", settings)[0] == 200


def test_a_setting_set_in_the_form_shows_in_the_api_and_cli_and_back(server_factory, driver):
    server = started(server_factory)
    admin_without_second_factor(server)
    portal = Portal(server, driver)
    portal.login(ADMIN, ADMIN_PASSWORD)

    portal.open("/security/rules?tab=allowed")
    portal.fill({"allow": "198.51.100.0/24\n203.0.113.7"})
    portal.submit()
    assert "Allowed IPs saved." in portal.text()
    assert server.api("GET", "/api/v1/network")[2]["allow"] == ["198.51.100.0/24", "203.0.113.7"]
    assert "203.0.113.7" in server.cli("network", "show").stdout

    server.cli("network", "allow", "add", "192.0.2.99")
    portal.open("/security/rules?tab=allowed")
    assert "192.0.2.99" in driver.find_element(By.NAME, "allow").get_attribute("value")

    # A bad entry: the API's words beside the field, nothing changed.
    portal.fill({"allow": "not-an-address!"})
    portal.submit()
    error = driver.find_element(By.CSS_SELECTOR, "#allow ~ .field-error").text
    assert "network.allow[0]" in error, error
    assert "192.0.2.99" in server.api("GET", "/api/v1/network")[2]["allow"]
    portal.clean("/security/rules?tab=allowed")

    # An auto-defense rule changed in its table, read back by the CLI, changed there, shown again.
    portal.open("/security/rules?tab=auto")
    portal.fill({"packets.0": "55"})
    portal.submit()
    rules = server.api("GET", "/api/v1/network")[2]["autoDefense"]["rules"]
    assert rules[0]["packets"] == 55
    settings = server.api("GET", "/api/v1/network")[2]
    settings["autoDefense"]["rules"][0]["packets"] = 44
    assert server.api("PUT", "/api/v1/network", settings)[0] == 200
    portal.open("/security/rules?tab=auto")
    assert driver.find_element(By.NAME, "packets.0").get_attribute("value") == "44"

    # Static and call frequency rules, added through their forms, read back by the API.
    portal.open("/security/rules?tab=static")
    portal.fill({"name": "no test net", "sources": "192.0.2.0/24"})
    portal.submit("form[action='/security/rules/static']:not([data-confirm]) button")
    assert [r["name"] for r in server.api("GET", "/api/v1/network")[2]["rules"]] == ["no test net"]
    portal.open("/security/rules?tab=frequency")
    portal.fill({"name": "night", "calls": "2", "seconds": "60"})
    portal.submit("form[action='/security/rules/frequency'].row button")
    rules = {r["name"]: r for r in server.api("GET", "/api/v1/outbound-policy")[2]["frequencyRules"]}
    assert rules["night"]["limits"] == [{"calls": 2, "seconds": 60}]

    # The login defense and the registration lockout: set in the form, seen by the CLI; set by the CLI, shown.
    portal.open("/security/settings")
    portal.fill({"failuresBeforeRefusal": "4"})
    portal.submit("#save-login")
    assert "Login defense saved." in portal.text()
    assert "after 4 failures within 600 s" in server.cli("login-defense", "show").stdout
    portal.fill({"lockout.failuresPerSource": "7"})
    portal.submit("#save-registration")
    assert server.api("GET", "/api/v1/registration-defense")[2]["lockout"]["failuresPerSource"] == 7
    server.cli("lockout", "set", "--failures-per-source", "6")
    portal.open("/security/settings")
    assert driver.find_element(By.ID, "registration-lockout_failuresPerSource").get_attribute("value") == "6"
    # Out of range: the API's words beside the field, the value typed kept, nothing changed.
    portal.fill({"failuresBeforeRefusal": "0"})
    portal.submit("#save-login")
    error = driver.find_element(By.CSS_SELECTOR, "#login-failuresBeforeRefusal + .field-error").text
    assert "failuresBeforeRefusal" in error and "1" in error, error
    assert driver.find_element(By.ID, "login-failuresBeforeRefusal").get_attribute("value") == "0"
    assert server.api("GET", "/api/v1/login-defense")[2]["failuresBeforeRefusal"] == 4
    portal.clean("/security/settings")

    # SSH access: on in the form, listening as the CLI shows; a bad address refused with nothing changed; off again.
    port = free_port(socket.SOCK_STREAM)
    portal.open("/security/settings")
    assert "No SSH console listens" in portal.text()
    driver.find_element(By.ID, "ssh-enabled").click()
    portal.fill({"listen": f"127.0.0.1:{port}"})
    portal.submit("#save-ssh")
    assert "SSH console on" in portal.text()
    assert json.loads(server.cli("ssh", "show", "--json").stdout)["listening"] == f"127.0.0.1:{port}"
    portal.fill({"listen": "localhost:22"})
    portal.submit("#save-ssh")
    assert "ssh.listen" in portal.text()
    assert json.loads(server.cli("ssh", "show", "--json").stdout)["listen"] == f"127.0.0.1:{port}"
    portal.open("/security/settings")
    driver.find_element(By.ID, "ssh-enabled").click()
    portal.submit("#save-ssh")
    assert "SSH console off" in portal.text()
    assert json.loads(server.cli("ssh", "show", "--json").stdout)["enabled"] is False


def test_a_flooding_source_is_unblocked_from_the_rules_page_and_admitted_again(server_factory, driver, shots):
    server = started(server_factory)
    admin_without_second_factor(server)
    options_flood(server, "127.0.0.61", count=120).wait(timeout=60)
    assert "127.0.0.61" in block_sources(server)
    assert SipClient(server.sip_port, source="127.0.0.61").probe() is None

    portal = Portal(server, driver)
    portal.login(ADMIN, ADMIN_PASSWORD)
    assert "127.0.0.61" in portal.text()  # the dashboard's current blocks
    portal.open("/security/rules?tab=blocked&source=127.0.0.61")
    row = driver.find_element(By.XPATH, "//table[@id='blocks-table']//tr[td[normalize-space()='127.0.0.61']]")
    assert "auto defense" in row.text
    row.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    portal.submit("#unblock-selected", confirm=True)  # the page asks first
    assert "Unblocked 1 block." in portal.text()
    assert "127.0.0.61" not in block_sources(server)
    client = SipClient(server.sip_port, source="127.0.0.61")
    assert client.options()["status"] == 200
    client.close()
    event = server.wait_for_event("IP Unblocked", lambda e: e["fields"]["source"] == "127.0.0.61")[0]["fields"]
    assert event["unblockedBy"].startswith(ADMIN)
    portal.clean("/security/rules")


def test_allowed_countries_without_ones_own_country_are_refused_with_the_reason(server_factory, driver, tmp_path):
    server = started(server_factory)
    admin_without_second_factor(server)
    geo = tmp_path / "geoip"
    geo.write_text("".join(f"{2130706432 + host},{2130706432 + host},{cc}\n" for host, cc in ((1, "GB"), (20, "FR"))))
    settings = server.api("GET", "/api/v1/network")[2]
    settings["geoIP"] = {"torFiles": [str(geo)]}
    settings["countries"]["exempt"] = []
    settings["allow"] = []  # the harness allows loopback; here 127.0.0.1 is judged like a public source in GB
    settings["countries"]["sip"] = {"enabled": True, "allow": ["GB", "FR"]}  # the geo-IP database is read once a rule is on
    assert server.api("PUT", "/api/v1/network", settings)[0] == 200

    portal = Portal(server, driver)
    portal.login(ADMIN, ADMIN_PASSWORD)
    portal.open("/security/settings")
    assert driver.find_element(By.ID, "own-country").text == "GB"
    section = driver.find_element(By.ID, "countries-api")
    section.find_element(By.ID, "enabled-api").click()
    section.find_element(By.ID, "filter-api").send_keys("germ")
    germany = section.find_element(By.CSS_SELECTOR, "input[value='DE']")
    assert germany.is_displayed() and not section.find_element(By.CSS_SELECTOR, "input[value='GB']").is_displayed()
    germany.click()
    # Without the confirmation, the form asks for it.
    portal.press(section.find_element(By.ID, "save-api"), confirm=True)
    assert "confirm that your own country is in the list" in portal.text()
    # Confirmed, but without GB: the server refuses to cut the administrator off, and says why.
    section = driver.find_element(By.ID, "countries-api")
    section.find_element(By.ID, "confirm-api").click()
    portal.press(section.find_element(By.ID, "save-api"), confirm=True)
    assert "would cut you off" in portal.text() and "127.0.0.1" in portal.text(), portal.text()
    assert server.api("GET", "/api/v1/network")[2]["countries"]["api"]["enabled"] is False
    # With GB it is accepted.
    section = driver.find_element(By.ID, "countries-api")
    section.find_element(By.CSS_SELECTOR, "input[value='GB']").click()
    section.find_element(By.ID, "confirm-api").click()
    portal.press(section.find_element(By.ID, "save-api"), confirm=True)
    assert "Allowed countries for api: on" in portal.text(), portal.text()
    assert server.api("GET", "/api/v1/network")[2]["countries"]["api"] == {"enabled": True, "allow": ["DE", "GB"]}
    portal.clean("/security/settings")


def test_an_operator_sees_security_and_maintenance_and_gets_403_elsewhere(server_factory, driver):
    server = started(server_factory)
    server.cli("user", "add", "olga", "--role", "Operator", "--password", ADMIN_PASSWORD)
    portal = Portal(server, driver)
    portal.login("olga", ADMIN_PASSWORD)
    assert portal.heading() == "Security dashboard"
    sections = [h.get_attribute("textContent") for h in driver.find_elements(By.CSS_SELECTOR, "nav#menu h2")]
    assert "Security" in sections and "Logs" in sections, sections
    menu = driver.find_element(By.ID, "menu").text
    assert "Extensions" not in menu and "Users" not in menu and "Trunks" not in menu, menu
    for path in ("/extensions", "/users", "/trunks"):
        portal.open(path)
        assert portal.heading() == "Not allowed" and "Operator" in portal.text(), path
    status, _ = portal.post("/extensions", {"_csrf": portal.cookie("portcullis_csrf"), "number": "1777"})
    assert status == 403
    assert server.api("GET", "/api/v1/extensions")[2]["items"] == []
    portal.open("/events?status=unread")
    assert portal.heading() == "Event log" and "unread" in driver.find_element(By.ID, "events-table").text
    portal.submit("#mark-all-read")
    assert "marked as read" in portal.text()
    assert server.api("GET", "/api/v1/events?status=unread")[2]["items"] == []
    portal.clean("/events")


def test_extensions_page_by_fifty_and_search_within_a_role_s_scope(server_factory, driver):
    server = started(server_factory)
    admin_without_second_factor(server)
    apply_config(server, extensions_yaml(range(2000, 2120)))
    portal = Portal(server, driver)
    portal.login(ADMIN, ADMIN_PASSWORD)
    portal.open("/extensions")
    rows = driver.find_elements(By.CSS_SELECTOR, "#extensions-table tbody tr")
    assert len(rows) == 50 and rows[0].text.startswith("2000") and "120 extensions; page 1 of 3" in portal.text()
    portal.press(driver.find_element(By.CSS_SELECTOR, "a[rel=next]"))
    assert driver.find_elements(By.CSS_SELECTOR, "#extensions-table tbody tr")[0].text.startswith("2050")
    portal.fill({"search": "2111"})
    portal.submit("form[role=search] button")
    assert [r.text.split()[0] for r in driver.find_elements(By.CSS_SELECTOR, "#extensions-table tbody tr")] == ["2111"]
    # A role scoped to 2100-2119 pages within its scope only.
    server.cli("role", "add", "Desk", "--permission", "Extensions and Trunks:view", "--scope", "2100-2119")
    server.cli("user", "add", "dora", "--role", "Desk", "--password", ADMIN_PASSWORD)
    portal.submit("header form button")
    portal.login("dora", ADMIN_PASSWORD)
    portal.open("/extensions")
    assert "20 extensions; page 1 of 1" in portal.text()
    portal.open("/extensions/2000")
    assert portal.heading() == "Not allowed"
    portal.clean("/extensions")


def test_hostile_names_render_as_text_and_forms_without_the_token_are_refused(server_factory, driver):
    server = started(server_factory)
    admin_without_second_factor(server)
    hostile = "<script>alert(1)</script>"
    server.cli("extension", "add", "1001", "--name", hostile)
    portal = Portal(server, driver)
    portal.login(ADMIN, ADMIN_PASSWORD)
    portal.open("/extensions")
    assert hostile in portal.text()
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    portal.clean("/extensions")

    # The same post with and without the session's token: only the first acts.
    status, page = portal.post("/extensions", {"number": "1002"})
    assert status == 403 and "security token" in page
    status, page = portal.post("/extensions", {"number": "1002", "_csrf": "0" * 64})
    assert status == 403
    assert [e["number"] for e in server.api("GET", "/api/v1/extensions")[2]["items"]] == ["1001"]
    # In the browser: a form whose hidden token was removed is refused too.
    driver.execute_script("document.querySelectorAll('input[name=_csrf]').forEach(e => e.remove())")
    portal.fill({"number": "1003"})
    portal.submit("form[action='/extensions'][method=post] button")
    assert "security token" in portal.text()
    assert status == 403 and len(server.api("GET", "/api/v1/extensions")[2]["items"]) == 1
    status, _ = portal.post("/extensions", {"number": "1004", "_csrf": portal.cookie("portcullis_csrf")})
    assert status == 200 and len(server.api("GET", "/api/v1/extensions")[2]["items"]) == 2


def test_an_extension_user_sees_own_calls_and_gets_new_sip_credentials_after_reauthentication(server_factory, driver):
    server = started(server_factory)
    server.cli("extension", "add", "1001", "--password", strong_password("1001"))
    server.cli("user", "add", "erin", "--role", "Employee", "--password", ADMIN_PASSWORD, "--extension", "1001", "--email", "erin@example.com")
    portal = Portal(server, driver)
    portal.login("erin", ADMIN_PASSWORD)
    assert portal.heading() == "My account"  # the user portal's start, not the dashboard
    assert [h.get_attribute("textContent") for h in driver.find_elements(By.CSS_SELECTOR, "nav#menu h2")] == ["Me"]
    portal.open("/me/calls")
    assert portal.heading() == "My calls"
    portal.clean("/me/calls")
    portal.open("/")
    assert portal.heading() == "My account"

    # A wrong portal password: refused beside the field, counted, nothing changed.
    portal.fill({"password": "wrong-password-1A"})
    portal.submit("form[action='/me/sip-password'] button", confirm=True)
    assert "password: wrong" in driver.find_element(By.CSS_SELECTOR, "#reauth ~ .field-error").text
    assert server.wait_for_event("Web User Login Failed", lambda e: e["fields"].get("username") == "erin")
    portal.fill({"password": ADMIN_PASSWORD})
    portal.submit("form[action='/me/sip-password'] button", confirm=True)
    password = driver.find_element(By.ID, "sip-password").text
    assert len(password) >= 10
    # The phone registers with it; the old password no longer works.
    phone = SipClient(server.sip_port)
    for secret, accepted in ((strong_password("1001"), False), (password, True)):
        challenge, uri = phone.register("1001")
        answer, _ = phone.register("1001", authorization("1001", secret, challenge_fields(challenge), uri))
        assert (answer["status"] == 200) == accepted, answer
    phone.close()
    portal.open("/me")
    assert not driver.find_elements(By.ID, "sip-password") and password not in driver.page_source  # shown once only


def test_a_login_link_signs_in_once(server_factory, driver):
    server = started(server_factory)
    server.cli("user", "add", "erin", "--role", "Employee", "--password", ADMIN_PASSWORD)
    status, _, links = server.api("POST", "/api/v1/login-links", {"users": ["erin"]})
    assert status == 201
    url = links["items"][0]["url"]
    portal = Portal(server, driver)
    driver.get(url)
    assert portal.heading() == "Sign in with a link"  # opening the link alone signs nobody in (link previews)
    portal.submit()
    assert portal.heading() == "My account" and "erin" in portal.text()
    portal.clean("/login-link")
    driver.delete_all_cookies()
    driver.get(url)
    portal.submit()
    assert portal.heading() == "Sign in with a link" and driver.find_elements(By.CSS_SELECTOR, ".problem")


def test_contacts_the_catalogue_and_backups_from_the_system_pages(server_factory, driver, tmp_path):
    from test_notifications import WebhookReceiver
    server = started(server_factory)
    admin_without_second_factor(server)
    server.cli("extension", "add", "1001")
    receiver = WebhookReceiver()
    try:
        portal = Portal(server, driver)
        portal.login(ADMIN, ADMIN_PASSWORD)
        portal.open("/notifications")
        portal.fill({"name": "chat", "address": receiver.url, "secret": "a-webhook-secret-16+"})
        Select(driver.find_element(By.NAME, "channel")).select_by_value("webhook")
        portal.submit()
        assert "Contact chat added." in portal.text()
        row = driver.find_element(By.XPATH, "//tr[td[normalize-space()='chat']]")
        portal.press(row.find_element(By.XPATH, ".//button[normalize-space()='Test']"))
        assert "A test message reached chat." in portal.text()
        assert json.loads(receiver.wait(1)[0][1])["event"]["name"] == "Notification Test"
        # A bad address: the API's words beside the form, nothing added.
        portal.fill({"name": "bad", "address": "http://example.com/hook"})
        Select(driver.find_element(By.NAME, "channel")).select_by_value("webhook")
        portal.submit()
        assert "https://" in portal.text() and len(json.loads(server.cli("notification", "contact", "list", "--json").stdout)["contacts"]) == 1

        portal.open("/notifications/events")
        Select(driver.find_element(By.NAME, "name")).select_by_value("Extension Registered")
        Select(driver.find_element(By.NAME, "notify")).select_by_value("on")
        portal.submit()
        assert "Extension Registered changed." in portal.text()
        entry = [e for e in json.loads(server.cli("notification", "event", "list", "--json").stdout) if e["name"] == "Extension Registered"][0]
        assert entry["notify"] is True and entry["level"] == "information"

        portal.open("/backups")
        assert "No backup yet." in portal.text()
        portal.fill({"passphrase": "portal backup passphrase"})
        portal.submit()
        assert "Backup made." in portal.text()
        name = json.loads(server.cli("backup", "list", "--json").stdout)["backups"][0]["name"]
        server.cli("extension", "remove", "1001")
        portal.open("/backups")
        Select(driver.find_element(By.NAME, "restore")).select_by_value(name)
        portal.fill({"restorePassphrase": "not the passphrase"})
        portal.submit("form:has(#f-restorePassphrase) button[type=submit]")
        assert "wrong passphrase" in portal.text(), portal.text()
        assert "1001" not in server.cli("extension", "list").stdout
        portal.open("/backups")
        portal.fill({"restorePassphrase": "portal backup passphrase"})
        portal.submit("form:has(#f-restorePassphrase) button[type=submit]")
        assert f"Restored {name}." in portal.text(), portal.text()
        assert "1001" in server.cli("extension", "list").stdout
        portal.clean("/backups")
    finally:
        receiver.close()
