"""Officer levels (A1): an officer of the province sees every application, an officer of a city
those of the city's counties, an officer of a county those of the county; anything else answers
404 like a missing id. A5 (R1, F12): several scopes at a county-level institution are approved
by the county's officer and filed with the city."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import redirected_to
from tests.support.journey import ALL_MATERIALS, messages_to
from tests.support.officers import (
    add_yiling,
    confirmed_at_wuchang,
    confirmed_at_yiling,
    confirmed_at_yuanan,
    officer,
    state_of,
)


@pytest.fixture
def three_counties(demo):
    """Confirmed applications at 远安县 and 夷陵区 (both of 宜昌市) and 武昌区 (武汉市)."""
    add_yiling(demo)
    return {
        "yuanan": confirmed_at_yuanan(demo),
        "yiling": confirmed_at_yiling(demo),
        "wuchang": confirmed_at_wuchang(demo),
    }


def queue(b) -> str:
    return b.page("/hubei/admin/").get_data(as_text=True)


def listed(b, url: str) -> str:
    """The rows of a list page (not the flashed message above them)."""
    page = b.page(url).get_data(as_text=True)
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_A1_each_level_sees_what_it_covers(demo, three_counties):
    names = {"yuanan": "李明华", "yiling": "周一鸣", "wuchang": "阿依古丽"}
    sees = {
        "hb-officer": {"yuanan", "yiling", "wuchang"},  # the province: all
        "hb-city-officer": {"yuanan", "yiling"},  # 宜昌市: both of its counties
        "hb-county-officer": {"yuanan"},  # 远安县 only
    }
    for username, covered in sees.items():
        b = officer(demo, username)
        page = queue(b)
        for where, walked in three_counties.items():
            assert (names[where] in page) == (where in covered), (username, where)
            r = b.page(f"/hubei/admin/applications/{walked.app_id}")
            assert r.status_code == (200 if where in covered else 404), (username, where)


def test_A1_a_county_officer_cannot_decide_another_countys_application(demo, three_counties):
    county = officer(demo, "hb-county-officer")
    county.page("/hubei/admin/")
    for where in ("yiling", "wuchang"):
        app_id = three_counties[where].app_id
        with unchanged(demo):
            assert (
                county.post(
                    f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS}
                ).status_code
                == 404
            )
            assert (
                county.post(
                    f"/hubei/admin/applications/{app_id}/return", {"reason": "补充材料"}
                ).status_code
                == 404
            )
            assert (
                county.post(
                    f"/hubei/admin/applications/{app_id}/refuse",
                    {"ground": "civil_capacity", "explanation": ""},
                ).status_code
                == 404
            )
    # its own county's application it decides
    yuanan = three_counties["yuanan"].app_id
    county.page(f"/hubei/admin/applications/{yuanan}")
    redirected_to(
        county.post(f"/hubei/admin/applications/{yuanan}/approve", {"materials": ALL_MATERIALS})
    )
    assert state_of(demo, yuanan) == "approved"


def test_A1_a_city_officer_decides_the_applications_of_its_counties(demo, three_counties):
    city = officer(demo, "hb-city-officer")
    yiling = three_counties["yiling"].app_id
    city.page(f"/hubei/admin/applications/{yiling}")
    redirected_to(
        city.post(f"/hubei/admin/applications/{yiling}/approve", {"materials": ALL_MATERIALS})
    )
    assert state_of(demo, yiling) == "approved"
    wuchang = three_counties["wuchang"].app_id
    with unchanged(demo):
        assert (
            city.post(
                f"/hubei/admin/applications/{wuchang}/approve", {"materials": ALL_MATERIALS}
            ).status_code
            == 404
        )


# ---- A5: several scopes at county level -----------------------------------------------------------


@pytest.fixture
def multi(demo):
    return confirmed_at_yuanan(demo, scopes=("internal", "surgery", "paediatrics"))


def test_A5_only_the_county_officer_approves_several_scopes(demo, multi):
    for username in ("hb-officer", "hb-city-officer"):
        b = officer(demo, username)
        page = b.page(f"/hubei/admin/applications/{multi.app_id}").get_data(as_text=True)
        assert "read-only" in page and "Approve and issue the certificate" not in page
        with unchanged(demo):
            for action, data in (
                ("approve", {"materials": ALL_MATERIALS}),
                ("return", {"reason": "x"}),
                ("refuse", {"ground": "civil_capacity"}),
            ):
                assert (
                    b.post(f"/hubei/admin/applications/{multi.app_id}/{action}", data).status_code
                    == 403
                ), (username, action)
    county = officer(demo, "hb-county-officer")
    page = county.page(f"/hubei/admin/applications/{multi.app_id}").get_data(as_text=True)
    assert "Approve and issue the certificate" in page and "远安县" in page
    redirected_to(
        county.post(
            f"/hubei/admin/applications/{multi.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    assert state_of(demo, multi.app_id) == "approved"
    # the city's officers are told a filing waits
    assert any("李明华" in m for m in messages_to(demo, "hb-city-officer@example.invalid"))


def test_A5_the_county_approval_is_filed_with_the_city(demo, multi):
    county = officer(demo, "hb-county-officer")
    county.page(f"/hubei/admin/applications/{multi.app_id}")
    redirected_to(
        county.post(
            f"/hubei/admin/applications/{multi.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )

    city = officer(demo, "hb-city-officer")
    assert "1 county approval to file" in queue(city)
    filings = city.page("/hubei/admin/filings").get_data(as_text=True)
    assert "李明华" in filings and "Record the filing" in filings
    # the county and the province see the list read-only; the county cannot file
    assert "李明华" in county.page("/hubei/admin/filings").get_data(as_text=True)
    province = officer(demo, "hb-officer")
    assert "Record the filing" not in province.page("/hubei/admin/filings").get_data(as_text=True)
    with unchanged(demo):
        for b in (county, province):
            assert b.post(f"/hubei/admin/filings/{multi.app_id}/record").status_code == 403

    city.page("/hubei/admin/filings")
    redirected_to(city.post(f"/hubei/admin/filings/{multi.app_id}/record"))
    with in_tenant(demo, "hubei"):
        app = db.session.get(Application, multi.app_id)
        assert app.city_filed_at is not None and app.city_filed_by.username == "hb-city-officer"
        assert db.session.execute(
            db.select(AuditLog).filter_by(entity_id=app.id, action="city_filing")
        ).scalar_one()
    assert "李明华" not in listed(city, "/hubei/admin/filings")
    assert "李明华" in listed(city, "/hubei/admin/filings?show=filed")
    with unchanged(demo):  # once only
        assert city.post(f"/hubei/admin/filings/{multi.app_id}/record").status_code == 409


def test_A5_another_citys_officer_does_not_see_the_filing(demo, multi):
    """A 武汉市 officer (created here) sees neither the application nor its filing."""
    from devdata.demo import DEMO_PASSWORD, demo_totp_secret
    from portal.accounts.models import Role, User
    from portal.accounts.passwords import hash_password
    from portal.tenants.models import Region

    with in_tenant(demo, "hubei"):
        wuhan = db.session.execute(db.select(Region).filter_by(code="420100")).scalar_one()
        db.session.add(
            User(
                username="hb-wuhan-officer",
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role.OFFICER,
                real_name="测试账号",
                region_id=wuhan.id,
                totp_secret=demo_totp_secret("hb-wuhan-officer"),
            )
        )
        db.session.commit()
    county = officer(demo, "hb-county-officer")
    county.page(f"/hubei/admin/applications/{multi.app_id}")
    redirected_to(
        county.post(
            f"/hubei/admin/applications/{multi.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    wuhan_officer = officer(demo, "hb-wuhan-officer")
    assert "李明华" not in wuhan_officer.page("/hubei/admin/filings").get_data(as_text=True)
    assert wuhan_officer.page(f"/hubei/admin/applications/{multi.app_id}").status_code == 404
    wuhan_officer.page("/hubei/admin/filings")
    with unchanged(demo):
        assert wuhan_officer.post(f"/hubei/admin/filings/{multi.app_id}/record").status_code == 404


def test_A5_a_single_scope_application_is_no_filing(demo):
    walked = confirmed_at_yuanan(demo)
    province = officer(demo, "hb-officer")
    province.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        province.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    city = officer(demo, "hb-city-officer")
    assert "李明华" not in city.page("/hubei/admin/filings").get_data(as_text=True)
    city.page("/hubei/admin/filings")
    with unchanged(demo):
        assert city.post(f"/hubei/admin/filings/{walked.app_id}/record").status_code == 403
