"""V2 in a real browser: the certificate page's QR code, as a phone camera sees it (a
screenshot of the element, decoded with zxing-cpp), opens the public check, which verifies the
signed certificate; the presentation code's QR code likewise says it is presented now."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.support.browser import expect
from tests.support.certificates import PASSWORD, register
from tests.support.journey import resident_id

pytestmark = pytest.mark.browser

zxingcpp = pytest.importorskip("zxingcpp")


def _scan(locator) -> str:
    """What a camera reads off the element: its screenshot decoded as a QR code."""
    image = Image.open(io.BytesIO(locator.screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"{len(found)} codes read off the element"
    return found[0].text


def test_the_scanned_qr_code_opens_the_verified_certificate(new_context, live_server):
    register(
        live_server.app,
        "hubei",
        username="qrscanner",
        name="欧阳晓明",  # made up: the demo's people are other browser tests'
        id_number=resident_id("42052519900101771"),
        phone="13800138091",
        number="114205259990001",
    )
    doctor = new_context().new_page()
    doctor.goto("/hubei/login")
    doctor.get_by_label("User name", exact=True).fill("qrscanner")
    doctor.get_by_label("Password", exact=True).fill(PASSWORD)
    doctor.get_by_role("button", name="Log in").click()
    doctor.wait_for_url(re.compile(r"/hubei/me$"))
    doctor.goto("/hubei/me/certificate")
    url = _scan(doctor.locator("#signed-qr svg"))
    assert url.startswith(f"{live_server.url}/hubei/verify?t=")
    live = _scan(doctor.locator("#live-code svg"))
    assert live.startswith(f"{live_server.url}/hubei/verify?p=")

    phone_context = new_context(phone=True)
    phone_context.add_cookies([{"name": "lang", "value": "zh_CN", "url": live_server.url}])
    phone = phone_context.new_page()
    phone.goto(url)
    expect(phone.get_by_role("heading", name="签名有效 — 湖北省卫生健康委员会签发")).to_be_visible()
    expect(phone.get_by_text("114205259990001").first).to_be_visible()
    expect(phone.get_by_text("欧阳晓明").first).to_be_visible()
    phone.goto(live)
    expect(phone.get_by_role("heading", name="当前出示", exact=False)).to_be_visible()


def test_without_javascript_the_presentation_code_is_current_and_says_until_when(
    new_context, live_server
):
    register(
        live_server.app,
        "hubei",
        username="qrnojs",
        name="司马文",
        id_number=resident_id("42052519900101772"),
        phone="13800138093",
        number="114205259990003",
    )
    doctor = new_context(javascript=False).new_page()
    doctor.goto("/hubei/login")
    doctor.get_by_label("User name", exact=True).fill("qrnojs")
    doctor.get_by_label("Password", exact=True).fill(PASSWORD)
    doctor.get_by_role("button", name="Log in").click()
    doctor.wait_for_url(re.compile(r"/hubei/me$"))
    doctor.goto("/hubei/me/certificate")
    expect(doctor.locator("#live-code figcaption")).to_contain_text(
        re.compile(r"Current until \d\d:\d\d:\d\d\. Without JavaScript, reload the page")
    )
    live = _scan(doctor.locator("#live-code svg"))
    phone_context = new_context(phone=True)
    phone_context.add_cookies([{"name": "lang", "value": "zh_CN", "url": live_server.url}])
    phone = phone_context.new_page()
    phone.goto(live)
    expect(phone.get_by_role("heading", name="当前出示", exact=False)).to_be_visible()
    expect(phone.get_by_text("114205259990003").first).to_be_visible()
