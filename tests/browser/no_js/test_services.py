"""JavaScript off (SPEC P1): the doctor's services around a registration, in Chromium with
JavaScript disabled: the printable Approval Form once the institution confirmed (D16, F9), the
electronic certificate with its QR code and the public check it opens (V1), and other practice
sites filed, confirmed and withdrawn (D19, L6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.db import in_tenant
from tests.support.http import redirected_to
from tests.support.journey import ALL_MATERIALS, doctor_form, resident_id
from tests.support.no_js import (
    COUNTY_HOSPITAL,
    TERTIARY,
    certificate_number,
    doctor_logs_in,
    ids_unique,
    registered,
)

pytestmark = pytest.mark.browser

PRINTING = doctor_form("袁明", resident_id("42052519820717123"), "13600136207", "nojs_yuanming")
FILING = doctor_form("傅玲", resident_id("42052519820616123"), "13600136206", "nojs_fuling")
FORM_TITLE = "Approval Form for Medical Practice Registration"


def _pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_approval_form_and_certificate_without_javascript(new_context, live_server, desk):
    app_id = registered(live_server, desk, PRINTING, "H2025420078007", until="confirmed")
    doctor = doctor_logs_in(new_context, PRINTING)
    expect(
        doctor.get_by_text(f"Confirmed by {COUNTY_HOSPITAL}. Bring these paper materials")
    ).to_be_visible()

    # ---- D16: the printable Approval Form ------------------------------------------------------
    doctor.get_by_role("link", name="Print the Approval Form (two copies)").click()
    doctor.wait_for_url(f"**/hubei/me/applications/{app_id}/print")
    expect(doctor.get_by_role("heading", name="Print the Approval Form")).to_be_visible()
    ids_unique(doctor)
    # print.js only shows a Print button; without it the page says how to print instead
    expect(doctor.get_by_role("button", name="Print", exact=True)).to_have_count(0)
    expect(doctor.get_by_text(re.compile(r"Use your browser's Print command"))).to_be_visible()
    expect(doctor.get_by_text(re.compile(r"On a phone, open the browser's menu"))).to_be_visible()
    forms = doctor.locator("section.approval-form")
    expect(forms).to_have_count(2)
    expect(forms.first).to_contain_text(PRINTING["id_number"])  # the doctor's own printout: in full
    expect(forms.first).to_contain_text("内科专业")
    for cell in forms.first.locator("td").all():  # F9: nothing left to fill in by hand
        assert cell.inner_text().strip() not in ("", "None"), cell.inner_text()
    # on paper (print media, JS off): only the two copies, each on its own A4 page
    doctor.emulate_media(media="print")
    expect(doctor.get_by_role("heading", name="Print the Approval Form")).to_be_hidden()
    expect(doctor.locator("header.top")).to_be_hidden()
    expect(doctor.get_by_role("heading", name=FORM_TITLE)).to_have_count(2)
    for heading in doctor.get_by_role("heading", name=FORM_TITLE).all():
        expect(heading).to_be_visible()
    assert _pages_of(doctor.pdf(format="A4")) == 2
    doctor.emulate_media(media="screen")

    # ---- V1: once approved, the electronic certificate ------------------------------------------
    officer = desk("hb-officer")
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )
    doctor.goto("/hubei/me")
    certificate_no = certificate_number(doctor)
    doctor.get_by_role("link", name="My electronic certificate").click()
    expect(doctor.get_by_role("heading", name="Electronic practice certificate")).to_be_visible()
    ids_unique(doctor)
    card = doctor.locator("main")
    expect(card).to_contain_text(certificate_no)
    expect(card).to_contain_text("Registered")
    expect(
        doctor.get_by_role("img", name="QR code: check this certificate on the public register")
    ).to_be_visible()
    with doctor.expect_download() as saved:  # a plain link with `download`: no script involved
        doctor.get_by_role("link", name="Save the QR code as an image (SVG)").click()
    assert saved.value.suggested_filename == f"certificate-{certificate_no}.svg"
    assert "<svg" in Path(saved.value.path()).read_text(encoding="utf-8")
    link = doctor.locator("#signed-qr figcaption").get_by_role("link").get_attribute("href")
    assert link.endswith(f"/hubei/verify?no={certificate_no}")
    public = new_context(javascript=False, phone=True).new_page()  # anyone, JS off
    public.goto(link)
    expect(public.get_by_role("heading", name=PRINTING["real_name"])).to_be_visible()
    expect(public.locator("main")).to_contain_text("内科专业")
    assert (
        PRINTING["id_number"] not in public.content() and PRINTING["phone"] not in public.content()
    )
    # the Approval Form stays printable after the approval
    doctor.goto(f"/hubei/me/applications/{app_id}/print")
    expect(doctor.locator("section.approval-form")).to_have_count(2)


def _filing_id(app, form: dict) -> int:
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.workflow.models import SiteFiling

    with in_tenant(app, "hubei"):
        doctor = db.session.execute(
            db.select(User.id).filter_by(username=form["username"])
        ).scalar_one()
        return db.session.execute(
            db.select(SiteFiling.id)
            .filter_by(doctor_id=doctor)
            .order_by(SiteFiling.id.desc())
            .limit(1)
        ).scalar_one()


def test_multi_site_filing_without_javascript(new_context, live_server, desk):
    registered(live_server, desk, FILING, "H2025420078006")
    doctor = doctor_logs_in(new_context, FILING)
    doctor.get_by_role("link", name="Other practice sites").click()
    expect(doctor.get_by_role("heading", name="Other practice sites")).to_be_visible()
    expect(doctor.get_by_text("No other practice site is filed.")).to_be_visible()
    search = doctor.get_by_label("Name of the institution")

    search.fill("没有这家医院")
    doctor.get_by_role("button", name="Search").click()  # a plain GET form
    expect(
        doctor.get_by_text("No institution of this province matches “没有这家医院”.")
    ).to_be_visible()
    doctor.get_by_label("Name of the institution").fill("远安县人民医院")
    doctor.get_by_role("button", name="Search").click()
    result = doctor.get_by_role("listitem").filter(has_text=COUNTY_HOSPITAL)
    expect(result).to_contain_text("Your main institution")  # L6: not filed as another site
    expect(result.get_by_role("button")).to_have_count(0)

    doctor.get_by_label("Name of the institution").fill("演示第一")
    doctor.get_by_role("button", name="Search").click()
    ids_unique(doctor)
    doctor.get_by_role("button", name=f"File {TERTIARY}").click()
    doctor.wait_for_url(re.compile(r".*/hubei/me/sites$"))
    expect(doctor.get_by_text(f"{TERTIARY} was asked to confirm your filing.")).to_be_visible()
    filed = doctor.locator("article").filter(has=doctor.get_by_role("heading", name=TERTIARY))
    expect(filed).to_contain_text("Waiting for the institution's confirmation since")
    doctor.get_by_label("Name of the institution").fill("演示第一")
    doctor.get_by_role("button", name="Search").click()
    expect(doctor.get_by_role("listitem").filter(has_text=TERTIARY)).to_contain_text(
        "Already filed"
    )

    # the site's institution confirms it in its queue (I4)
    staff = desk("hb-tertiary-staff")
    staff.page("/hubei/institution/approvals")
    redirected_to(
        staff.post(f"/hubei/institution/filings/{_filing_id(live_server.app, FILING)}/confirm")
    )
    doctor.goto("/hubei/me/sites")
    filed = doctor.locator("article").filter(has=doctor.get_by_role("heading", name=TERTIARY))
    expect(filed).to_contain_text("Confirmed on")

    # the doctor stops practising there: withdrawn, by a plain post
    filed.get_by_role("button", name=f"Withdraw {TERTIARY}").click()
    doctor.wait_for_url(re.compile(r".*/hubei/me/sites$"))
    expect(doctor.get_by_text(f"The filing of {TERTIARY} was withdrawn.")).to_be_visible()
    filed = doctor.locator("article").filter(has=doctor.get_by_role("heading", name=TERTIARY))
    expect(filed).to_contain_text("Withdrawn on")
    expect(filed.get_by_role("button")).to_have_count(0)
