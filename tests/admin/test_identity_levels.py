"""Identity cases by officer level (A1, A3, D2): a case belongs to the county of the ID number's
area code (its city when the tenant does not list the county; the province alone when neither),
and moves to the institution's county once the doctor names one (D4). A county officer sees
and decides their county's cases, a city officer those of the city and its counties, the
province all of them; any other case answers 404 like a missing one, and nothing changes."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import IdentityCase
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import redirected_to
from tests.support.journey import (
    doctor_form,
    institution_id,
    messages_to,
    name_institution,
    resident_id,
    sign_up,
    verify_phone,
)
from tests.support.officers import officer

#: no record matches any of these sign-ups (D2); the area codes say where each case falls
UNMATCHED = {
    "yuanan": doctor_form(
        "赵远安", resident_id("42052519900101123"), "13800138041", "zhaoyuanan"
    ),  # 远安县
    "yichang": doctor_form(
        "钱宜昌", resident_id("42050619900101234"), "13800138042", "qianyichang"
    ),  # 夷陵区: not
    # in the demo tenant's list, so its city 宜昌市
    "wuchang": doctor_form(
        "孙武昌", resident_id("42010619900101345"), "13800138043", "sunwuchang"
    ),  # 武昌区
    "beijing": doctor_form(
        "李北京", resident_id("11010119900101456"), "13800138044", "libeijing"
    ),  # 北京: province
}

SEES = {
    "hb-officer": {"yuanan", "yichang", "wuchang", "beijing"},  # the province: every case
    "hb-city-officer": {"yuanan", "yichang"},  # 宜昌市: the city itself and 远安县
    "hb-county-officer": {"yuanan"},  # 远安县
}


def case_of(app, username: str) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(IdentityCase.id)
            .join(User, IdentityCase.user_id == User.id)
            .filter_by(username=username)
        ).scalar_one()


class Cases(dict):
    """where -> case id; ``doctors``: where -> the doctor's browser."""

    doctors: dict


@pytest.fixture
def cases(demo):
    found = Cases()
    found.doctors = {where: sign_up(demo, "hubei", form) for where, form in UNMATCHED.items()}
    found.update({where: case_of(demo, form["username"]) for where, form in UNMATCHED.items()})
    return found


def listed(b) -> str:
    page = b.page("/hubei/admin/identity-cases").get_data(as_text=True)
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_A3_the_case_falls_to_the_region_of_the_id_numbers_area_code(demo, cases):
    with in_tenant(demo, "hubei"):
        regions = {
            where: (lambda c: c.region.code if c.region else None)(
                db.session.get(IdentityCase, case_id)
            )
            for where, case_id in cases.items()
        }
    assert regions == {
        "yuanan": "420525",
        "yichang": "420500",
        "wuchang": "420106",
        "beijing": None,
    }


@pytest.mark.parametrize("username", SEES)
def test_A3_each_level_lists_and_opens_only_the_cases_it_covers(demo, cases, username):
    b = officer(demo, username)
    rows = listed(b)
    for where, case_id in cases.items():
        covered = where in SEES[username]
        assert (UNMATCHED[where]["real_name"] in rows) == covered, (username, where)
        r = b.page(f"/hubei/admin/identity-cases/{case_id}")
        assert r.status_code == (200 if covered else 404), (username, where)
    # the queue counts only the cases the officer covers
    queue = b.page("/hubei/admin/").get_data(as_text=True)
    n = len(SEES[username])
    assert f"{n} open identity case" in queue, (username, n)


@pytest.mark.parametrize("username", ["hb-county-officer", "hb-city-officer"])
def test_A3_an_officer_cannot_link_or_close_another_regions_case(demo, cases, username):
    b = officer(demo, username)
    b.page("/hubei/admin/identity-cases")
    for where, case_id in cases.items():
        if where in SEES[username]:
            continue
        with unchanged(demo):
            assert (
                b.post(
                    f"/hubei/admin/identity-cases/{case_id}/link",
                    {"certificate_no": "H2025420000001"},
                ).status_code
                == 404
            ), where
            assert (
                b.post(
                    f"/hubei/admin/identity-cases/{case_id}/close", {"reason": "本人未到场"}
                ).status_code
                == 404
            ), where
        assert not any("本人未到场" in m for m in messages_to(demo, UNMATCHED[where]["phone"]))


def test_A3_the_county_officer_decides_their_countys_case(demo, cases):
    b = officer(demo, "hb-county-officer")
    case_id = cases["yuanan"]
    assert "远安县" in b.page(f"/hubei/admin/identity-cases/{case_id}").get_data(as_text=True)
    redirected_to(
        b.post(f"/hubei/admin/identity-cases/{case_id}/close", {"reason": "身份证与姓名不符"})
    )
    with in_tenant(demo, "hubei"):
        assert db.session.get(IdentityCase, case_id).status.value == "closed"
    assert any("身份证与姓名不符" in m for m in messages_to(demo, UNMATCHED["yuanan"]["phone"]))
    assert UNMATCHED["yuanan"]["real_name"] not in listed(b)


def test_A3_the_doctor_is_told_which_commission_handles_the_case(demo, cases):
    form = doctor_form("周远安", resident_id("42052519910101567"), "13800138045", "zhouyuanan")
    b = sign_up(demo, "hubei", form)
    b.client.set_cookie("lang", "en")
    # not before the phone is proved: the page is the same whatever ID number was typed (SEC)
    assert "Your case is handled by" not in b.page("/hubei/me").get_data(as_text=True)
    verify_phone(demo, b, "hubei", form["phone"])
    page = b.page("/hubei/me").get_data(as_text=True)
    assert "Your case is handled by the health commission of 远安县." in page
    other = doctor_form("吴外省", resident_id("11010119910101678"), "13800138046", "wuwaisheng")
    province_case = sign_up(demo, "hubei", other)
    verify_phone(demo, province_case, "hubei", other["phone"])
    province_case.client.set_cookie("lang", "en")
    assert "Your case is handled by" not in province_case.page("/hubei/me").get_data(as_text=True)


def test_A3_the_case_moves_to_the_county_of_the_institution_the_doctor_names(demo, cases):
    """A doctor born in 武昌区 who works at 远安县人民医院: once they name it, 远安县's officers have
    the case and 武昌区's city no longer sees it (the ID number says where it was issued, the
    institution where the doctor practises and brings the paper materials)."""
    form = UNMATCHED["wuchang"]
    county = officer(demo, "hb-county-officer")
    assert form["real_name"] not in listed(county)
    b = cases.doctors["wuchang"]
    verify_phone(demo, b, "hubei", form["phone"])
    name_institution(b, "hubei", institution_id(demo, "hubei", "远安"))
    assert form["real_name"] in listed(county)
    assert county.page(f"/hubei/admin/identity-cases/{cases['wuchang']}").status_code == 200
    with in_tenant(demo, "hubei"):
        moved = db.session.execute(
            db.select(AuditLog).filter_by(
                entity="identity_case", entity_id=cases["wuchang"], action="move"
            )
        ).scalar_one()
        assert moved.after["region_id"] == db.session.get(IdentityCase, cases["wuchang"]).region_id
    # and the county officer links it after checking the documents
    county.page(f"/hubei/admin/identity-cases/{cases['wuchang']}")
    redirected_to(
        county.post(
            f"/hubei/admin/identity-cases/{cases['wuchang']}/link",
            {"certificate_no": "H2025420000003"},
        )
    )
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(db.select(User).filter_by(username=form["username"]))
            .scalar_one()
            .identity_verified
        )
