"""Hostile requests to crm_helpdesk's portal, sent to a real Odoo server on 127.0.0.1.

A portal customer fills the new-ticket form with generated input (script in
the subject, huge fields, odd choices); the public knowledge base gets
generated searches. Every answer must be a page or a redirect, never a
server error, and nothing sent may come back as live markup.
"""

import http.cookiejar
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suitetools import reliability
from suitetools.odoo import REPO_ROOT, free_port

pytestmark = pytest.mark.xdist_group("reliability")

# CRM_SUITE_RELIABILITY_HTTP_PORT picks the server's port, for machines where
# each developer has a range of ports; any free port otherwise.
PORT = int(os.environ.get("CRM_SUITE_RELIABILITY_HTTP_PORT") or free_port())
# A script element or an event handler inside a tag; escaped text does not match.
LIVE_MARKUP = r"<script|<[^>]*\son[a-z]+\s*="
FORM_EXAMPLES = 30
SEARCH_EXAMPLES = 20
SCRIPT = '<script>alert("rel")</script>'
PASSWORD = "rel-portal-Passw0rd"


PORTAL_USER = (
    """
def create_user(env):
    user = env["res.users"].with_context(no_reset_password=True).create({
        "name": "Portal " + '<img src=x onerror=alert(1)>', "login": "rel.portal@example.com",
        "email": "rel.portal@example.com", "password": %r,
        "groups_id": [(6, 0, [env.ref("base.group_portal").id])],
    })
    team = env["crm.helpdesk.team"].create({"name": "Portal team", "portal_published": True})
    result["team_id"] = team.id

run_retrying(create_user)
"""
    % PASSWORD
)


class Browser:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace"), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), path

    def csrf(self, page):
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "no csrf token on the page"
        return match.group(1)


@pytest.fixture(scope="module")
def portal_server(odoo_runtime, reliability_database):
    code, result, output = reliability.run(odoo_runtime, reliability_database, PORTAL_USER)
    assert code == 0, output[-3000:]
    assert result, output[-3000:]
    log_path = os.path.join(REPO_ROOT, ".suite", "reliability", "http-server.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            odoo_runtime.command(
                reliability_database,
                "--http-port",
                str(PORT),
                "--max-cron-threads=0",
                "--workers=0",
                "--log-level=info",
            ),
            env=odoo_runtime.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, open(log_path).read()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/web/login", timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer within 3 minutes"
                time.sleep(1)
        yield {"team_id": result["team_id"], "log_path": log_path}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def logged_in(port):
    browser = Browser(port)
    _status, page, _url = browser.request("/web/login")
    status, page, url = browser.request(
        "/web/login",
        {"login": "rel.portal@example.com", "password": PASSWORD, "csrf_token": browser.csrf(page)},
    )
    assert status == 200 and ("/my" in url or "/odoo" in url), (status, url)
    return browser


def assert_clean_answer(status, page, sent, url=None, paths=()):
    """Check that a request got a page (or 413 for an oversized form) with no live markup."""
    assert status in (200, 413), f"status {status} for {sent!r}"
    if status == 200 and paths:
        path = urllib.parse.urlsplit(url).path
        assert path.startswith(paths), f"{sent!r} ended on {url}"
    assert "Traceback" not in page, f"traceback shown for {sent!r}"
    assert SCRIPT not in page and "<img src=x onerror" not in page, f"live markup for {sent!r}"


def test_reliability_portal_ticket_form_fuzz(odoo_runtime, reliability_database, portal_server):
    browser = logged_in(PORT)
    team = str(portal_server["team_id"])
    tried = []

    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        name=st.one_of(
            st.text(max_size=80),
            st.sampled_from([SCRIPT, "  ", '=HYPERLINK("http://evil.test")', "S" * 5000]),
        ),
        description=st.one_of(
            st.text(max_size=300),
            st.sampled_from([SCRIPT + "<img src=x onerror=alert(1)>", "D" * 300000]),
        ),
        team_id=st.sampled_from(["", team, "abc", "-1", "999999", "1e3", " 1", "0x1"]),
    )
    def submit(name, description, team_id):
        _status, page, _url = browser.request("/my/support-tickets/new")
        sent = {
            "name": name,
            "description": description,
            "team_id": team_id,
            "csrf_token": browser.csrf(page),
        }
        status, page, url = browser.request("/my/support-tickets/new", sent)
        tried.append((sent, status, url))
        assert_clean_answer(
            status,
            page,
            {k: v[:60] for k, v in sent.items()},
            url,
            ("/my/support-ticket/", "/my/support-tickets/new"),
        )

    submit()
    # The fixed hostile subject was taken, and shows escaped on the ticket page.
    status, page, url = browser.request(
        "/my/support-tickets/new",
        {
            "name": SCRIPT,
            "description": SCRIPT,
            "team_id": team,
            "csrf_token": browser.csrf(browser.request("/my/support-tickets/new")[1]),
        },
    )
    assert "/my/support-ticket/" in url, (status, url)
    assert_clean_answer(status, page, SCRIPT)
    assert "&lt;script&gt;" in page
    live = odoo_runtime.query(
        reliability_database,
        "SELECT id FROM crm_helpdesk_ticket WHERE description ~* %s",
        [LIVE_MARKUP],
    )
    assert not live, f"tickets with live markup in their description: {live}"
    portal_server["form_requests"] = len(tried) + 1


def test_reliability_knowledge_base_search_fuzz(portal_server):
    browser = Browser(PORT)

    @settings(
        max_examples=SEARCH_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        search=st.one_of(
            st.text(max_size=200),
            st.sampled_from([SCRIPT, "%", "_", "\\", "' OR 1=1 --", "Q" * 50000, "\x00", "a\x00b"]),
        )
    )
    def search(search):
        query = urllib.parse.urlencode({"search": search})
        status, page, url = browser.request("/support/answers?" + query)
        assert_clean_answer(status, page, search[:60], url, ("/support/answers",))

    search()


def test_reliability_portal_form_unicode_digit_choice(portal_server):
    browser = logged_in(PORT)
    _status, page, _url = browser.request("/my/support-tickets/new")
    sent = {"name": "Printer", "description": "", "team_id": "²", "csrf_token": browser.csrf(page)}
    status, page, url = browser.request("/my/support-tickets/new", sent)
    assert_clean_answer(status, page, sent, url, ("/my/support-tickets/new",))
    assert "This choice is not available" in page


def test_reliability_portal_nul_character_search(portal_server):
    browser = Browser(PORT)
    status, page, url = browser.request("/support/answers?search=%00")
    assert_clean_answer(status, page, "\\x00", url, ("/support/answers",))
