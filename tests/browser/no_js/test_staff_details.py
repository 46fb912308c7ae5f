"""JavaScript off (SPEC P1), issue 14 (I4): the institution's staff open a waiting application's
details from the queue card (the disclosure holds a plain link to the details page), check the
address, work history and photo they vouch for, and confirm it from there."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None
from tests.support.browser import logged_in
from tests.support.journey import doctor_form, resident_id, walk_doctor
from tests.support.no_js import latest_application, qualify

pytestmark = pytest.mark.browser

DOCTOR = doctor_form("詹素云", resident_id("42052519830919123"), "13600136231", "nojs_zhansuyun")
ADDRESS = "湖北省远安县鸣凤镇详情街 31 号"


def test_staff_open_the_details_then_confirm(new_context, live_server, desk):
    qualify(live_server.app, DOCTOR, "110420500000231")
    walk_doctor(
        live_server.app,
        "hubei",
        DOCTOR,
        until="submitted",
        staff=desk("hb-county-staff"),
        institution="远安县人民医院",
        address=ADDRESS,
    )
    app_id = latest_application(live_server.app, DOCTOR)

    staff = new_context(javascript=False).new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/approvals")
    card = staff.locator(f"#app-{app_id}")
    expect(card.get_by_role("heading", name="詹素云")).to_be_visible()
    expect(staff.get_by_text(ADDRESS)).to_have_count(0)  # not on the queue page itself
    card.get_by_text("Details", exact=True).click()  # the disclosure opens
    card.get_by_role("link", name="Address, contract, history, photo and certificates").click()
    staff.wait_for_url(f"**/hubei/institution/approvals/{app_id}/details")
    expect(staff.get_by_role("heading", name="詹素云")).to_be_visible()
    expect(staff.get_by_text(ADDRESS)).to_be_visible()
    expect(staff.get_by_text("2012-2024 演示医院 内科")).to_be_visible()
    photo = staff.get_by_role("link", name="Photo")
    expect(photo).to_be_visible()
    # the thumbnail loaded (an image the browser decoded), served to this staff member
    assert photo.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")

    staff.get_by_role("button", name="Confirm").click()
    staff.wait_for_url("**/hubei/institution/approvals")
    expect(staff.get_by_text("Confirmed. The doctor was notified.")).to_be_visible()
    expect(staff.locator(f"#app-{app_id}")).to_have_count(0)
