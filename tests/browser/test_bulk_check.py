"""V4 in a real Chromium: institution staff upload a CSV of certificate numbers and read each
one's state, in-page with JS (htmx posts the file from the "Check" button), as a whole page
without JS, and as a CSV download."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails under REQUIRE_BROWSER=1)
    expect = None

from tests.support.browser import log_in_with_totp, stays_on_page
from tests.support.registrations import add_doctor

pytestmark = pytest.mark.browser

PATH = "/hubei/institution/bulk-check"
NUMBER = "114205250000951"
FILE = {
    "name": "numbers.csv",
    "mimeType": "text/csv",
    "buffer": f"证书编码,姓名\n{NUMBER},邱明\n114205259999951,无名\n".encode("gbk"),
}


@pytest.fixture(scope="module")
def registered(live_server):
    add_doctor(
        live_server.app,
        "hubei",
        real_name="邱明",
        id_number="420525198601011236",
        phone="13600136951",
        username="js_qiuming",
        institution="湖北省演示第一医院",
        certificate_no=NUMBER,
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_states_in_the_page(new_context, live_server, registered, javascript):
    page = new_context(javascript=javascript).new_page()
    log_in_with_totp(page, live_server, "hb-tertiary-staff", PATH)
    page.get_by_label("CSV file of certificate numbers (UTF-8 or GBK)").set_input_files(FILE)
    still_here = stays_on_page(page) if javascript else None
    page.get_by_role("button", name="Check", exact=True).click()
    result = page.locator("#bulk-result")
    expect(result.get_by_role("cell", name=NUMBER)).to_be_visible()
    expect(result.get_by_role("cell", name="In force")).to_be_visible()
    expect(result.get_by_role("cell", name="Not in this province's register")).to_be_visible()
    if javascript:
        assert still_here()  # the answer came in-page


def test_the_csv_download(new_context, live_server, registered):
    page = new_context().new_page()
    log_in_with_totp(page, live_server, "hb-tertiary-staff", PATH)
    page.get_by_label("CSV file of certificate numbers (UTF-8 or GBK)").set_input_files(FILE)
    with page.expect_download() as download:
        page.get_by_role("button", name="Check and download as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert f"2,{NUMBER},In force," in text
    assert "3,114205259999951,Not in this province's register," in text
