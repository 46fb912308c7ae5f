"""The person in charge's Staff page (I2): add staff (user name and first password by SMS,
then the first log-in of I1), disable and re-enable them; only the person in charge."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.extensions import db
from tests.support.db import in_tenant, unchanged
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import messages_to, user_id
from tests.support.provisioning import (
    NEW_PASSWORD,
    credentials,
    first_log_in,
    log_in,
    log_in_with_totp,
    provision,
)

STAFF = {"real_name": "钱小梅", "mobile": "13600136001"}


@pytest.fixture
def pic(demo):
    """A freshly provisioned institution's person in charge, through the first log-in."""
    provision(demo, staff_login(demo, "hb-officer"))
    username, password = credentials(demo, "13700137001")
    b, secret = first_log_in(demo, username, password)
    return english(b)


def add(b: Browser, data=STAFF):
    b.page("/hubei/institution/staff")
    return b.post("/hubei/institution/staff", data)


def test_I2_person_in_charge_adds_staff_who_log_in_for_the_first_time(demo, pic, browser_mode):
    pic.htmx = browser_mode == "htmx"
    page = pic.page("/hubei/institution/approvals").get_data(as_text=True)
    assert 'href="/hubei/institution/staff"' in page  # the tab is there for the person in charge
    assert redirected_to(add(pic)).endswith("/hubei/institution/staff")
    username, password = credentials(demo, STAFF["mobile"])
    assert username.endswith("-02")  # the person in charge is -01
    listing = pic.page("/hubei/institution/staff").get_data(as_text=True)
    assert "钱小梅" in listing and username in listing and "Waiting for the first log-in" in listing
    with in_tenant(demo, "hubei"):
        staff = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        mine = db.session.execute(
            db.select(User).filter_by(is_person_in_charge=True, real_name="赵建华")
        ).scalar_one()
        assert staff.institution_id == mine.institution_id and not staff.is_person_in_charge
        assert staff.must_change_password and staff.phone == STAFF["mobile"]
    b, _secret = first_log_in(demo, username, password)
    assert b.page("/hubei/institution/approvals").status_code == 200
    # a staff member who is not the person in charge has no Staff page
    assert 'href="/hubei/institution/staff"' not in b.page("/hubei/institution/approvals").get_data(
        as_text=True
    )
    assert b.get("/hubei/institution/staff").status_code == 403


def test_I2_bad_staff_details_are_refused(demo, pic, browser_mode):
    pic.htmx = browser_mode == "htmx"
    pic.page("/hubei/institution/staff")
    for data in (
        {"real_name": "", "mobile": "13600136001"},
        {"real_name": "钱小梅", "mobile": "1360013600"},
        {"real_name": "Qian Xiaomei", "mobile": "13600136001"},
    ):
        with unchanged(demo):
            r = pic.post("/hubei/institution/staff", data)
        assert r.status_code == 422 and 'class="err"' in r.get_data(as_text=True)
        assert ("<html" in r.get_data(as_text=True)) == (browser_mode == "plain")


def test_I2_a_user_name_taken_meanwhile_is_a_clear_409_and_nothing_saved(demo, pic, monkeypatch):
    """Two people adding staff at once can be given the same next user name; the unique
    constraint stops the second, which tries again with a fresh one, and answers 409 (never a
    500) if a colleague keeps taking it."""
    from portal.workflow import provisioning

    with in_tenant(demo, "hubei"):
        taken = db.session.execute(
            db.select(User.username).filter_by(real_name="赵建华")
        ).scalar_one()
    monkeypatch.setattr(provisioning, "_username", lambda institution: taken)
    with unchanged(demo):
        r = add(pic)
    assert r.status_code == 409 and "at the same moment" in r.get_data(as_text=True)
    monkeypatch.undo()
    assert redirected_to(add(pic)).endswith("/hubei/institution/staff")  # the next try works


def test_I2_only_the_person_in_charge_manages_staff(demo):
    other = english(staff_login(demo, "hb-tertiary-staff"))  # demo: staff, not person in charge
    r = other.get("/hubei/institution/staff")
    assert r.status_code == 403 and "Only the person in charge" in r.get_data(as_text=True)
    other.page("/hubei/institution/approvals")
    county_staff = user_id(demo, "hubei", "hb-county-staff")
    with unchanged(demo):
        assert other.post("/hubei/institution/staff", STAFF).status_code == 403
        assert other.post(f"/hubei/institution/staff/{county_staff}/disable").status_code == 403
    assert messages_to(demo, STAFF["mobile"]) == []


def test_I2_staff_of_another_institution_are_not_found(demo):
    pic = staff_login(demo, "hb-county-staff")  # demo: the county hospital's person in charge
    tertiary = user_id(demo, "hubei", "hb-tertiary-staff")
    pic.page("/hubei/institution/staff")
    with unchanged(demo):
        assert pic.post(f"/hubei/institution/staff/{tertiary}/disable").status_code == 404


def test_I2_disabled_staff_cannot_log_in_and_their_session_ends(demo, pic, browser_mode):
    pic.htmx = browser_mode == "htmx"
    add(pic)
    username, password = credentials(demo, STAFF["mobile"])
    staff, secret = first_log_in(demo, username, password)
    staff_id = user_id(demo, "hubei", username)
    pic.page("/hubei/institution/staff")
    r = pic.post(f"/hubei/institution/staff/{staff_id}/disable")
    if pic.htmx:
        assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
        assert f"Enable {STAFF['real_name']}" in r.get_data(as_text=True)
    else:
        redirected_to(r)
    # the open session ended at once
    assert "/hubei/login" in redirected_to(staff.get("/hubei/institution/approvals"))
    # and the account cannot log in
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    assert (
        b.post("/hubei/login", {"username": username, "password": NEW_PASSWORD}).status_code == 422
    )
    with unchanged(demo):  # disabling twice changes nothing
        assert pic.post(f"/hubei/institution/staff/{staff_id}/disable").status_code == 409
    # re-enabled: password and TOTP again
    r = pic.post(f"/hubei/institution/staff/{staff_id}/enable")
    assert r.status_code in (200, 204, 303)
    _b, where = log_in_with_totp(demo, username, secret)
    assert where.endswith("/hubei/institution/")


def test_I2_the_person_in_charge_cannot_disable_themself(demo, pic):
    with in_tenant(demo, "hubei"):
        me = db.session.execute(db.select(User.id).filter_by(real_name="赵建华")).scalar_one()
    pic.page("/hubei/institution/staff")
    with unchanged(demo):
        r = pic.post(f"/hubei/institution/staff/{me}/disable")
    assert r.status_code == 422 and "cannot disable your own account" in r.get_data(as_text=True)
    assert pic.page("/hubei/institution/staff").status_code == 200  # still logged in


def test_I2_pending_first_log_in_user_cannot_reach_staff_pages(demo, pic):
    add(pic)
    username, password = credentials(demo, STAFF["mobile"])
    b, where = log_in(demo, username, password)
    for path in (
        "/hubei/institution/approvals",
        "/hubei/institution/activations",
        "/hubei/institution/staff",
        "/hubei/institution/activations/codes",
    ):
        assert redirected_to(b.get(path)).endswith("/hubei/first-login/password"), path
    b.page("/hubei/first-login/password")  # a CSRF token of this session
    assert redirected_to(b.post("/hubei/institution/activations/auto", {"enabled": "y"})).endswith(
        "/hubei/first-login/password"
    )
