"""What a doctor types and sees on a phone (issue 14), in Chromium: the wait for another code
counted down with the button disabled (and the clock time said with JS off); the scope count
checked as the doctor ticks; the address bar following the page after a TOTP log-in and after
a password reset; a mobile number pasted as "+86 138 0013 8000" kept whole. Any error on the
browser console fails these tests (tests/browser/conftest.py)."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1)
    expect = None

from devdata.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.extensions import db
from tests.support.browser import SMS_CODE, YUANAN, read_outbox, staff_browser
from tests.support.db import in_tenant
from tests.support.journey import doctor_form, resident_id, sign_up, walk_doctor
from tests.support.no_js import qualify

pytestmark = pytest.mark.browser

#: made-up doctors, none of the other browser tests' people
WAITING = doctor_form("钱多", resident_id("42052519860606123"), "13600136401", "phone_waiting")
TICKING = doctor_form("孙立", resident_id("42052519870707123"), "13600136402", "phone_ticking")
FORGETFUL = {
    True: doctor_form("李忘", resident_id("42052519880808123"), "13600136403", "phone_forget_js"),
    False: doctor_form(
        "周忘", resident_id("42052519890909123"), "13600136404", "phone_forget_nojs"
    ),
}
PASTED = doctor_form("吴贴", resident_id("42052519901010123"), "13600136405", "phone_pasted")


def _as(new_context, live_server, browser, *, javascript=True):
    """A phone-sized Chromium holding the test client's session."""
    context = new_context(javascript=javascript, phone=True)
    cookie = browser.client.get_cookie("session")
    context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])
    return context.new_page()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_D3_the_wait_for_another_code_counts_down(new_context, live_server, js):
    who = {**WAITING, "username": f"{WAITING['username']}_{int(js)}"}
    who["phone"] = who["phone"][:-1] + ("7" if js else "8")
    b = sign_up(live_server.app, "hubei", who)
    page = _as(new_context, live_server, b, javascript=js)
    if js:
        page.clock.install()
    page.goto("/hubei/me/verify")
    page.get_by_role("button", name="Send me a code").click()
    again = page.get_by_role("button", name="Send the code again")
    expect(again).to_be_visible()
    if not js:  # the clock time another code may be asked for, not only a wait that goes stale
        expect(page.get_by_role("status").filter(has_text="Code sent")).to_contain_text(
            re.compile(r"at \d\d:\d\d:\d\d")
        )
        expect(again).to_be_enabled()
        return
    expect(again).to_be_disabled()
    expect(again).to_have_text(re.compile(r"^Send the code again in \d+ s$"))
    first = int(re.search(r"\d+", again.inner_text()).group(0))
    page.clock.run_for(3_000)
    expect(again).to_have_text(f"Send the code again in {first - 3} s")
    page.clock.run_for((first - 2) * 1_000)
    expect(again).to_be_enabled()
    expect(again).to_have_text("Send the code again")


def test_R1_the_scope_count_is_checked_as_the_doctor_ticks(new_context, live_server):
    staff = staff_browser(live_server, "hb-county-staff")
    qualify(live_server.app, TICKING, "H2025420899001")
    walked = walk_doctor(
        live_server.app, "hubei", TICKING, until="activated", staff=staff, institution=YUANAN
    )
    page = _as(new_context, live_server, walked.browser)
    page.goto("/hubei/me/application/practice")
    check = page.locator("#scopes-check")
    expect(check).to_contain_text("Chosen: 0 of at most 3.")
    boxes = page.locator("input[name=scopes]")
    for n in range(3):
        boxes.nth(n).check()
    expect(check).to_contain_text("Chosen: 3 of at most 3.")
    boxes.nth(3).check()  # the fourth: told at once, at the top of the list
    expect(check).to_contain_text("You may register at most 3 scope(s) here.")
    box_top = boxes.nth(0).bounding_box()["y"]
    assert check.bounding_box()["y"] < box_top
    boxes.nth(3).uncheck()
    expect(check).to_contain_text("Chosen: 3 of at most 3.")


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_SEC3_the_address_bar_follows_the_totp_log_in(new_context, live_server, js):
    page = new_context(javascript=js, phone=True).new_page()
    page.goto("/hubei/login")
    page.get_by_label("User name", exact=True).fill("hb-tertiary-staff")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Authenticator code")).to_be_visible()
    page.wait_for_url("**/hubei/login/totp**")
    page.get_by_label("6-digit code from your authenticator app").fill(
        live_server.totp_code("hb-tertiary-staff")
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/hubei/institution/"))
    assert "/login" not in page.url
    page.reload()  # the page shown is the page of the address
    assert "/login" not in page.url


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_D6_the_address_bar_follows_the_password_reset(new_context, live_server, js):
    who = FORGETFUL[js]
    walk_doctor(live_server.app, "hubei", who, until="verified")
    page = new_context(javascript=js, phone=True).new_page()
    page.goto("/hubei/password/forgot")
    page.get_by_label("User name", exact=True).fill(who["username"])
    page.get_by_role("button", name="Send a code to my mobile number").click()
    page.wait_for_url("**/hubei/password/reset")
    code = read_outbox(page.context.new_page(), who["phone"], SMS_CODE)
    page.get_by_label("Code from the text message or email").fill(code)
    page.get_by_label("New password", exact=True).fill("Brand-new-pass-7")
    page.get_by_label("New password again").fill("Brand-new-pass-7")
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/hubei/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_D1_a_pasted_mobile_number_is_kept_whole(new_context, live_server):
    page = new_context(phone=True).new_page()
    page.goto("/hubei/signup")
    field = page.get_by_label("Mobile number")
    field.focus()
    page.keyboard.insert_text("+86 136 0013 6405")  # as a paste: maxlength applies to it too
    expect(field).to_have_value("+86 136 0013 6405")
    page.get_by_label("Real name (as on your ID card)").fill(PASTED["real_name"])
    page.get_by_label("Resident ID number").fill(PASTED["id_number"])
    page.get_by_label("Email", exact=True).fill(PASTED["email"])
    page.get_by_label("User name (for logging in)").fill(PASTED["username"])
    page.get_by_label("Password", exact=True).fill(PASTED["password"])
    page.get_by_label("Password again").fill(PASTED["password"])
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/hubei/me")
    with in_tenant(live_server.app, "hubei"):
        phone = db.session.execute(
            db.select(User.phone).filter_by(username=PASTED["username"])
        ).scalar_one()
    assert phone == "13600136405"
