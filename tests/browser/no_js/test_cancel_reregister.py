"""JavaScript off (SPEC P1): cancellation on a ground of Practitioners' Law art. 17 (L4) through
to the cancelled registration, then re-registration (L5) after it; and re-registration after a
lapse (R3), which asks for the training certificate. The doctor's part in Chromium with
JavaScript disabled; the institution returns the cancellation once (JS off as well), the
commission decides through HTTP."""

from __future__ import annotations

from datetime import date

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from portal.columns import local_today
from tests.support.browser import logged_in, photo_bytes
from tests.support.db import in_tenant
from tests.support.journey import doctor_form, resident_id
from tests.support.no_js import (
    COUNTY_HOSPITAL,
    certificate_number,
    decide,
    doctor_logs_in,
    error_next_to,
    ids_unique,
    registered,
    wizard_next,
)

pytestmark = pytest.mark.browser

CANCELLING = doctor_form("邓华", resident_id("42052519820414123"), "13600136204", "nojs_denghua")
LAPSED = doctor_form("许刚", resident_id("42052519820515123"), "13600136205", "nojs_xugang")
GROUND = "Ground for cancellation (Practitioners' Law art. 17)"


def _resubmitted(doctor) -> None:
    """The re-registration wizard from its practice step (kept from the registration) to submission."""
    expect(doctor.get_by_label("内科专业")).to_be_checked()
    wizard_next(doctor, "History")
    wizard_next(doctor, "Photo")
    wizard_next(doctor, "Review and submit")
    doctor.get_by_role("button", name="Submit to my institution").click()
    doctor.wait_for_url("**/hubei/me")
    expect(
        doctor.get_by_text(f"Submitted: waiting for {COUNTY_HOSPITAL} to confirm.")
    ).to_be_visible()


def _registered_again(doctor, certificate_no: str) -> None:
    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    facts = doctor.locator("dl.facts")
    expect(facts).to_contain_text(certificate_no)  # the same number, in force again (L5)
    expect(facts).to_contain_text(str(local_today().year))  # registered anew: counted from now (R3)
    expect(doctor.get_by_role("button", name="Change my practice scopes")).to_be_visible()


