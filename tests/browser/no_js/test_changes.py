"""JavaScript off (SPEC P1): a change of registration (D7, L2) of each kind, walked by the
doctor in Chromium with JavaScript disabled, through to the registration the doctor sees:
more practice scopes at a county-level institution (R1, approved by the county, A5), a move
to another institution (confirmed by the new one, whose staff also works without JS), and a
change of category with a qualification of that category (L9)."""

from __future__ import annotations

import re
from datetime import date

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.browser import logged_in
from tests.support.http import redirected_to
from tests.support.journey import ALL_MATERIALS, doctor_form, resident_id
from tests.support.no_js import (
    COUNTY_HOSPITAL,
    TERTIARY,
    certificate_number,
    decide,
    doctor_logs_in,
    error_next_to,
    ids_unique,
    latest_application,
    qualify,
    registered,
    wizard_next,
)

pytestmark = pytest.mark.browser

SCOPES = doctor_form("韩梅", resident_id("42052519820111124"), "13600136201", "nojs_hanmei")
MOVER = doctor_form("曹雪", resident_id("42052519820212124"), "13600136202", "nojs_caoxue")
CATEGORY = doctor_form("彭涛", resident_id("42052519820313123"), "13600136203", "nojs_pengtao")


def _start_change(doctor) -> None:
    doctor.get_by_role("button", name="Change my practice scopes").click()
    doctor.wait_for_url("**/hubei/me/application/practice")
    expect(doctor.get_by_role("heading", name="Change of registration")).to_be_visible()
    ids_unique(doctor)


def _through_to_review(doctor) -> None:
    """History and photo are kept from the registration: each step is saved as it is."""
    wizard_next(doctor, "History")
    wizard_next(doctor, "Photo")
    wizard_next(doctor, "Review and submit")


def _submit(doctor, institution: str) -> None:
    doctor.get_by_role("button", name="Submit to my institution").click()
    doctor.wait_for_url("**/hubei/me")
    expect(
        doctor.get_by_text("Your application was submitted. Your institution will confirm it.")
    ).to_be_visible()
    expect(doctor.get_by_text(f"Submitted: waiting for {institution} to confirm.")).to_be_visible()
    expect(
        doctor.get_by_role("heading", name="Registration in force")
    ).to_be_visible()  # still in force meanwhile


def test_change_of_scopes_without_javascript(new_context, live_server, desk):
    registered(live_server, desk, SCOPES, "H2025420078001")
    doctor = doctor_logs_in(new_context, SCOPES)
    certificate_no = certificate_number(doctor)

    _start_change(doctor)
    expect(
        doctor.get_by_label("内科专业")
    ).to_be_checked()  # the wizard starts from the registration
    for scope in ("外科专业", "儿科专业", "妇产科专业"):
        doctor.get_by_label(scope).check()
    doctor.get_by_role(
        "button", name="Save and continue"
    ).click()  # four: refused, next to the scopes
    scopes = doctor.get_by_role("group", name="Practice scopes")
    error_next_to(scopes, "You may register at most 3 scope(s) here.", group=True)
    expect(doctor.get_by_label("妇产科专业")).to_be_checked()  # what was ticked is shown again
    doctor.get_by_label("儿科专业").uncheck()
    doctor.get_by_label("妇产科专业").uncheck()
    _through_to_review(doctor)
    expect(doctor.get_by_text("内科专业、外科专业")).to_be_visible()
    _submit(doctor, COUNTY_HOSPITAL)

    # the institution confirms; two scopes at a county-level institution: the county approves (A5)
    decide(desk, SCOPES, live_server.app, officer="hb-county-officer")
    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    facts = doctor.locator("dl.facts")
    expect(facts).to_contain_text("内科专业、外科专业")
    expect(facts).to_contain_text(certificate_no)  # the certificate number stays (D7)


