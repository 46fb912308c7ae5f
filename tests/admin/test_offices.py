"""The offices where doctors bring their paper materials (D16, S4, A8; issue 12): the
province's administrator edits each city's and county's office in-page; bad input is answered
4xx with a message and changes nothing; every change is audited; nobody else edits them."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.tenants.models import Region
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import english, redirected_to, staff_login
from tests.support.offices import OFFICE, region_id, set_office


def test_D16_the_administrator_edits_a_countys_office_and_it_is_audited(demo, browser_mode):
    admin = english(staff_login(demo, "hb-admin", htmx=browser_mode == "htmx"))
    assert "Not filled in" in admin.page("/hubei/admin/offices").get_data(as_text=True)
    r = set_office(demo, admin, "420525", **OFFICE)
    assert redirected_to(r)  # 303, or with htmx the next page and its address (issue 16)
    page = admin.page("/hubei/admin/offices").get_data(as_text=True)
    assert OFFICE["name"] in page and OFFICE["address"] in page and OFFICE["hours"] in page
    rid = region_id(demo, "420525")
    with in_tenant(demo, "hubei"):
        region = db.session.get(Region, rid)
        assert (
            region.office_name,
            region.office_address,
            region.office_phone,
            region.office_hours,
        ) == (
            OFFICE["name"],
            OFFICE["address"],
            OFFICE["phone"],
            OFFICE["hours"],
        )
        [row] = db.session.execute(
            db.select(AuditLog).filter_by(entity="region", entity_id=rid)
        ).scalars()
        assert row.action == "set_office" and row.before["office_name"] == ""
        assert row.after["office_address"] == OFFICE["address"]
    log = admin.page(f"/hubei/admin/audit?entity=region&entity_id={rid}").get_data(as_text=True)
    assert "set_office" in log and OFFICE["address"] in log
    # the form shows what is saved; saving it again changes nothing and writes no audit row
    assert OFFICE["address"] in admin.page(f"/hubei/admin/offices/{rid}").get_data(as_text=True)
    with unchanged(demo):
        assert redirected_to(set_office(demo, admin, "420525", **OFFICE))
    # emptied, the county sends its doctors one level up again
    set_office(demo, admin, "420525", name="", address="", phone="", hours="")
    assert "Not filled in" in admin.page("/hubei/admin/offices").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"address": ""}, "Give the office's address"),
        ({"name": ""}, "Give the office's name"),
        ({"phone": "call us"}, "Enter a phone number"),
        ({"name": "办" * 101}, "At most 100 characters."),
        ({"address": "路" * 201}, "At most 200 characters."),
        ({"hours": "时" * 101}, "At most 100 characters."),
    ],
)
def test_SEC6_bad_office_input_is_answered_422_with_a_message(demo, browser_mode, change, message):
    admin = english(staff_login(demo, "hb-admin", htmx=browser_mode == "htmx"))
    with unchanged(demo):
        r = set_office(demo, admin, "420500", **{**OFFICE, **change})
        assert r.status_code == 422
        body = r.get_data(as_text=True)
        assert message in body
        assert ("<html" in body) == (browser_mode == "plain")


def test_SEC6_a_forged_office_post_is_answered_400(demo):
    admin = english(staff_login(demo, "hb-admin"))
    admin.page("/hubei/admin/offices")
    with unchanged(demo):
        r = admin.client.post(f"/hubei/admin/offices/{region_id(demo, '420500')}", data=OFFICE)
        assert r.status_code == 400


@pytest.mark.parametrize("username", ["hb-officer", "hb-city-officer", "hb-county-officer"])
def test_A6_only_the_administrator_edits_the_offices(demo, username):
    officer = staff_login(demo, username)
    rid = region_id(demo, "420525")
    assert officer.page("/hubei/admin/offices").status_code == 404
    assert officer.page(f"/hubei/admin/offices/{rid}").status_code == 404
    officer.page("/hubei/admin/")
    with unchanged(demo):
        assert officer.post(f"/hubei/admin/offices/{rid}", OFFICE).status_code == 404


def test_T3_another_tenants_region_is_not_found(demo):
    rid = region_id(demo, "420525")
    gd = staff_login(demo, "gd-admin")
    assert gd.page(f"/guangdong/admin/offices/{rid}").status_code == 404
    gd.page("/guangdong/admin/offices")
    with unchanged(demo):
        assert gd.post(f"/guangdong/admin/offices/{rid}", OFFICE).status_code == 404
    assert "远安县" not in gd.page("/guangdong/admin/offices").get_data(as_text=True)
