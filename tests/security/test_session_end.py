"""Issue 14, SEC1: a log-in ends on the server. A copy of the session cookie taken before
log-out opens nothing afterwards (doctor and staff); a log-in ends after the tenant's idle
time and its longest time, staff and officers sooner than doctors; an administrator's shorter
setting applies at once. Tested by replaying the old cookie, with the clock moved on."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.tenants.models import Tenant
from tests.support import figures
from tests.support.db import in_tenant
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import doctor_form, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
QUEUE = "/hubei/institution/approvals"


def _cookie_copy(app, browser: Browser) -> Browser:
    """Another client holding the same session cookie (as a thief who copied it would)."""
    thief = Browser(app.test_client())
    value = browser.client.get_cookie("session").value
    thief.client.set_cookie("session", value, domain="localhost")
    return thief


def _opens(b: Browser, path: str) -> bool:
    """The page opens for a logged-in user (or sends them on inside the site, not to log in)."""
    r = b.page(path)
    if r.status_code in (302, 303):
        return "/login" not in r.headers["Location"]
    return r.status_code == 200


@pytest.fixture
def doctor(demo, beijing_noon):
    return walk_doctor(demo, "hubei", LI, until="verified").browser


def test_log_out_ends_every_copy_of_a_doctors_session(demo, doctor):
    copy = _cookie_copy(demo, doctor)
    assert _opens(copy, "/hubei/me")
    doctor.page("/hubei/me")
    redirected_to(doctor.post("/hubei/logout"))
    r = copy.page("/hubei/me")
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]
    figures.add("session cookies replayed after log-out, refused")


def test_log_out_ends_every_copy_of_a_staff_session(demo, beijing_noon):
    staff = staff_login(demo, "hb-county-staff")
    copy = _cookie_copy(demo, staff)
    assert _opens(copy, QUEUE)
    staff.page(QUEUE)
    redirected_to(staff.post("/hubei/logout"))
    r = copy.page(QUEUE)
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]
    figures.add("session cookies replayed after log-out, refused")


def test_a_doctors_log_in_ends_after_the_idle_time_not_before(demo, doctor, beijing_noon):
    english(doctor)
    beijing_noon.shift(29 * 60)  # the default: 30 minutes without a request
    assert _opens(doctor, "/hubei/me")
    beijing_noon.shift(31 * 60)
    r = doctor.page("/hubei/me")
    assert "/hubei/login" in r.headers["Location"]
    page = doctor.page(r.headers["Location"]).get_data(as_text=True)
    assert "You were logged out after a time without activity." in page


def test_staff_log_in_ends_sooner_than_a_doctors(demo, beijing_noon):
    staff = staff_login(demo, "hb-county-staff")
    beijing_noon.shift(16 * 60)  # staff: 15 minutes
    r = staff.page(QUEUE)
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]


def test_a_log_in_ends_at_its_longest_time_even_when_busy(demo, doctor, beijing_noon):
    english(doctor)
    for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
        assert _opens(doctor, "/hubei/me")
        beijing_noon.shift(20 * 60)
    r = doctor.page("/hubei/me")
    assert "/hubei/login" in r.headers["Location"]
    page = doctor.page(r.headers["Location"]).get_data(as_text=True)
    assert "Your log-in reached its longest time." in page


def test_the_administrators_shorter_idle_time_applies(demo, doctor, beijing_noon):
    with in_tenant(demo, "hubei"):
        tenant = db.session.execute(db.select(Tenant).filter_by(slug="hubei")).scalar_one()
        tenant.rules = {**(tenant.rules or {}), "sessions": {"doctor_idle_minutes": 5}}
        db.session.commit()
    beijing_noon.shift(6 * 60)
    r = doctor.page("/hubei/me")
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]


def test_a_new_log_in_after_the_end_works(demo, doctor, beijing_noon):
    beijing_noon.shift(31 * 60)
    doctor.page("/hubei/login")
    redirected_to(
        doctor.post("/hubei/login", {"username": "liminghua", "password": LI["password"]})
    )
    assert _opens(doctor, "/hubei/me")
