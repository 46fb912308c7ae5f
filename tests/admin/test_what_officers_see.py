"""Issue 14: what officers see. The application page shows the photo and the uploaded
certificate scans (thumbnails linking to the private file) to the officers whose region covers
it, and 404 to the others (A1, T3). The queue lists what the officer decides, and apart what
they only see: a multi-scope approval at a county-level institution is that county's (A5)."""

from __future__ import annotations

import pytest

from tests.support.officers import confirmed_at_wuchang, confirmed_at_yuanan, officer

ADMIN = "/hubei/admin"


def section(page: str, section_id: str) -> str:
    """The part of the queue page in the section ``section_id`` ("" when it is not shown)."""
    start = page.find(f'<section id="{section_id}"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def test_A4_the_officer_sees_the_photo_and_the_scans(demo):
    yuanan = confirmed_at_yuanan(demo)
    photo = f"{ADMIN}/applications/{yuanan.app_id}/documents/photo"
    for username in ("hb-officer", "hb-city-officer", "hb-county-officer"):
        b = officer(demo, username)
        page = b.page(f"{ADMIN}/applications/{yuanan.app_id}").get_data(as_text=True)
        assert f'<a href="{photo}"><img src="{photo}"' in page, username
        r = b.client.get(photo)
        assert r.status_code == 200 and r.mimetype == "image/jpeg", username
        assert r.headers["Cache-Control"] == "private, no-store"


def test_A1_an_officer_of_another_region_gets_404_for_the_files(demo):
    wuchang = confirmed_at_wuchang(demo)  # 武昌区 of 武汉市: neither 远安县 nor 宜昌市
    for username in ("hb-city-officer", "hb-county-officer"):
        b = officer(demo, username)
        for url in (
            f"{ADMIN}/applications/{wuchang.app_id}",
            f"{ADMIN}/applications/{wuchang.app_id}/documents/photo",
            f"{ADMIN}/applications/{wuchang.app_id}/documents/gp",
        ):
            assert b.client.get(url).status_code == 404, (username, url)
    assert (
        officer(demo, "hb-officer")
        .client.get(f"{ADMIN}/applications/{wuchang.app_id}/documents/photo")
        .status_code
        == 200
    )


@pytest.fixture
def two(demo):
    """A multi-scope application at 远安县人民医院 (the county decides, A5) and a one-scope one
    at 武昌区 (any officer covering it decides)."""
    return {
        "multi": confirmed_at_yuanan(demo, scopes=("internal", "surgery", "paediatrics")),
        "wuchang": confirmed_at_wuchang(demo),
    }


def test_A5_the_province_lists_apart_what_the_county_decides(demo, two):
    multi = f'/applications/{two["multi"].app_id}"'
    wuchang = f'/applications/{two["wuchang"].app_id}"'
    page = officer(demo, "hb-officer").page(f"{ADMIN}/").get_data(as_text=True)
    to_decide, seen = section(page, "to-decide"), section(page, "seen-only")
    assert wuchang in to_decide and multi not in to_decide
    assert multi in seen and wuchang not in seen
    assert "read-only" in seen
    # the city's officer likewise: the county of its city decides
    page = officer(demo, "hb-city-officer").page(f"{ADMIN}/").get_data(as_text=True)
    assert multi not in section(page, "to-decide") and multi in section(page, "seen-only")


def test_A5_the_county_officer_lists_it_to_decide(demo, two):
    multi = f'/applications/{two["multi"].app_id}"'
    page = officer(demo, "hb-county-officer").page(f"{ADMIN}/").get_data(as_text=True)
    assert multi in section(page, "to-decide")
    assert section(page, "seen-only") == ""  # nothing it only sees
    assert f'/applications/{two["wuchang"].app_id}"' not in page