def test_cancellation_then_re_registration_without_javascript(new_context, live_server, desk):
    registered(live_server, desk, CANCELLING, "H2025420078004")
    doctor = doctor_logs_in(new_context, CANCELLING)
    certificate_no = certificate_number(doctor)

    # ---- L4: the cancellation form, a plain post ------------------------------------------------
    doctor.get_by_role("link", name="Apply for cancellation").click()
    expect(doctor.get_by_role("heading", name="Cancellation of the registration")).to_be_visible()
    ids_unique(doctor)
    doctor.get_by_role(
        "button", name="Apply for cancellation"
    ).click()  # empty: each field says why
    expect(doctor.get_by_role("alert")).to_have_text("Please correct the fields marked below.")
    error_next_to(doctor.get_by_label(GROUND), "Choose the ground.")
    error_next_to(doctor.get_by_label("Explanation"), "Explain briefly.")
    doctor.get_by_label(GROUND).select_option(label="Practice suspended for two full years")
    doctor.get_by_role(
        "button", name="Apply for cancellation"
    ).click()  # the ground kept, the note missing
    expect(doctor.get_by_label(GROUND)).to_have_value("suspended_two_years")
    error_next_to(doctor.get_by_label("Explanation"), "Explain briefly.")
    doctor.get_by_label("Explanation").fill("出国进修两年，暂停执业")
    doctor.get_by_role("button", name="Apply for cancellation").click()
    doctor.wait_for_url("**/hubei/me")
    expect(
        doctor.get_by_text(
            "Your application for cancellation was submitted. Your institution will confirm it."
        )
    ).to_be_visible()
    expect(
        doctor.get_by_role("heading", name="3. Cancellation of the registration")
    ).to_be_visible()
    expect(
        doctor.get_by_text(f"Submitted: waiting for {COUNTY_HOSPITAL} to confirm.")
    ).to_be_visible()

    # ---- I4: the institution returns it, JS off too: a reason is required, next to its field -----
    staff = new_context(javascript=False).new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/approvals")
    item = staff.locator("article").filter(has_text=CANCELLING["real_name"])
    expect(item).to_contain_text("Cancellation")
    item.get_by_role("button", name="Reject").click()
    item = staff.locator("article").filter(has_text=CANCELLING["real_name"])
    error_next_to(
        item.get_by_label("Reason for rejecting"), "Give the reason: the doctor will see it."
    )
    item.get_by_label("Reason for rejecting").fill("请先交接在管病人")
    item.get_by_role("button", name="Reject").click()
    staff.wait_for_url("**/hubei/institution/approvals")
    expect(staff.get_by_text("Rejected. The doctor was notified with your reason.")).to_be_visible()
    doctor.reload()
    expect(doctor.get_by_text(f"Returned by {COUNTY_HOSPITAL}.")).to_be_visible()
    expect(doctor.get_by_text("请先交接在管病人")).to_be_visible()
    doctor.get_by_role("link", name="Correct and submit again").click()
    expect(doctor.get_by_label("Explanation")).to_have_value(
        "出国进修两年，暂停执业"
    )  # corrected, not started anew
    doctor.get_by_label("Explanation").fill("出国进修两年，暂停执业；在管病人已交接")
    doctor.get_by_role("button", name="Apply for cancellation").click()
    doctor.wait_for_url("**/hubei/me")
    expect(
        doctor.get_by_text(f"Submitted: waiting for {COUNTY_HOSPITAL} to confirm.")
    ).to_be_visible()

    decide(desk, CANCELLING, live_server.app, materials=[])  # nothing to bring for a cancellation
    doctor.reload()
    expect(doctor.get_by_text(f"Your registration {certificate_no} is cancelled.")).to_be_visible()
    doctor.get_by_role("link", name="All my applications").click()
    expect(doctor.locator("main")).to_contain_text("Practice suspended for two full years")

    # the public register says so too (V1, L8)
    doctor.goto(f"/hubei/verify?no={certificate_no}")
    expect(doctor.locator("main")).to_contain_text("Cancelled")

    # ---- L5: re-registration after the cancellation ----------------------------------------------
    doctor.goto("/hubei/me")
    doctor.get_by_role("button", name="Apply for re-registration").click()
    doctor.wait_for_url("**/hubei/me/application/qualification")
    expect(doctor.get_by_role("heading", name="Re-registration")).to_be_visible()
    expect(doctor.get_by_role("group", name="Training certificate")).to_have_count(
        0
    )  # stopped today: none asked
    wizard_next(doctor, "Practice")
    _resubmitted(doctor)
    decide(desk, CANCELLING, live_server.app)
    _registered_again(doctor, certificate_no)


def test_re_registration_after_a_lapse_without_javascript(new_context, live_server, desk):
    """R3/L5: registered in 2021, lapsed two years later: the training certificate is asked."""
    from portal.extensions import db
    from portal.workflow.models import Application

    app_id = registered(live_server, desk, LAPSED, "H2025420078005")
    with in_tenant(live_server.app, "hubei"):
        registration = db.session.get(Application, app_id)
        registration.registered_on = date(2021, 1, 4)
        registration.valid_until = date(2023, 1, 4)  # fixed at approval by its rules version (A6)
        db.session.commit()
    doctor = doctor_logs_in(new_context, LAPSED)
    certificate_no = certificate_number(doctor)
    expect(
        doctor.get_by_text("Lapsed: the registration is past its valid-until date")
    ).to_be_visible()
    expect(doctor.get_by_role("button", name="Change my practice scopes")).to_have_count(0)

    doctor.get_by_role("button", name="Apply for re-registration").click()
    doctor.wait_for_url("**/hubei/me/application/qualification")
    ids_unique(doctor)
    months = doctor.get_by_label("Length of the training (months)")
    scan = doctor.get_by_label("Scan or photo of the training certificate (JPEG or PNG)")
    doctor.get_by_role(
        "button", name="Save and continue"
    ).click()  # nothing given: each field says why
    error_next_to(months, "Give the length of your training.")
    error_next_to(scan, "Upload the certificate.")
    months.fill("3")
    doctor.get_by_label("I passed the assessment at the end of the training").check()
    scan.set_input_files(
        files=[{"name": "training.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    doctor.get_by_role("button", name="Save and continue").click()
    error_next_to(months, "The training must have lasted at least 6 months.")
    expect(months).to_have_value("3")
    months.fill("6")
    scan.set_input_files(
        files=[{"name": "training.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    wizard_next(doctor, "Practice")
    _resubmitted(doctor)
    decide(desk, LAPSED, live_server.app)
    _registered_again(doctor, certificate_no)
    expect(doctor.locator("dl.facts")).not_to_contain_text("2021")  # no longer the lapsed date
