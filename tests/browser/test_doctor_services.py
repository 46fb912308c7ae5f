"""Issue 3 in a real Chromium (JS on): a registered doctor at the county-level demo institution
changes the registration to a second scope (D7, R1), has a modification of registered
information approved by the institution (D17), and anyone checks the certificate through the
link of its QR code (V1).

The doctor reaches "registered" through HTTP (the spine's browser test walks that part); every
step of issue 3 is then done in the browser, finding elements by label and role."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None

from tests.support.browser import YUANAN, logged_in, staff_browser, stays_on_page
from tests.support.http import redirected_to
from tests.support.journey import NOTICE_MATERIALS, doctor_form, fill_wizard, walk_doctor

pytestmark = pytest.mark.browser

DOCTOR = doctor_form("张晓燕", "420525200103152349", "13700137044", "zhangxy_browser")


def registered_doctor(server) -> None:
    staff = staff_browser(server, "hb-county-staff")
    walked = walk_doctor(
        server.app, "hubei", DOCTOR, until="activated", staff=staff, institution=YUANAN
    )
    fill_wizard(
        walked.browser, "hubei", scopes=("internal",), address="湖北省远安县鸣凤镇演示街 9 号"
    )
    walked.browser.page("/hubei/me/application/review")
    redirected_to(walked.browser.post("/hubei/me/application/review", {}))
    from portal.extensions import db
    from portal.workflow.models import Application
    from tests.support.db import in_tenant

    with in_tenant(server.app, "hubei"):
        app_id = db.session.execute(
            db.select(Application.id).filter_by(doctor_id=walked.doctor_id)
        ).scalar_one()
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))
    officer = staff_browser(server, "hb-officer")
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": NOTICE_MATERIALS})
    )  # D8: the notice


def test_change_modification_and_public_check(new_context, live_server):
    registered_doctor(live_server)
    doctor = new_context(phone=True).new_page()
    doctor.goto("/hubei/login")
    doctor.get_by_label("User name", exact=True).fill(DOCTOR["username"])
    doctor.get_by_label("Password", exact=True).fill(DOCTOR["password"])
    doctor.get_by_role("button", name="Log in").click()
    doctor.wait_for_url("**/hubei/me")
    certificate_no = re.search(r"\b\d{15}\b", doctor.locator("dl.facts").first.inner_text()).group(
        0
    )

    # ---- D7 + R1: a change of registration to a second scope at a county-level institution
    doctor.get_by_role("button", name="Change my practice scopes").click()
    expect(doctor.get_by_role("heading", name="Change of registration")).to_be_visible()
    expect(doctor.get_by_label("内科专业")).to_be_checked()
    doctor.get_by_label("外科专业").check()
    # L2: institutions to move to are searched in-page (htmx); what is ticked stays; staying is the default
    still_here = stays_on_page(doctor)
    doctor.get_by_label(
        "Move to another institution (change of registration): search by name"
    ).fill("演示第一")
    doctor.get_by_role("button", name="Search").click()
    expect(doctor.get_by_label("湖北省演示第一医院")).not_to_be_checked()
    expect(doctor.get_by_label("Stay at 远安县人民医院（演示）")).to_be_checked()
    expect(doctor.get_by_label("外科专业")).to_be_checked()
    assert still_here(), "the search navigated away instead of swapping the step in place"
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="History")).to_be_visible()
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="Photo", exact=True)).to_be_visible()
    doctor.get_by_role("button", name="Save and continue").click()
    expect(doctor.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(doctor.get_by_text("内科专业、外科专业")).to_be_visible()
    doctor.get_by_role("button", name="Submit to my institution").click()
    doctor.wait_for_url("**/hubei/me")
    expect(doctor.get_by_role("heading", name="Registration in force")).to_be_visible()

    staff = new_context().new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/approvals")
    row = staff.locator("article").filter(has_text=DOCTOR["real_name"])
    expect(row).to_contain_text("Change of registration")
    row.get_by_role("button", name="Confirm").click()
    expect(row.get_by_role("status")).to_have_text("Confirmed. The doctor was notified.")

    # A5/R1: two scopes at a county-level institution: the county's officer approves
    officer = new_context().new_page()
    logged_in(officer, live_server, "hb-county-officer", "/hubei/admin/")
    officer.get_by_role("link", name=DOCTOR["real_name"]).click()
    for box in officer.get_by_role("checkbox").all():
        box.check()
    officer.get_by_role("button", name="Approve and issue the certificate").click()
    expect(
        officer.get_by_text(re.compile(f"Certificate number {certificate_no}")).first
    ).to_be_visible()

    doctor.goto("/hubei/me")
    expect(doctor.get_by_text("内科专业、外科专业")).to_be_visible()
    expect(doctor.get_by_text(certificate_no)).to_be_visible()  # the certificate number stays

    # ---- D17: information maintenance, approved by the institution -------------------------
    doctor.get_by_role("link", name="Information maintenance").click()
    doctor.get_by_label("Home address as on your ID card").fill("湖北省远安县鸣凤镇新址路 1 号")
    doctor.get_by_role("button", name="Send for approval").click()
    expect(doctor.get_by_text("湖北省远安县鸣凤镇新址路 1 号").first).to_be_visible()
    staff.goto("/hubei/institution/approvals")
    request = staff.locator("article").filter(has_text=DOCTOR["real_name"])
    expect(request).to_contain_text("湖北省远安县鸣凤镇演示街 9 号")  # old and new side by side
    expect(request).to_contain_text("湖北省远安县鸣凤镇新址路 1 号")
    request.get_by_role("button", name="Approve").click()
    expect(request.get_by_role("status")).to_be_visible()
    doctor.goto("/hubei/me/maintenance")
    expect(doctor.get_by_text(re.compile("the new details are in force"))).to_be_visible()

    # ---- V1: the QR code's link, opened by anyone -----------------------------------------------
    doctor.goto("/hubei/me/certificate")
    expect(doctor.locator("#signed-qr svg")).to_be_visible()
    link = doctor.locator("#signed-qr figcaption a").get_attribute("href")
    assert link.endswith(f"/hubei/verify?no={certificate_no}")
    public = new_context(phone=True).new_page()
    public.goto(link)
    expect(public.get_by_role("heading", name=DOCTOR["real_name"])).to_be_visible()
    expect(public.get_by_text("内科专业、外科专业")).to_be_visible()
    assert DOCTOR["id_number"] not in public.content() and DOCTOR["phone"] not in public.content()
