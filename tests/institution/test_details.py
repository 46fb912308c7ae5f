"""Issue 14 (I4, T3): the staff who confirm an application see what they vouch for: its address,
contract, work history, qualification, photo and certificate scans, in the queue card (htmx) or
on a page of its own (JS off). Only their own institution's: another institution's staff get a
404, exactly like a missing id, for the details and for every file."""

from __future__ import annotations

import pytest

from tests.support.http import english, staff_login
from tests.support.institution import QUEUE
from tests.support.journey import doctor_form, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
ADDRESS = "湖北省远安县鸣凤镇详情街 8 号"


@pytest.fixture
def submitted(demo, county):
    return walk_doctor(
        demo, "hubei", LI, until="submitted", staff=county, institution="远安", address=ADDRESS
    )


def test_I4_the_queue_card_offers_the_details(demo, county, submitted):
    page = county.page(QUEUE).get_data(as_text=True)
    details = f"{QUEUE}/{submitted.app_id}/details"
    card = page[page.index(f'id="app-{submitted.app_id}"') :]
    card = card[: card.index("</article>")]
    # a disclosure htmx fills in the card, with a plain link to the page inside it (JS off)
    assert f'hx-get="{details}"' in card and f'<a href="{details}"' in card
    assert ADDRESS not in page  # not sent until asked for


def test_I4_staff_see_what_they_vouch_for(demo, county, submitted):
    r = county.page(f"{QUEUE}/{submitted.app_id}/details")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    page = r.get_data(as_text=True)
    for shown in (ADDRESS, "2012-2024 演示医院 内科", "Photo", "Confirm", "Reason for rejecting"):
        assert shown in page, shown
    assert "420525198803121236" not in page and "420***********1236" in page  # masked (SEC5)
    photo = f"{QUEUE}/{submitted.app_id}/documents/photo"
    assert f'<img src="{photo}"' in page
    r = county.client.get(photo)
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["Cache-Control"] == "private, no-store"


def test_I4_htmx_loads_only_the_details_into_the_card(demo, submitted):
    htmx = english(staff_login(demo, "hb-county-staff", htmx=True))
    body = htmx.get(f"{QUEUE}/{submitted.app_id}/details").get_data(as_text=True)
    assert ADDRESS in body and "<html" not in body and "<nav" not in body
    assert "Reason for rejecting" not in body  # the card has the decision already


def test_T3_another_institutions_staff_get_404(demo, county, tertiary, submitted):
    for url in (
        f"{QUEUE}/{submitted.app_id}/details",
        f"{QUEUE}/{submitted.app_id}/documents/photo",
        f"{QUEUE}/{submitted.app_id}/documents/gp",
    ):
        r = tertiary.client.get(url)
        assert r.status_code == 404, url
        assert ADDRESS.encode() not in r.data
    # their own staff: an unknown id or file is a 404 too
    assert county.client.get(f"{QUEUE}/{submitted.app_id + 999}/details").status_code == 404
    assert county.client.get(f"{QUEUE}/{submitted.app_id}/documents/bogus").status_code == 404
