"""T1, T5: the province administrator edits the commission's contact details (person, phone,
address, office hours) in-page; each change is audited (A8); bad input is answered 422 with
what was typed kept; nobody else reaches the page."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.imports import admin_login

PAGE = "/hubei/admin/province"
GOOD = {
    "contact_name": "湖北省卫健委医政医管处",
    "contact_phone": "027-87000001",
    "contact_address": "武汉市武昌区中山路 1 号",
    "office_hours": "周一至周五 8:30-12:00，14:30-17:30",
}


def audit_rows(app) -> list[AuditLog]:
    with in_tenant(app, "hubei"):
        rows = db.session.execute(
            db.select(AuditLog).filter_by(entity="tenant", action="update_contact")
        ).scalars()
        return [(r.before, r.after) for r in rows]


@pytest.mark.parametrize("htmx", [False, True])
def test_the_administrator_saves_the_contact_details(demo, htmx):
    b = admin_login(demo)
    b.htmx = htmx
    b.page(PAGE)
    assert redirected_to(b.post(PAGE, GOOD)).endswith(PAGE)
    with in_tenant(demo, "hubei") as tenant:
        assert tenant.office_hours == GOOD["office_hours"]
        assert tenant.contact_phone == GOOD["contact_phone"]
    [(before, after)] = audit_rows(demo)
    assert before["office_hours"] == "" and after == GOOD
    home = demo.test_client().get("/hubei/").get_data(as_text=True)
    assert GOOD["office_hours"] in home and GOOD["contact_name"] in home
    # saved again unchanged: no second audit row
    b.page(PAGE)
    redirected_to(b.post(PAGE, GOOD))
    assert len(audit_rows(demo)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_phone", "call us"),
        ("office_hours", ""),
        ("contact_address", "x" * 201),
        ("contact_name", "  "),
    ],
)
def test_bad_input_is_a_422_and_keeps_what_was_typed(demo, field, value):
    b = admin_login(demo)
    b.page(PAGE)
    r = b.post(PAGE, {**GOOD, field: value})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'class="err"' in body
    assert GOOD["contact_address" if field != "contact_address" else "contact_name"] in body
    assert audit_rows(demo) == []


@pytest.mark.parametrize("username", ["hb-officer", "hb-county-staff"])
def test_nobody_else_reaches_the_page(demo, username):
    b = staff_login(demo, username)
    assert b.client.get(PAGE).status_code == 404
    assert demo.test_client().get(PAGE).status_code in (302, 303)  # anonymous: the log-in
