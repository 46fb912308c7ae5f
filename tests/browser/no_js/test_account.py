"""JavaScript off (SPEC P1): the doctor's Account page (SEC1, D3) in Chromium with JavaScript
disabled. Each change asks for the current password; every refused post answers with the whole
page and the message next to its field; a new mobile number or email address is in force only
once the code sent to it (read off the development outbox) is entered. Then the password is
forgotten and reset by a code sent to the new number (D6)."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.browser import SMS_CODE
from tests.support.journey import doctor_form, resident_id, walk_doctor
from tests.support.no_js import doctor_logs_in, error_next_to, ids_unique, qualify, read_outbox_to

pytestmark = pytest.mark.browser

DOCTOR = doctor_form("钟丽", resident_id("42052519820818123"), "13600136208", "nojs_zhongli")
NEW_PASSWORD = "Newer-pass-2026"
NEW_PHONE = "13600136218"
NEW_EMAIL = "zhongli.new@example.com"
EMAIL_CODE = re.compile(r"code is (\d{6})")
RESET_CODE = re.compile(r"reset code is (\d{6})")
RESET_PASSWORD = "Reset-pass-2026"


def test_account_changes_without_javascript(new_context, live_server):
    qualify(live_server.app, DOCTOR, "H2025420078008")
    walk_doctor(live_server.app, "hubei", DOCTOR, until="verified")
    other_device = doctor_logs_in(new_context, DOCTOR)
    doctor = doctor_logs_in(new_context, DOCTOR)
    outbox = doctor.context.new_page()  # the phone's messages, in another tab
    doctor.get_by_role("link", name="My account: password, mobile number, email").click()
    expect(doctor.get_by_role("heading", name="My account")).to_be_visible()
    ids_unique(doctor)  # three forms on one page: each label names its own field

    # ---- the password -------------------------------------------------------------------------
    section = doctor.get_by_role("region", name="Change my password")
    section.get_by_label("Current password").fill("Not-my-password-1")
    section.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    section.get_by_label("New password again").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Change my password").click()
    section = doctor.get_by_role("region", name="Change my password")
    error_next_to(section.get_by_label("Current password"), "This is not your current password.")
    ids_unique(doctor)
    section.get_by_label("Current password").fill(DOCTOR["password"])
    section.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    section.get_by_label("New password again").fill("Something-else-1")
    section.get_by_role("button", name="Change my password").click()
    error_next_to(
        doctor.get_by_role("region", name="Change my password").get_by_label("New password again"),
        "The two passwords differ.",
    )
    section = doctor.get_by_role("region", name="Change my password")
    section.get_by_label("Current password").fill(DOCTOR["password"])
    section.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    section.get_by_label("New password again").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Change my password").click()
    doctor.wait_for_url("**/hubei/me/account")
    expect(
        doctor.get_by_text("Your password was changed. You were logged out on your other devices.")
    ).to_be_visible()
    other_device.goto("/hubei/me")  # the other device is logged out
    expect(other_device.get_by_role("heading", name="Log in")).to_be_visible()

    # ---- the mobile number: refused next to its fields, then the code to the new number ------------
    section = doctor.get_by_role("region", name="Change my mobile number")
    for number, password, field, message in (
        (
            "1360013",
            NEW_PASSWORD,
            "New mobile number",
            "A mainland China mobile number has 11 digits",
        ),
        (DOCTOR["phone"], NEW_PASSWORD, "New mobile number", "This is already your mobile number."),
        (
            NEW_PHONE,
            DOCTOR["password"],
            "Current password",
            "This is not your current password.",
        ),  # the old one
    ):
        section.get_by_label("New mobile number").fill(number)
        section.get_by_label("Current password").fill(password)
        section.get_by_role("button", name="Send a code to the new number").click()
        section = doctor.get_by_role("region", name="Change my mobile number")
        error_next_to(section.get_by_label(field), message)
        expect(section.get_by_label("New mobile number")).to_have_value(
            number
        )  # what was typed stays
        ids_unique(doctor)
    section.get_by_label("Current password").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Send a code to the new number").click()
    section = doctor.get_by_role("region", name="Change my mobile number")
    expect(section.get_by_role("status")).to_contain_text(
        "We sent a 6-digit code to the new number."
    )
    expect(section).to_contain_text("136****6208")  # the old number stays in use meanwhile
    code = read_outbox_to(outbox, NEW_PHONE, SMS_CODE)
    section.get_by_label("Verification code").fill("000000" if code != "000000" else "111111")
    section.get_by_role("button", name="Confirm the new number").click()
    section = doctor.get_by_role("region", name="Change my mobile number")
    error_next_to(
        section.get_by_label("Verification code"), "The code is wrong. Check it and try again."
    )
    section.get_by_label("Verification code").fill(code)
    section.get_by_role("button", name="Confirm the new number").click()
    doctor.wait_for_url("**/hubei/me/account")
    expect(doctor.get_by_text("Your mobile number was changed.")).to_be_visible()
    expect(doctor.get_by_role("region", name="Change my mobile number")).to_contain_text(
        "136****6218"
    )

    # ---- the email address --------------------------------------------------------------------
    section = doctor.get_by_role("region", name="Change my email address")
    section.get_by_label("New email address").fill("not-an-address")
    section.get_by_label("Current password").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Send a code to the new address").click()
    section = doctor.get_by_role("region", name="Change my email address")
    error_next_to(
        section.get_by_label("New email address"),
        "Enter a valid email address, e.g. name@example.com.",
    )
    section.get_by_label("New email address").fill(NEW_EMAIL)
    section.get_by_label("Current password").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Send a code to the new address").click()
    section = doctor.get_by_role("region", name="Change my email address")
    expect(section.get_by_role("status")).to_contain_text(
        "We sent a 6-digit code to the new address."
    )
    section.get_by_label("Verification code").fill(read_outbox_to(outbox, NEW_EMAIL, EMAIL_CODE))
    section.get_by_role("button", name="Confirm the new address").click()
    doctor.wait_for_url("**/hubei/me/account")
    expect(doctor.get_by_text("Your email address was changed.")).to_be_visible()
    expect(doctor.get_by_role("region", name="Change my email address")).to_contain_text(NEW_EMAIL)

    # the new password is the one that logs in now
    doctor.get_by_role("button", name="Log out").click()
    doctor_logs_in(new_context, DOCTOR, password=NEW_PASSWORD)

    # ---- D6: a forgotten password, reset by a code sent to the mobile number now in force -----------
    doctor.goto("/hubei/login")
    doctor.get_by_role("link", name="Forgot your password?").click()
    doctor.get_by_role("button", name="Send a code to my mobile number").click()  # no user name
    error_next_to(doctor.get_by_label("User name"), "Enter your user name.")
    doctor.get_by_label("User name").fill(DOCTOR["username"])
    doctor.get_by_role("button", name="Send a code to my mobile number").click()
    doctor.wait_for_url("**/hubei/password/reset")
    expect(doctor.get_by_label("User name")).to_have_value(DOCTOR["username"])
    code = read_outbox_to(outbox, NEW_PHONE, RESET_CODE)
    doctor.get_by_label("Code from the text message or email").fill(
        "000000" if code != "000000" else "111111"
    )
    doctor.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    doctor.get_by_label("New password again").fill(RESET_PASSWORD)
    doctor.get_by_role("button", name="Set the new password").click()
    error_next_to(
        doctor.get_by_label("Code from the text message or email"),
        "The code is wrong or has expired.",
    )
    doctor.get_by_label("Code from the text message or email").fill(code)
    doctor.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    doctor.get_by_label("New password again").fill(RESET_PASSWORD)
    doctor.get_by_role("button", name="Set the new password").click()
    doctor.wait_for_url("**/hubei/login")
    expect(
        doctor.get_by_text("Your password was changed and every session of your account has ended.")
    ).to_be_visible()
    doctor_logs_in(new_context, DOCTOR, password=RESET_PASSWORD)
