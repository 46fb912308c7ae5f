"""JavaScript off (SPEC P1): the cancellations the doctor did not ask for (L4, Practitioners' Law
art. 17) and the written refusal notice (L3), in Chromium with JavaScript disabled.

- I6: the institution's staff report a ground from the roster (bad input first, each field says
  why); the commission approves it (HTTP); the public check shows it cancelled with its date.
- A9: an officer cancels on the commission's own motion from the registration's page.
- L3/A9: the doctor and the institution each open the written decision not to register."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1)
    expect = None
from portal.columns import local_today
from tests.support.browser import logged_in
from tests.support.http import redirected_to
from tests.support.journey import doctor_form, resident_id, walk_doctor
from tests.support.no_js import (
    error_next_to,
    ids_unique,
    latest_application,
    qualify,
    registered,
)

pytestmark = pytest.mark.browser

REPORTED = doctor_form("韩立", resident_id("42052519830101123"), "13600136241", "nojs_hanli")
OWN_MOTION = doctor_form("彭静", resident_id("42052519830202124"), "13600136242", "nojs_pengjing")
REFUSED = doctor_form("罗军", resident_id("42052519830303125"), "13600136243", "nojs_luojun")
GROUND = "Ground for cancellation (Practitioners' Law art. 17)"


def _public_says_cancelled(page, certificate_no: str) -> None:
    page.goto(f"/hubei/verify?no={certificate_no}")
    main = page.locator("main")
    expect(main).to_contain_text("Cancelled")
    expect(main).to_contain_text("Cancelled on")
    expect(main).to_contain_text(str(local_today().year))


def test_institution_reports_a_ground_without_javascript(new_context, live_server, desk):
    reg_id = registered(live_server, desk, REPORTED, "H2025420078031")
    staff = new_context(javascript=False).new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/roster")
    row = staff.locator(f"#reg-{reg_id}")
    certificate_no = row.inner_text().split("Certificate number")[1].split()[0]
    row.get_by_role("link", name="Report a cancellation ground").click()
    expect(staff.get_by_role("heading", name="Report a cancellation ground")).to_be_visible()
    ids_unique(staff)
    staff.get_by_role("button", name="Report to the health commission").click()  # empty
    expect(staff.get_by_role("alert").first).to_have_text("Please correct the fields marked below.")
    error_next_to(staff.get_by_label(GROUND), "Choose the ground.")
    error_next_to(staff.get_by_label("Date of the ground"), "Enter the date of the ground.")
    error_next_to(staff.get_by_label("Note for the health commission"), "Explain briefly.")
    staff.get_by_label(GROUND).select_option(label="Criminal penalty")
    staff.get_by_label("Date of the ground").fill(local_today().isoformat())
    staff.get_by_label("Note for the health commission").fill("法院判决书已送达本院")
    staff.get_by_role("button", name="Report to the health commission").click()
    staff.wait_for_url("**/hubei/institution/roster")
    expect(
        staff.get_by_text("Reported. The health commission will decide on the cancellation.")
    ).to_be_visible()

    cancel_id = latest_application(live_server.app, REPORTED)
    officer = desk("hb-officer")
    officer.page(f"/hubei/admin/applications/{cancel_id}")
    redirected_to(officer.post(f"/hubei/admin/applications/{cancel_id}/approve", {}))
    staff.reload()
    expect(staff.locator(f"#reg-{reg_id}")).to_have_count(0)
    _public_says_cancelled(staff, certificate_no)


def test_commission_cancels_on_its_own_motion_without_javascript(new_context, live_server, desk):
    reg_id = registered(live_server, desk, OWN_MOTION, "H2025420078032")
    officer = new_context(javascript=False).new_page()
    logged_in(officer, live_server, "hb-county-officer", f"/hubei/admin/applications/{reg_id}")
    officer.get_by_role(
        "link", name="Cancel this registration on the commission's own motion"
    ).click()
    expect(
        officer.get_by_role("heading", name="Cancel a registration on the commission's own motion")
    ).to_be_visible()
    ids_unique(officer)
    certificate_no = officer.locator("dl.facts dd").nth(1).inner_text().strip()
    officer.get_by_label(GROUND).select_option(label="Death")
    officer.get_by_label("Date of the ground").fill(local_today().isoformat())
    officer.get_by_role("button", name="Cancel the registration").click()  # no reference
    error_next_to(
        officer.get_by_label("Reference"),
        "Enter the reference of the document the ground rests on.",
    )
    expect(officer.get_by_label(GROUND)).to_have_value("death")  # kept
    officer.get_by_label("Reference").fill("远民死登〔2026〕88号")
    officer.get_by_role("button", name="Cancel the registration").click()
    officer.wait_for_url(f"**/hubei/admin/applications/{reg_id}")
    expect(
        officer.get_by_text(
            f"Registration {certificate_no} is cancelled. The institution was told."
        )
    ).to_be_visible()
    expect(officer.locator("#decision")).to_contain_text("Cancelled")
    _public_says_cancelled(officer, certificate_no)


def test_refusal_notice_for_the_doctor_and_the_institution_without_javascript(
    new_context, live_server, desk
):
    qualify(live_server.app, REFUSED, "H2025420078033")
    walked = walk_doctor(
        live_server.app,
        "hubei",
        REFUSED,
        until="confirmed",
        staff=desk("hb-county-staff"),
        institution="远安县人民医院",
        address="湖北省远安县鸣凤镇演示街 21 号",
    )
    officer = desk("hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/refuse",
            {"ground": "civil_capacity", "explanation": "经法院宣告为限制民事行为能力人"},
        )
    )
    doctor = new_context(javascript=False, phone=True).new_page()
    doctor.goto("/hubei/login")
    doctor.get_by_label("User name", exact=True).fill(REFUSED["username"])
    doctor.get_by_label("Password", exact=True).fill(REFUSED["password"])
    doctor.get_by_role("button", name="Log in").click()
    doctor.wait_for_url("**/hubei/me")
    doctor.goto("/hubei/me/applications")
    doctor.get_by_role("link", name="Print the written decision not to register").click()
    notice = doctor.locator("main")
    expect(doctor.get_by_role("heading", name="Written decision not to register")).to_be_visible()
    expect(notice).to_contain_text("No or limited civil capacity")
    expect(notice).to_contain_text("经法院宣告为限制民事行为能力人")
    expect(notice).to_contain_text("administrative reconsideration")
    expect(notice).to_contain_text(REFUSED["id_number"])
    expect(doctor.get_by_role("button", name="Print")).to_be_hidden()  # JS off: the browser's own

    staff = new_context(javascript=False).new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/refusals")
    item = staff.get_by_role("listitem").filter(has_text=REFUSED["real_name"])
    item.get_by_role("link", name="Print the written decision not to register").click()
    expect(staff.get_by_role("heading", name="Written decision not to register")).to_be_visible()
    expect(staff.locator("main")).to_contain_text("经法院宣告为限制民事行为能力人")
    expect(staff.locator("main")).not_to_contain_text(REFUSED["id_number"])
