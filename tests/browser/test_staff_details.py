"""Issue 14 (I4) in a real Chromium (JS on): the staff open the "Details" disclosure of a queue
card; htmx loads the application's details into the card, in-page (no navigation), with the
photo they vouch for; they then confirm the item from the card."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except (
    ImportError
):  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1) with the reason
    expect = None

from tests.support.browser import YUANAN, logged_in, staff_browser, stays_on_page
from tests.support.journey import doctor_form, resident_id, walk_doctor
from tests.support.no_js import latest_application, qualify

pytestmark = pytest.mark.browser

DOCTOR = doctor_form("詹素华", resident_id("42052519830920123"), "13600136232", "js_zhansuhua")
ADDRESS = "湖北省远安县鸣凤镇详情街 32 号"


def test_the_details_load_into_the_card(new_context, live_server):
    qualify(live_server.app, DOCTOR, "110420500000232")
    walk_doctor(
        live_server.app,
        "hubei",
        DOCTOR,
        until="submitted",
        staff=staff_browser(live_server, "hb-county-staff"),
        institution=YUANAN,
        address=ADDRESS,
    )
    app_id = latest_application(live_server.app, DOCTOR)

    staff = new_context().new_page()
    logged_in(staff, live_server, "hb-county-staff", "/hubei/institution/approvals")
    card = staff.locator(f"#app-{app_id}")
    expect(card).to_be_visible()
    staff.wait_for_load_state("load")
    still_here = stays_on_page(staff)
    card.get_by_text("Details", exact=True).click()
    expect(card.get_by_text(ADDRESS)).to_be_visible()
    photo = card.get_by_role("link", name="Photo")
    expect(photo).to_be_visible()
    # the image arrives after the swap: wait until it has loaded (a broken one never does)
    staff.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.locator("img").element_handle()
    )
    assert still_here()  # loaded in-page, not a new page

    card.get_by_role("button", name="Confirm").click()
    expect(
        staff.locator(f"#app-{app_id}").get_by_text("Confirmed. The doctor was notified.")
    ).to_be_visible()
    assert still_here()
