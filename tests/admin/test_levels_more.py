"""Officer levels (A1) beyond the queue: the institution pages, the reports, the audit log and
locked code entry follow the level of the officer. A county officer sees and creates only the
institutions of their county, a city officer those of the city's counties (and those filed under
the city), the province all; reports count only what the viewer covers and say which region;
the audit log and locked code entry are the province's (403 for a city or county officer, and
no link to them)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from devdata.demo import DEMO_PASSWORD
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import utcnow
from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.tenants.models import Region
from tests.support.db import in_tenant, unchanged
from tests.support.officers import (
    add_yiling,
    confirmed_at_wuchang,
    confirmed_at_yiling,
    confirmed_at_yuanan,
    officer,
)
from tests.support.provisioning import county_id, provision, provision_form

YUANAN, YILING, WUCHANG = "远安县人民医院（演示）", "夷陵区人民医院（测试）", "湖北省演示第一医院"
CITY_FILED = "宜昌市直属演示医院（测试）"


def institution_id(app, name: str) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(db.select(Institution.id).filter_by(name=name)).scalar_one()


def rows(page: str) -> str:
    """The rows of a list page (not what is around them)."""
    return page[page.index("<tbody>") : page.index("</tbody>")]


@pytest.fixture
def regions(demo):
    """Institutions in 远安县 and 夷陵区 (宜昌市), 武昌区 (武汉市), and one filed under 宜昌市 itself."""
    add_yiling(demo)
    with in_tenant(demo, "hubei"):
        city = db.session.execute(db.select(Region).filter_by(code="420500")).scalar_one()
        db.session.add(
            Institution(
                name=CITY_FILED,
                licence_no="PDY42050000001",
                level=InstitutionLevel.SECONDARY,
                county_id=city.id,
            )
        )
        db.session.commit()
    return {name: institution_id(demo, name) for name in (YUANAN, YILING, WUCHANG, CITY_FILED)}


# ---- institutions ----------------------------------------------------------------------------

SEES = {
    "hb-county-officer": {YUANAN},  # 远安县
    "hb-city-officer": {YUANAN, YILING, CITY_FILED},  # 宜昌市: its counties and itself
    "hb-officer": {YUANAN, YILING, WUCHANG, CITY_FILED},  # the province
    "hb-admin": {YUANAN, YILING, WUCHANG, CITY_FILED},
}


@pytest.mark.parametrize("username", SEES)
def test_A1_each_level_lists_and_opens_only_the_institutions_it_covers(
    demo, regions, username, browser_mode
):
    b = officer(demo, username, htmx=browser_mode == "htmx")
    listed = rows(b.get("/hubei/admin/institutions").get_data(as_text=True))
    for name, inst_id in regions.items():
        covered = name in SEES[username]
        assert (name in listed) == covered, (username, name)
        assert b.page(f"/hubei/admin/institutions/{inst_id}").status_code == (
            200 if covered else 404
        ), (username, name)
    # a search does not widen it
    assert (WUCHANG in rows(b.get("/hubei/admin/institutions?q=演示").get_data(as_text=True))) == (
        WUCHANG in SEES[username]
    )


def test_A1_a_county_officer_cannot_reset_another_countys_institution(demo, regions):
    b = officer(demo, "hb-county-officer")
    b.page("/hubei/admin/institutions")
    for name in (YILING, WUCHANG, CITY_FILED):
        with unchanged(demo):
            assert b.post(f"/hubei/admin/institutions/{regions[name]}/reset").status_code == 404, (
                name
            )


def offered_counties(b) -> set[str]:
    page = b.page("/hubei/admin/institutions/new").get_data(as_text=True)
    select = page[page.index('name="county_id"') :]
    select = select[: select.index("</select>")]
    return set(re.findall(r'<option[^>]*value="(\d+)"', select))


def test_A1_the_create_form_offers_only_the_covered_counties(demo, regions):
    ids = {code: str(county_id(demo, code)) for code in ("420525", "420506", "420106")}
    assert offered_counties(officer(demo, "hb-county-officer")) == {ids["420525"]}
    city = offered_counties(officer(demo, "hb-city-officer"))
    assert {ids["420525"], ids["420506"]} <= city and ids["420106"] not in city
    assert set(ids.values()) <= offered_counties(officer(demo, "hb-officer"))


@pytest.mark.parametrize(
    "username,code",
    [
        ("hb-county-officer", "420506"),
        ("hb-county-officer", "420106"),
        ("hb-city-officer", "420106"),
    ],
)
def test_A1_an_officer_cannot_create_an_institution_in_another_county(
    demo, regions, username, code, browser_mode
):
    b = officer(demo, username, htmx=browser_mode == "htmx")
    b.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = b.post(
            "/hubei/admin/institutions/new",
            provision_form(demo, county_id=str(county_id(demo, code))),
        )
    assert r.status_code == 422
    assert "Choose one of the places listed: your region covers only these." in r.get_data(
        as_text=True
    )


def test_A1_a_county_officer_creates_an_institution_in_their_county(demo):
    b = officer(demo, "hb-county-officer")
    form = provision(demo, b)
    with in_tenant(demo, "hubei"):
        inst = db.session.execute(
            db.select(Institution).filter_by(licence_no=form["licence_no"])
        ).scalar_one()
        assert inst.county.code == "420525"
    assert "远安县演示镇卫生院" in rows(b.page("/hubei/admin/institutions").get_data(as_text=True))
    # the province sees it too
    with in_tenant(demo, "hubei"):
        inst_id = inst.id
    assert (
        officer(demo, "hb-officer").page(f"/hubei/admin/institutions/{inst_id}").status_code == 200
    )


# ---- reports ---------------------------------------------------------------------------------


@pytest.fixture
def applications(demo):
    """Confirmed applications at 远安县 and 夷陵区 (宜昌市) and 武昌区 (武汉市)."""
    add_yiling(demo)
    confirmed_at_yuanan(demo)
    confirmed_at_yiling(demo)
    confirmed_at_wuchang(demo)


def table(page: str, key: str) -> list[list[str]]:
    section = page.split(f'id="t-{key}"')[1].split("</table>")[0]
    return [
        re.findall(r"<td[^>]*>([^<]*)</td>", tr)
        for tr in section.split("<tbody>")[1].split("</tr>")
        if "<td" in tr
    ]


COUNTS = {  # who: (region named on the page, counties counted)
    "hb-county-officer": ("远安县", ["远安县"]),
    "hb-city-officer": ("宜昌市", ["夷陵区", "远安县"]),
    "hb-officer": ("湖北省", ["武昌区", "夷陵区", "远安县"]),
    "hb-admin": ("湖北省", ["武昌区", "夷陵区", "远安县"]),
}


@pytest.mark.parametrize("username", COUNTS)
def test_A1_reports_count_only_the_applications_the_viewer_covers(
    demo, applications, username, browser_mode
):
    region, counties = COUNTS[username]
    b = officer(demo, username, htmx=browser_mode == "htmx")
    r = b.get("/hubei/admin/reports")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f"Applications to institutions in {region} submitted from" in page
    assert [row[1] for row in table(page, "county")] == counties  # in code order
    assert table(page, "status") == [["Waiting for the commission", str(len(counties))]]
    assert sum(int(row[2]) for row in table(page, "institution")) == len(counties)
    assert table(page, "times")[0][1] == str(len(counties))  # submitted → confirmed


def test_A1_the_csv_counts_the_same_and_is_named_after_the_region(demo, applications):
    b = officer(demo, "hb-city-officer")
    r = b.client.get("/hubei/admin/reports.csv?table=county")
    assert r.status_code == 200
    lines = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == ["夷陵区", "远安县"]
    disposition = r.headers["Content-Disposition"]
    assert 'filename="county-420500-' in disposition and quote("宜昌市") in disposition
    province = officer(demo, "hb-officer").client.get("/hubei/admin/reports.csv?table=county")
    assert [
        line[1]
        for line in list(csv.reader(io.StringIO(province.get_data().decode("utf-8-sig"))))[1:]
    ] == ["武昌区", "夷陵区", "远安县"]
    assert 'filename="county-hubei-' in province.headers["Content-Disposition"]
    assert quote("湖北省") in province.headers["Content-Disposition"]


# ---- the province's pages: audit log, locked code entry ------------------------------------


def locked_doctor(app) -> int:
    """A doctor whose code entry is locked (SEC2), as ten wrong codes would have left it."""
    with in_tenant(app, "hubei"):
        doctor = User(
            username="locked-doctor",
            password_hash=hash_password(DEMO_PASSWORD),
            role=Role.DOCTOR,
            real_name="钱锁定",
            code_locked_until=utcnow() + timedelta(hours=1),
        )
        db.session.add(doctor)
        db.session.commit()
        return doctor.id


@pytest.mark.parametrize("username", ["hb-county-officer", "hb-city-officer"])
def test_A1_the_audit_log_and_locked_accounts_are_the_provinces(demo, username, browser_mode):
    b = officer(demo, username, htmx=browser_mode == "htmx")
    for url in (
        "/hubei/admin/audit",
        "/hubei/admin/audit?entity=application",
        "/hubei/admin/accounts/locked",
    ):
        r = b.get(url)
        assert r.status_code == 403, url
        assert (
            "This page is for the province&#39;s officers and administrators only."
            in r.get_data(as_text=True)
        )
    doctor_id = locked_doctor(demo)
    b.page("/hubei/admin/")
    with unchanged(demo):
        assert b.post(f"/hubei/admin/accounts/{doctor_id}/unlock").status_code == 403
    # the pages they can use do not link to them
    for url in ("/hubei/admin/", "/hubei/admin/reports"):
        page = b.page(url).get_data(as_text=True)
        assert "/hubei/admin/audit" not in page and "/hubei/admin/accounts/locked" not in page, url
        assert "/hubei/admin/reports" in page


@pytest.mark.parametrize("username", ["hb-officer", "hb-admin"])
def test_A1_province_level_users_search_the_audit_log(demo, username):
    locked_doctor(demo)
    b = officer(demo, username)
    assert "hb-county-staff" in b.page("/hubei/admin/audit?actor=hb-county-staff").get_data(
        as_text=True
    )
    assert "钱锁定" in b.page("/hubei/admin/accounts/locked").get_data(as_text=True)
    page = b.page("/hubei/admin/reports").get_data(as_text=True)
    assert "/hubei/admin/audit" in page
    assert "/hubei/admin/accounts/locked" in b.page("/hubei/admin/").get_data(as_text=True)


def test_A1_imports_and_rules_stay_the_administrators(demo):
    for username in ("hb-county-officer", "hb-city-officer", "hb-officer"):
        b = officer(demo, username)
        for url in ("/hubei/admin/imports", "/hubei/admin/rules"):
            assert b.page(url).status_code == 404, (username, url)
        page = b.page("/hubei/admin/").get_data(as_text=True)
        assert "/hubei/admin/imports" not in page and "/hubei/admin/rules" not in page
    admin = officer(demo, "hb-admin")
    page = admin.page("/hubei/admin/").get_data(as_text=True)
    assert "/hubei/admin/imports" in page and "/hubei/admin/rules" in page
