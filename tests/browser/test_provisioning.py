"""Provisioning in a real Chromium (I1, I2, A1), with JavaScript on (htmx) and off: an officer
creates an institution after the on-site check; its person in charge reads the user name and
first password off the development SMS outbox, logs in, chooses a password, enrols TOTP (the
key read off the page, the code computed as an authenticator app would); adds a staff member,
who does the same first log-in.

The UI is in English (cookie ``lang=en``): elements are found by their English labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    Page = expect = None

from portal.tenants.models import local_today
from tests.browser.conftest import RESULTS
from tests.browser.test_journey import log_in_with_totp, read_outbox

pytestmark = pytest.mark.browser

USERNAME = re.compile(r"(jg[0-9]{4}-[0-9]{2})(?![0-9])")
FIRST_PASSWORD = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})(?![A-Za-z0-9-])")


@dataclass(frozen=True)
class Run:
    institution: str
    licence_no: str
    person_in_charge: str
    pic_mobile: str
    staff_name: str
    staff_mobile: str
    password: str


RUNS = {
    True: Run("远安县演示镇卫生院（浏览器）", "PDYBROWSER0001", "赵建华", "13700137011", "钱小梅", "13600136011",
              "Own-pass-js-1"),
    False: Run("武昌区演示社区卫生服务中心（浏览器）", "PDYBROWSER0002", "孙志远", "13700137022", "李晓红",
               "13600136022", "Own-pass-nojs-2"),
}


def read_credentials(phone_page: Page, mobile: str) -> tuple[str, str]:
    """The user name and first password of the newest account SMS to ``mobile``."""
    return read_outbox(phone_page, mobile, USERNAME), read_outbox(phone_page, mobile, FIRST_PASSWORD)


def first_log_in(page: Page, username: str, first_password: str, own_password: str) -> None:
    """I1: log in with the first password, choose one's own, enrol the authenticator app."""
    page.goto("/hubei/login")
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(first_password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    # every page leads back here until it is done
    page.goto("/hubei/institution/approvals")
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(own_password)
    page.get_by_label("New password again").fill(own_password)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code: scan it with your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    # a wrong code is refused next to the field
    page.get_by_label("6-digit code from your authenticator app").fill(f"{(int(totp.now()) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("This code does not match.")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url("**/hubei/institution/approvals")
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_provision_first_log_in_and_staff(new_context, live_server, js):
    run = RUNS[js]
    tag = "js-on" if js else "js-off"
    RESULTS.mkdir(exist_ok=True)

    # ---- I1, A1: the officer creates the institution after the on-site check ----------------
    officer = new_context(javascript=js).new_page()
    log_in_with_totp(officer, live_server, "hb-officer", "/hubei/admin/")
    officer.get_by_role("link", name="Institutions").click()
    officer.get_by_role("link", name="Create an institution").click()
    officer.get_by_label("Institution name").fill(run.institution)
    officer.get_by_label("Practice licence registration number").fill(run.licence_no)
    officer.get_by_label("Level").select_option(label="At or below county level")
    officer.get_by_label("County").select_option(label="宜昌市 远安县")
    officer.get_by_label("Address").fill("远安县演示镇演示路 5 号")
    officer.get_by_label("Person in charge's name").fill(run.person_in_charge)
    officer.get_by_label("Person in charge's mobile number").fill(run.pic_mobile)
    officer.get_by_label("Checked on site by (officer's name)").fill("陈科员")
    officer.get_by_label("Date of the check").fill(local_today().isoformat())
    # without the three documents ticked, nothing is created
    officer.get_by_role("button", name="Create the institution and send the account").click()
    expect(officer.get_by_text("Tick this only once you have seen the document")).to_have_count(3)
    officer.get_by_label("Practice licence seen, original and copy").check()
    officer.get_by_label("Power of attorney seen").check()
    officer.get_by_label("Agent's ID card seen").check()
    officer.get_by_role("button", name="Create the institution and send the account").click()
    expect(officer.get_by_role("heading", name=run.institution)).to_be_visible()
    expect(officer.get_by_text("The institution was created.")).to_be_visible()
    officer.screenshot(path=RESULTS / f"admin-institution-{tag}.png", full_page=True)

    # ---- I1: the person in charge reads the SMS and logs in for the first time -------------
    phone = new_context(javascript=js).new_page()  # the "phone's inbox"
    username, first_password = read_credentials(phone, run.pic_mobile)
    pic = new_context(javascript=js).new_page()
    first_log_in(pic, username, first_password, run.password)

    # ---- I2: the person in charge adds a staff member --------------------------------------
    pic.get_by_role("link", name="Staff", exact=True).click()
    expect(pic.get_by_role("heading", name="Staff accounts")).to_be_visible()
    pic.get_by_label("Name").fill(run.staff_name)
    pic.get_by_label("Mobile number").fill(run.staff_mobile)
    pic.get_by_role("button", name="Add the staff member").click()
    expect(pic.get_by_text(f"was created for {run.staff_name}")).to_be_visible()
    expect(pic.get_by_role("row").filter(has_text=run.staff_name)).to_contain_text("Waiting for the first log-in")
    pic.screenshot(path=RESULTS / f"institution-staff-{tag}.png", full_page=True)

    staff_username, staff_password = read_credentials(phone, run.staff_mobile)
    assert staff_username != username
    staff = new_context(javascript=js).new_page()
    first_log_in(staff, staff_username, staff_password, run.password + "s")
    expect(staff.get_by_role("link", name="Staff", exact=True)).to_have_count(0)  # not the person in charge

    # ---- (later) batch approval of three applications by this institution ------------------
    # The lead extends this test here: three doctors name run.institution, the staff member
    # (``staff``) activates them and approves their applications in one batch.