def test_change_of_institution_without_javascript(new_context, live_server, desk):
    """L2: the doctor moves to the provincial hospital; its staff confirms, also without JS."""
    registered(live_server, desk, MOVER, "H2025420078002")
    doctor = doctor_logs_in(new_context, MOVER)
    certificate_no = certificate_number(doctor)

    _start_change(doctor)
    doctor.get_by_label("外科专业").check()
    search = doctor.get_by_label(
        "Move to another institution (change of registration): search by name"
    )
    search.fill("演示第一")
    doctor.get_by_role(
        "button", name="Search"
    ).click()  # a post of the step's form, then the results
    doctor.wait_for_url(re.compile(r".*/hubei/me/application/practice\?q="))
    expect(doctor.get_by_label("外科专业")).to_be_checked()  # ticked before the search: not lost
    doctor.get_by_label(TERTIARY).check()
    doctor.get_by_role("button", name="Save and continue").click()
    # one scope at a tertiary hospital (R1): refused next to the scopes, and the institution
    # chosen is still the one chosen, so correcting the scopes does not silently drop the move
    error_next_to(
        doctor.get_by_role("group", name="Practice scopes"),
        "You may register at most 1 scope(s) here.",
        group=True,
    )
    expect(doctor.get_by_label(TERTIARY)).to_be_checked()
    doctor.get_by_label("外科专业").uncheck()
    _through_to_review(doctor)
    expect(doctor.locator("dl.facts")).to_contain_text(TERTIARY)
    _submit(doctor, TERTIARY)

    # the new institution's staff confirms in its queue, JS off: a plain post and a redirect
    staff = new_context(javascript=False).new_page()
    logged_in(staff, live_server, "hb-tertiary-staff", "/hubei/institution/approvals")
    item = staff.locator("article").filter(has_text=MOVER["real_name"])
    expect(item).to_contain_text("Change of registration")
    item.get_by_role("button", name="Confirm").click()
    staff.wait_for_url("**/hubei/institution/approvals")
    expect(staff.get_by_text("Confirmed. The doctor was notified.")).to_be_visible()
    expect(staff.locator("article").filter(has_text=MOVER["real_name"])).to_have_count(0)

    doctor.reload()
    expect(doctor.get_by_text(f"Confirmed by {TERTIARY}.", exact=False)).to_be_visible()
    app_id = latest_application(live_server.app, MOVER)
    officer = desk("hb-officer")
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )
    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    facts = doctor.locator("dl.facts")
    expect(facts).to_contain_text(TERTIARY)
    expect(facts).to_contain_text(certificate_no)


def test_change_of_category_without_javascript(new_context, live_server, desk):
    """A category change takes a qualification of that category (D7, L9)."""
    registered(live_server, desk, CATEGORY, "H2025420078003")
    qualify(
        live_server.app, CATEGORY, "H2026420078093", category="tcm", obtained_on=date(2026, 6, 1)
    )
    doctor = doctor_logs_in(new_context, CATEGORY)
    certificate_no = certificate_number(doctor)

    _start_change(doctor)
    doctor.get_by_role("navigation", name="Steps of the application").get_by_role(
        "link", name="Qualification"
    ).click()
    expect(doctor.get_by_role("heading", name="Qualification", exact=True)).to_be_visible()
    doctor.get_by_label(re.compile("H2026420078093")).check()
    wizard_next(doctor, "Practice")
    expect(doctor.get_by_label("内科专业")).to_have_count(
        0
    )  # the catalogue of the new category only
    doctor.get_by_role("button", name="Save and continue").click()  # nothing of the category ticked
    error_next_to(
        doctor.get_by_role("group", name="Practice scopes"),
        "Choose your practice scope.",
        group=True,
    )
    doctor.get_by_label("中医专业").check()
    _through_to_review(doctor)
    review = doctor.locator("dl.facts")
    expect(review).to_contain_text("H2026420078093")
    expect(review).to_contain_text("中医专业")
    _submit(doctor, COUNTY_HOSPITAL)

    # A4: the commission returns it for correction; the doctor corrects and submits it again
    app_id = latest_application(live_server.app, CATEGORY)
    desk("hb-county-staff").page("/hubei/institution/approvals")
    redirected_to(desk("hb-county-staff").post(f"/hubei/institution/approvals/{app_id}/confirm"))
    desk("hb-officer").page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        desk("hb-officer").post(
            f"/hubei/admin/applications/{app_id}/return",
            {"reason": "请在工作经历中写明中医执业经历"},
        )
    )
    doctor.reload()
    expect(doctor.get_by_text("Returned by the health commission for correction.")).to_be_visible()
    expect(doctor.get_by_text("请在工作经历中写明中医执业经历")).to_be_visible()
    doctor.get_by_role("link", name="Correct and submit again").click()
    doctor.get_by_role("navigation", name="Steps of the application").get_by_role(
        "link", name="History"
    ).click()
    doctor.get_by_label("Work experience").fill("")
    doctor.get_by_role("button", name="Save and continue").click()
    error_next_to(
        doctor.get_by_label("Work experience"),
        "Required. Write 无 (none) if there is nothing to declare.",
    )
    doctor.get_by_label("Work experience").fill("2016-2025 远安县人民医院 内科；2026 中医科")
    wizard_next(doctor, "Photo")
    wizard_next(doctor, "Review and submit")
    expect(doctor.locator("dl.facts")).to_contain_text("2026 中医科")
    _submit(doctor, COUNTY_HOSPITAL)

    decide(desk, CATEGORY, live_server.app)
    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("Registered", exact=True)).to_be_visible()
    facts = doctor.locator("dl.facts")
    expect(facts).to_contain_text("中医专业")
    expect(facts).to_contain_text(certificate_no)
    doctor.get_by_role("link", name="My electronic certificate").click()
    expect(doctor.locator("main")).to_contain_text("中医专业")
