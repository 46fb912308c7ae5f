"""A8 / SEC8: the audit log searched by actor, record, kind and date range, newest first, with
before and after; nothing in the application edits or deletes it; ID numbers masked (SEC5)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import create_app
from portal.accounts.models import User
from portal.columns import local_today
from portal.extensions import db
from portal.workflow.audit import audit
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import staff_login
from tests.support.journey import doctor_form, resident_id, sign_up, verify_phone, walk_doctor

AUDIT = "/hubei/admin/audit"
LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def login(app, username: str, htmx: bool = False):
    b = staff_login(app, username, htmx=htmx)
    b.client.set_cookie("lang", "en")
    return b


def entries(response) -> list[tuple[str, str, str]]:
    """(who, record, change) of each row shown, in order."""
    body = response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for tr in body.split("</tr>"):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if len(cells) == 5:
            rows.append((cells[1], cells[2], re.sub(r"<br>.*", "", cells[3], flags=re.S)))
    return rows


@pytest.fixture
def walked(demo):
    staff = staff_login(demo, "hb-county-staff")
    return walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")


def test_search_by_record_shows_its_history_newest_first(walked, demo, browser_mode):
    b = login(demo, "hb-officer", htmx=browser_mode == "htmx")
    r = b.get(f"{AUDIT}?entity=application&entity_id={walked.app_id}")
    assert r.status_code == 200
    if browser_mode == "htmx":
        assert "<html" not in r.get_data(as_text=True)
    assert entries(r) == [
        ("hb-county-staff", f"application {walked.app_id}", "confirm"),
        ("liminghua", f"application {walked.app_id}", "submit"),
    ]
    # before and after of the confirmation
    assert "<code>state</code>: submitted → confirmed" in r.get_data(as_text=True)


def test_search_by_actor_and_by_kind(walked, demo):
    b = login(demo, "hb-admin")
    by_staff = entries(b.page(f"{AUDIT}?actor=hb-county-staff"))
    assert {change for _who, _rec, change in by_staff} == {"confirm", "send_activation_code"}
    assert all(who == "hb-county-staff" for who, _rec, _change in by_staff)
    confirms = entries(b.page(f"{AUDIT}?action=confirm"))
    assert confirms == [("hb-county-staff", f"application {walked.app_id}", "confirm")]
    both = entries(b.page(f"{AUDIT}?actor=liminghua&action=submit"))
    assert both == [("liminghua", f"application {walked.app_id}", "submit")]


def test_search_by_date_range(walked, demo):
    b = login(demo, "hb-officer")
    today = local_today()
    assert len(entries(b.page(f"{AUDIT}?from={today.isoformat()}&to={today.isoformat()}"))) >= 5
    assert entries(b.page(f"{AUDIT}?to={(today - timedelta(days=1)).isoformat()}")) == []
    assert entries(b.page(f"{AUDIT}?from={(today + timedelta(days=1)).isoformat()}")) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("actor=nobody-here", "No user of this province has this user name."),
        ("actor=gd-officer", "No user of this province has this user name."),  # another tenant's
        ("entity_id=abc", "Enter the number of the record (digits only)."),
        ("entity_id=99999999999", "Enter the number of the record (digits only)."),
        ("from=2026-02-30", "Enter a date as YYYY-MM-DD."),
        ("from=2026-03-02&to=2026-03-01", "The end date must not be before the start date."),
    ],
)
def test_bad_search_is_refused_with_a_message(demo, query, message):
    b = login(demo, "hb-officer")
    r = b.page(f"{AUDIT}?{query}")
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)


@pytest.mark.parametrize("dates", [False, True], ids=["any-time", "date-range"])
def test_pages_go_back_in_time(demo, monkeypatch, dates):
    """Paged by id, or, over a date range, by (time, id) from the index on time (issue 16): the
    same entries newest first, none twice, none left out."""
    monkeypatch.setattr("portal.admin.audit.PAGE", 3)
    with in_tenant(demo, "hubei"):
        for n in range(1, 8):
            audit(
                "institution",
                n,
                "auto_activation",
                None,
                {"auto_activation": False},
                {"auto_activation": True},
            )
        db.session.commit()
    b = login(demo, "hb-officer")
    seen = []
    url = f"{AUDIT}?entity=institution"
    if dates:
        today = local_today()
        url += f"&from={today - timedelta(days=1)}&to={today}"
    while url:
        page = b.page(url)
        seen += [rec for _who, rec, _change in entries(page)]
        more = re.search(r'href="([^"]*before=[^"]*)"', page.get_data(as_text=True))
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == [f"institution {n}" for n in range(7, 0, -1)]


def test_id_numbers_in_recorded_values_are_masked(demo):
    with in_tenant(demo, "hubei"):
        audit(
            "user",
            1,
            "import",
            None,
            {"id_number": None},
            {"id_number": "42052519880312123X"},
            "record 420525198803121236 imported",
        )
        db.session.commit()
    text = login(demo, "hb-officer").page(f"{AUDIT}?action=import").get_data(as_text=True)
    assert "42052519880312123X" not in text and "420525198803121236" not in text
    assert "420***********123X" in text and "420***********1236" in text


def test_officers_and_administrators_only(demo):
    staff = staff_login(demo, "hb-county-staff")
    assert staff.page(AUDIT).status_code == 404
    assert demo.test_client().get(AUDIT).status_code in (302, 303)


def test_no_route_writes_the_audit_log():
    """SEC8: the audit pages only read; no route under them takes anything but GET."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    audit_rules = [r for r in app.url_map.iter_rules() if "/audit" in r.rule]
    assert audit_rules, "the audit page is gone"
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_posting_to_the_audit_page_changes_nothing(walked, demo):
    b = login(demo, "hb-admin")
    b.page(AUDIT)
    with unchanged(demo):
        assert b.post(AUDIT, {"entity": "application"}).status_code == 405
    with in_tenant(demo, "hubei"):
        assert db.session.execute(db.select(db.func.count(AuditLog.id))).scalar() > 0


def test_search_by_a_user_name_two_doctors_hold(demo):
    """Issue 14: a doctor's user name need not be unique; the search by actor shows the rows of
    every account holding it (the record column tells them apart)."""
    ids = []
    for n in (1, 2):
        form = doctor_form(
            "赵无名", resident_id(f"4201111985070{7300 + n}"), f"1390000030{n}", "shared-name"
        )
        form["password"] = form["password_again"] = f"Own-pass-{n}{n}"
        verify_phone(demo, sign_up(demo, "hubei", form), "hubei", form["phone"])
        with in_tenant(demo, "hubei"):
            ids.append(
                db.session.execute(db.select(User.id).filter_by(phone=form["phone"])).scalar_one()
            )
    b = login(demo, "hb-admin")
    r = b.page(f"{AUDIT}?actor=shared-name&action=verify_phone")
    assert r.status_code == 200
    assert sorted(entries(r)) == sorted(("shared-name", f"user {i}", "verify_phone") for i in ids)
