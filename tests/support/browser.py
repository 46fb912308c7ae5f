"""The browser tests' steps (Playwright, Debian's Chromium): the live server and its
authenticator codes, the development outbox read as a phone would, log-ins, and what marks an
in-page (htmx) update. Elements are found by their label or role, as a person would."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import update

try:
    from playwright.sync_api import Page, expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    Page = expect = None

from devdata.demo import DEMO_PASSWORD
from tests.support.http import Browser, redirected_to, tenant_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 20_000  # the longest a page, a response or an element may take
#: the demo county hospital by its whole name: the browser tests share one live server, where
#: test_provisioning.py adds another institution of 远安县 (a bare "远安" would find two)
YUANAN = "远安县人民医院（演示）"


def unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


class Server:
    """The portal on http://127.0.0.1:<port>, with a few helpers for the test."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url

    def totp_code(self, username: str) -> str:
        """A current authenticator code for a demo account. The portal accepts each time step
        once per user (replay protection, SEC3: tested in tests/security/test_sessions.py).
        A person logging in again within the same 30 seconds waits for the next step; the live
        server here is forgotten the step its last log-in used instead, so that no test waits on
        the real clock (issue 15)."""
        from devdata.demo import demo_totp_secret
        from portal.accounts.models import User
        from portal.extensions import db

        totp = pyotp.TOTP(demo_totp_secret(username))
        step = int(time.time() // totp.interval)
        with self.app.app_context():
            db.session.execute(
                update(User)
                .where(User.username == username, User.totp_last_step >= step)
                .values(totp_last_step=step - 1)
                .execution_options(all_tenants=True)
            )
            db.session.commit()
        return totp.at(step * totp.interval)


ACTIVATION_CODE = re.compile(r"[:：]\s*([ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10})(?![A-Z0-9])")
SMS_CODE = re.compile(r"#(\d{6})\s*$")
#: the user name and the first password of a new staff account's SMS (I1)
USERNAME = re.compile(r"(jg[0-9]{4}-[0-9]{2})(?![0-9])")
FIRST_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9-])([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})(?![A-Za-z0-9-])"
)


def read_outbox(page: Page, phone: str, pattern: re.Pattern) -> str:
    """Open the development SMS gateway and read the newest code sent to ``phone``."""
    page.goto("/hubei/dev/outbox")
    expect(page.get_by_role("heading", name="Development outbox")).to_be_visible()
    for item in page.get_by_role("listitem").filter(has_text=phone).all():  # newest first
        match = pattern.search(item.locator("pre").inner_text())
        if match:
            return match.group(1)
    raise AssertionError(f"no message to {phone} matching {pattern.pattern} in the outbox")


def log_in_with_totp(page: Page, server, username: str, path: str) -> None:
    """Open a protected page, log in with the password and an authenticator code, land there."""
    page.goto(path)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Authenticator code")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(server.totp_code(username))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(path) + r"\??$"))  # the log-in's next= may end in "?"


def logged_in(page: Page, server, username: str, path: str) -> None:
    """Open ``path`` as a demo staff member or officer already logged in, for the tests that
    are not about logging in (issue 15: a browser log-in costs three page loads). The app
    itself issues the session: a test-client log-in with the password and an authenticator
    code (``staff_browser``), whose session cookie the browser is then given. The browser's
    own log-in is tested in tests/browser/test_phone_inputs.py and tests/browser/test_journey.py."""
    name = server.app.config["SESSION_COOKIE_NAME"]
    cookie = staff_browser(server, username).client.get_cookie(name)
    assert cookie is not None, f"{username}: the log-in gave no session cookie"
    page.context.add_cookies([{"name": name, "value": cookie.value, "url": server.url}])
    page.goto(path)
    expect(page).to_have_url(re.compile(re.escape(server.url + path) + r"\??$"))


def photo_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 800), "teal").save(out, "JPEG")
    return out.getvalue()


def settled(page: Page) -> None:
    """Wait until htmx has finished the last swap (no request, swap or settle under way), as a
    person reading the new step would before choosing a file: on a loaded machine the test
    could otherwise act on the step before htmx has wired it up."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def stays_on_page(page: Page):
    """Mark the window; the mark survives an in-page (htmx) update but not a navigation."""
    page.evaluate("() => { window.__journeyMark = 'still here' }")
    return lambda: page.evaluate("() => window.__journeyMark") == "still here"


def staff_browser(server, username: str) -> Browser:
    """A test-client log-in that takes its authenticator code from the server's own clock
    keeper, so the browser's later log-ins never reuse a time step."""
    tenant = tenant_of(username)
    b = Browser(server.app.test_client())
    b.page(f"/{tenant}/login")
    redirected_to(b.post(f"/{tenant}/login", {"username": username, "password": DEMO_PASSWORD}))
    b.page(f"/{tenant}/login/totp")
    redirected_to(b.post(f"/{tenant}/login/totp", {"code": server.totp_code(username)}))
    return b
