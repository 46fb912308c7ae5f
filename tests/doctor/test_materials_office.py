"""D16, S4, A5 (issue 12): the doctor's materials page and the printed form name the office
that will decide the application and receive its paper materials — the county's for an
institution at or below county level (and for A5's several scopes there), the city's above —
one level up while a region's office is not filled in, then the province's contact details."""

from __future__ import annotations

import pytest

from tests.support.http import english, staff_login
from tests.support.officers import confirmed_at_wuchang, confirmed_at_yuanan
from tests.support.offices import OFFICE, set_office

pytestmark = pytest.mark.usefixtures("beijing_noon")

CITY = {
    "name": "宜昌市卫生健康委员会 医师注册窗口",
    "address": "宜昌市西陵区演示大道 10 号",
    "phone": "0717-6220002",
    "hours": "",
}
WUHAN = {**CITY, "name": "武汉市卫生健康委员会 政务窗口", "address": "武汉市江岸区演示路 2 号"}
WUCHANG = {**CITY, "name": "武昌区卫生健康局 窗口", "address": "武昌区演示街 3 号"}
PROVINCE = "湖北省卫生健康委员会 医师注册窗口（演示）"  # the tenant's contact details


def _offices(app, **by_code):
    admin = english(staff_login(app, "hb-admin"))
    for code, fields in by_code.items():
        assert set_office(app, admin, code, **fields).status_code == 303


def _home(walked) -> str:
    return walked.browser.page("/hubei/me").get_data(as_text=True)


def _printed(walked) -> str:
    return walked.browser.page(f"/hubei/me/applications/{walked.app_id}/print").get_data(
        as_text=True
    )


def test_D16_a_county_level_institution_names_its_countys_office(demo):
    _offices(demo, **{"420525": OFFICE, "420500": CITY})
    walked = confirmed_at_yuanan(demo)
    home = _home(walked)
    assert OFFICE["name"] in home and OFFICE["address"] in home and OFFICE["phone"] in home
    assert OFFICE["hours"] in home and CITY["name"] not in home and PROVINCE not in home
    printed = _printed(walked)
    assert (
        OFFICE["name"] in printed and OFFICE["address"] in printed and CITY["name"] not in printed
    )
    # a section of its own under the page's heading (P7): h3 in a step, h2 under the print h1
    assert '<h3 id="office-h">' in home and '<h2 id="office-h">' in printed


def test_D16_an_empty_county_office_sends_the_doctor_to_the_city_then_the_province(demo):
    _offices(demo, **{"420500": CITY})
    walked = confirmed_at_yuanan(demo)
    home = _home(walked)
    assert CITY["name"] in home and CITY["address"] in home and PROVINCE not in home
    assert CITY["name"] in _printed(walked)
    # the city's emptied too: the province's contact details
    _offices(demo, **{"420500": {"name": "", "address": "", "phone": "", "hours": ""}})
    home = _home(walked)
    assert PROVINCE in home and "湖北省武汉市武昌区演示路 1 号" in home and CITY["name"] not in home
    assert PROVINCE in _printed(walked)


def test_D16_an_institution_above_county_level_names_its_citys_office(demo):
    _offices(demo, **{"420106": WUCHANG, "420100": WUHAN})
    walked = confirmed_at_wuchang(demo)
    home = _home(walked)
    assert WUHAN["name"] in home and WUHAN["address"] in home and WUCHANG["name"] not in home
    assert WUHAN["name"] in _printed(walked)


def test_A5_several_scopes_at_county_level_name_the_countys_office(demo):
    _offices(demo, **{"420525": OFFICE, "420500": CITY})
    walked = confirmed_at_yuanan(demo, scopes=("internal", "surgery"))
    home = _home(walked)
    assert OFFICE["name"] in home and CITY["name"] not in home
    assert OFFICE["name"] in _printed(walked)
