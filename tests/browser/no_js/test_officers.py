"""JavaScript off (SPEC P1), issue 12 (A1, I1): the province's administrator creates a county
officer in-page; the officer reads the user name and first password off the development outbox
(their phone), logs in, chooses a password and enrols the authenticator app (the key read off
the page, the code computed as an app would), and lands on the commission's end, working for
the county."""

from __future__ import annotations

import re

import pyotp
import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.browser import FIRST_PASSWORD, logged_in, read_outbox
from tests.support.no_js import error_next_to, ids_unique

pytestmark = pytest.mark.browser

MOBILE = "13700137301"
OFFICER_USERNAME = re.compile(r"(wj420525-[0-9]{2})(?![0-9])")
OWN_PASSWORD = "Own-pass-nojs-12"


def test_admin_creates_a_county_officer_who_logs_in_and_enrols_totp(new_context, live_server):
    admin = new_context(javascript=False).new_page()
    logged_in(admin, live_server, "hb-admin", "/hubei/admin/")
    admin.get_by_role("navigation", name="Health commission").get_by_role(
        "link", name="Officers"
    ).click()
    expect(admin.get_by_role("heading", name="Officer accounts")).to_be_visible()
    admin.get_by_role("link", name="Create an officer account").click()
    expect(admin.get_by_role("heading", name="Create an officer account")).to_be_visible()
    admin.get_by_label("Name").fill("钱秀英")
    admin.get_by_label("Mobile number").fill("12345")
    admin.get_by_label("Works for").select_option(label="宜昌市 远安县 (county)")
    admin.get_by_role("button", name="Create the account and send the set-up message").click()
    error_next_to(
        admin.get_by_label("Mobile number"), "A mainland China mobile number has 11 digits"
    )
    ids_unique(admin)
    admin.get_by_label("Mobile number").fill(MOBILE)
    admin.get_by_role("button", name="Create the account and send the set-up message").click()
    expect(
        admin.get_by_text(re.compile(r"Officer account wj420525-\d{2} was created"))
    ).to_be_visible()
    expect(admin.get_by_text("Waiting for the first log-in")).to_be_visible()

    phone = new_context(javascript=False).new_page()
    username = read_outbox(phone, MOBILE, OFFICER_USERNAME)
    first_password = read_outbox(phone, MOBILE, FIRST_PASSWORD)

    officer = new_context(javascript=False).new_page()
    officer.goto("/hubei/login")
    officer.get_by_label("User name", exact=True).fill(username)
    officer.get_by_label("Password", exact=True).fill(first_password)
    officer.get_by_role("button", name="Log in").click()
    expect(officer.get_by_role("heading", name="Choose your password")).to_be_visible()
    officer.get_by_label("New password", exact=True).fill(OWN_PASSWORD)
    officer.get_by_label("New password again").fill(OWN_PASSWORD)
    officer.get_by_role("button", name="Save my password").click()
    expect(officer.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = officer.locator("#totp-secret").inner_text().replace(" ", "")
    officer.get_by_label("6-digit code from your authenticator app").fill(pyotp.TOTP(secret).now())
    officer.get_by_role("button", name="Confirm and continue").click()
    officer.wait_for_url("**/hubei/admin/")
    expect(officer.get_by_text("Your authenticator app is set up.")).to_be_visible()
    # a county officer manages no officer accounts: the nav does not offer them
    nav = officer.get_by_role("navigation", name="Health commission")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Officers")).to_have_count(0)

    # the administrator sees the account in use
    admin.reload()
    expect(admin.get_by_text("In use")).to_be_visible()
