"""Institutions filed under a city itself (A1, I1): a city hospital (市人民医院) belongs to no
county. The city's officers and the province create one; a county officer cannot. Downstream it
is what it is: above county level for R1 (one scope, no county approval, no city filing), in the
queue of the city and the province only, under the city's code in its certificate numbers (L10),
on its own row under the city in the reports by county (A7), and its staff's roster (I5) works."""

from __future__ import annotations

import csv
import io
import re

import pytest

from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.tenants.models import Region
from portal.workflow.models import Application
from tests.support.db import in_tenant, unchanged
from tests.support.http import english, redirected_to
from tests.support.journey import (
    ALL_MATERIALS,
    activate_by_code,
    fill_wizard,
    institution_id,
    name_institution,
    sign_up,
    verify_phone,
)
from tests.support.officers import LI, officer
from tests.support.provisioning import county_id, credentials, first_log_in, provision_form

CITY_HOSPITAL = "宜昌市第一人民医院（测试）"


def offered(b) -> dict[str, str]:
    """The places the create form offers: id -> label."""
    page = b.page("/hubei/admin/institutions/new").get_data(as_text=True)
    select = page[page.index('name="county_id"') :]
    select = select[: select.index("</select>")]
    return dict(re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', select))


def test_A1_the_form_offers_the_city_itself_to_the_city_and_the_province(demo):
    ids = {
        code: str(county_id(demo, code))
        for code in ("420500", "420525", "420100", "420106", "420111")
    }
    assert set(offered(officer(demo, "hb-county-officer"))) == {ids["420525"]}
    city = offered(officer(demo, "hb-city-officer"))
    assert set(city) == {ids["420500"], ids["420525"]}
    assert city[ids["420500"]] == "宜昌市: the city itself (under no county)"
    assert set(offered(officer(demo, "hb-officer"))) == set(ids.values())


@pytest.mark.parametrize(
    ("username", "code"), [("hb-county-officer", "420500"), ("hb-city-officer", "420100")]
)
def test_A1_no_officer_files_an_institution_under_a_city_they_do_not_cover(
    demo, username, code, browser_mode
):
    b = officer(demo, username, htmx=browser_mode == "htmx")
    b.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = b.post(
            "/hubei/admin/institutions/new",
            provision_form(demo, level="secondary", county_id=county_id(demo, code)),
        )
    assert r.status_code == 422
    assert "Choose one of the places listed: your region covers only these." in r.get_data(
        as_text=True
    )


def test_R1_an_institution_under_the_city_itself_is_not_county_level(demo, browser_mode):
    b = officer(demo, "hb-city-officer", htmx=browser_mode == "htmx")
    b.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = b.post(
            "/hubei/admin/institutions/new",
            provision_form(demo, level="county", county_id=county_id(demo, "420500")),
        )
    assert r.status_code == 422
    assert "An institution filed under the city itself is above county level" in r.get_data(
        as_text=True
    )
    if browser_mode == "htmx":
        assert "<html" not in r.get_data(as_text=True)


@pytest.fixture
def city_hospital(demo):
    """宜昌市's officer creates a secondary hospital under the city itself; its person in charge
    logs in for the first time (I1)."""
    b = officer(demo, "hb-city-officer")
    form = provision_form(
        demo,
        name=CITY_HOSPITAL,
        licence_no="PDY42050000011",
        level="secondary",
        county_id=county_id(demo, "420500"),
        mobile="13700137011",
    )
    b.page("/hubei/admin/institutions/new")
    where = redirected_to(b.post("/hubei/admin/institutions/new", form))
    inst_id = int(where.rsplit("/", 1)[1])
    staff, _secret = first_log_in(demo, *credentials(demo, form["mobile"]))
    return inst_id, english(staff)


def test_A1_the_city_officer_creates_a_city_hospital_the_county_does_not_see(demo, city_hospital):
    inst_id, _staff = city_hospital
    with in_tenant(demo, "hubei"):
        assert db.session.get(Institution, inst_id).county.code == "420500"
    city = officer(demo, "hb-city-officer")
    assert "宜昌市 (the city itself)" in city.page("/hubei/admin/institutions").get_data(
        as_text=True
    )
    assert "宜昌市 (the city itself)" in city.page(f"/hubei/admin/institutions/{inst_id}").get_data(
        as_text=True
    )
    assert (
        officer(demo, "hb-officer").page(f"/hubei/admin/institutions/{inst_id}").status_code == 200
    )
    county = officer(demo, "hb-county-officer")
    assert CITY_HOSPITAL not in county.page("/hubei/admin/institutions").get_data(as_text=True)
    assert county.page(f"/hubei/admin/institutions/{inst_id}").status_code == 404


def table(page: str, key: str) -> list[list[str]]:
    section = page.split(f'id="t-{key}"')[1].split("</table>")[0]
    return [
        re.findall(r"<td[^>]*>([^<]*)</td>", tr)
        for tr in section.split("<tbody>")[1].split("</tr>")
        if "<td" in tr
    ]


def test_a_city_hospitals_doctor_is_registered_by_the_city(demo, city_hospital):
    """The whole way at a city hospital: one scope only (R1), the city's and the province's
    queue (not the county's), the city's code in the certificate number (L10), the roster (I5),
    the city's own row in the reports (A7)."""
    inst_id, staff = city_hospital
    doctor = sign_up(demo, "hubei", LI)
    verify_phone(demo, doctor, "hubei", LI["phone"])
    name_institution(doctor, "hubei", inst_id)
    with in_tenant(demo, "hubei"):
        from portal.accounts.models import User

        doctor_id = db.session.execute(
            db.select(User.id).filter_by(username=LI["username"])
        ).scalar_one()
    activate_by_code(demo, doctor, staff, "hubei", doctor_id, LI["phone"])

    # R1: three scopes are for county-level institutions; here one
    doctor.client.set_cookie("lang", "en")
    base = "/hubei/me/application"
    doctor.page(base + "/personal")
    doctor.post(base + "/personal", {"home_address": "湖北省宜昌市演示路 1 号"})
    doctor.page(base + "/qualification")
    doctor.post(base + "/qualification", {})
    page = doctor.page(base + "/practice").get_data(as_text=True)
    assert "county health commission" not in page
    r = doctor.post(
        base + "/practice",
        {"scopes": ["internal", "surgery"], "contract_start": "", "contract_end": ""},
    )
    assert r.status_code == 422 and "You may register at most 1 scope(s) here." in r.get_data(
        as_text=True
    )

    fill_wizard(doctor, "hubei", scopes=("internal",), address="湖北省宜昌市演示路 1 号")
    doctor.page(base + "/review")
    redirected_to(doctor.post(base + "/review", {}))
    with in_tenant(demo, "hubei"):
        app_id = db.session.execute(
            db.select(Application.id).filter_by(doctor_id=doctor_id)
        ).scalar_one()
        assert not db.session.get(Application, app_id).needs_county_approval
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))

    county = officer(demo, "hb-county-officer")
    assert "李明华" not in county.page("/hubei/admin/").get_data(as_text=True)
    assert county.page(f"/hubei/admin/applications/{app_id}").status_code == 404
    assert "李明华" in officer(demo, "hb-officer").page("/hubei/admin/").get_data(as_text=True)
    city = officer(demo, "hb-city-officer")
    assert "李明华" in city.page("/hubei/admin/").get_data(as_text=True)
    city.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        city.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )
    with in_tenant(demo, "hubei"):
        app = db.session.get(Application, app_id)
        assert app.state.value == "approved" and app.certificate_no[2:8] == "420500"
        number = app.certificate_no
    assert number in doctor.page("/hubei/me").get_data(as_text=True)
    # nothing to file with the city: it is no county approval
    assert "李明华" not in city.page("/hubei/admin/filings").get_data(as_text=True)

    assert "李明华" in staff.page("/hubei/institution/roster").get_data(as_text=True)

    report = city.page("/hubei/admin/reports").get_data(as_text=True)
    assert table(report, "county") == [["宜昌市", "(the city itself)", "420500", "1", "1"]]
    assert [CITY_HOSPITAL, "宜昌市", "1", "1"] in table(report, "institution")
    lines = list(
        csv.reader(
            io.StringIO(
                city.client.get("/hubei/admin/reports.csv?table=county")
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert lines[1] == ["宜昌市", "(the city itself)", "420500", "1", "1"]
    # the county's report does not count it
    assert table(county.page("/hubei/admin/reports").get_data(as_text=True), "county") == [
        ["No application in this range."]
    ]


def test_R1_a_county_level_institution_already_filed_under_a_city_gets_one_scope(demo):
    """An institution given "at or below county level" under the city itself before the form
    refused it (or by an import): its doctors still choose one scope, and nothing waits for a
    county approval that no county would give."""
    with in_tenant(demo, "hubei"):
        city = db.session.execute(db.select(Region).filter_by(code="420500")).scalar_one()
        db.session.add(
            Institution(
                name="宜昌市直属卫生院（测试）",
                licence_no="PDY42050000012",
                level=InstitutionLevel.COUNTY,
                county_id=city.id,
                auto_activation=True,
            )
        )
        db.session.commit()
    doctor = sign_up(demo, "hubei", LI)
    verify_phone(demo, doctor, "hubei", LI["phone"])
    name_institution(
        doctor, "hubei", institution_id(demo, "hubei", "宜昌市直属卫生院")
    )  # activated at once (D4)
    doctor.client.set_cookie("lang", "en")
    base = "/hubei/me/application"
    doctor.page(base + "/personal")
    doctor.post(base + "/personal", {"home_address": "湖北省宜昌市演示路 1 号"})
    doctor.page(base + "/qualification")
    doctor.post(base + "/qualification", {})
    doctor.page(base + "/practice")
    r = doctor.post(
        base + "/practice",
        {"scopes": ["internal", "surgery"], "contract_start": "", "contract_end": ""},
    )
    assert r.status_code == 422 and "You may register at most 1 scope(s) here." in r.get_data(
        as_text=True
    )
