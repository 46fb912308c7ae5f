"""SEC1: the doctor's Account page. A change of password, mobile number or email asks for the
current password again; a new number or address is in force only once the code sent to it is
entered; a new password ends the other sessions and keeps this one. Audit rows mask values."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.accounts.passwords import check_password
from portal.extensions import db
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, snapshot
from tests.support.http import Browser, redirected_to
from tests.support.journey import doctor_form, last_otp, messages_to, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
ACCOUNT = "/hubei/me/account"
NEW_PHONE = "13900139002"


@pytest.fixture
def doctor(demo, browser_mode):
    walked = walk_doctor(demo, "hubei", LI, until="verified", htmx=browser_mode == "htmx")
    return walked.browser


def _user(app) -> User:
    with in_tenant(app, "hubei"):
        user = db.session.execute(db.select(User).filter_by(username="liminghua")).scalar_one()
        db.session.expunge(user)
        return user


def _log_in(app) -> Browser:
    b = Browser(app.test_client())
    b.page("/hubei/login")
    redirected_to(b.post("/hubei/login", {"username": "liminghua", "password": LI["password"]}))
    return b


def test_the_home_page_links_to_the_account_page(demo, doctor):
    assert ACCOUNT in doctor.page("/hubei/me").get_data(as_text=True)
    page = doctor.page(ACCOUNT).get_data(as_text=True)
    assert "138****8001" in page and 'name="current_password"' in page


def test_each_label_names_its_own_field(demo, doctor, browser_mode):
    """Three forms on one page, two with a current-password field: no id twice, so each label
    (``for``) and each error (aria-describedby) names the field of its own form (P7); each htmx
    target is its own form's section."""
    import re

    page = doctor.page(ACCOUNT).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for label_for in re.findall(r'<label for="([^"]+)"', page):
        assert f'id="{label_for}"' in page and re.search(
            f'<(input|textarea|select)[^>]*id="{label_for}"', page
        )
    for target in re.findall(r'hx-target="#([^"]+)"', page):
        assert f'<section id="{target}"' in page
    doctor.page(ACCOUNT)
    r = doctor.post(
        "/hubei/me/account/contact", {"channel": "sms", "phone": NEW_PHONE, "current_password": ""}
    )
    assert r.status_code == 422
    refused = r.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="phone_current_password"[^>]*>', refused).group(0)
    assert (
        'name="current_password"' in field
        and 'aria-describedby="phone_current_password-err"' in field
    )
    assert 'id="phone_current_password-err"' in refused


@pytest.mark.parametrize(
    "url, form",
    [
        (
            "/hubei/me/account/password",
            {"password": "Another-456", "password_again": "Another-456"},
        ),
        ("/hubei/me/account/contact", {"channel": "sms", "phone": NEW_PHONE}),
        ("/hubei/me/account/contact", {"channel": "email", "email": "new@example.com"}),
    ],
)
@pytest.mark.parametrize(
    "current, message",
    [("Wrong-pass-1", "This is not your current password."), ("", "This field is required.")],
)
def test_a_wrong_current_password_is_refused_and_changes_nothing(
    demo, doctor, url, form, current, message
):
    doctor.client.set_cookie("lang", "en")
    doctor.page(ACCOUNT)
    before = snapshot(demo)
    r = doctor.post(url, {**form, "current_password": current})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert snapshot(demo) == before  # no code sent, no audit row, nothing changed


def test_a_new_phone_is_in_force_only_after_its_code(demo, doctor, browser_mode):
    doctor.page(ACCOUNT)
    r = doctor.post(
        "/hubei/me/account/contact",
        {"channel": "sms", "phone": NEW_PHONE, "current_password": LI["password"]},
    )
    assert r.status_code == 200 and 'name="code"' in r.get_data(as_text=True)
    if browser_mode == "htmx":
        assert "<html" not in r.get_data(as_text=True)
    user = _user(demo)
    assert user.phone == LI["phone"]  # the old number stays in force until the code is entered
    code = last_otp(demo, NEW_PHONE)  # the code went to the NEW number
    # a wrong code: refused, still the old number
    wrong = "000000" if code != "000000" else "111111"
    r = doctor.post("/hubei/me/account/contact/confirm", {"channel": "sms", "code": wrong})
    assert r.status_code == 422 and _user(demo).phone == LI["phone"]
    # log-in and password reset still go to the old number meanwhile
    r = doctor.post("/hubei/me/account/contact/confirm", {"channel": "sms", "code": code})
    redirected_to(r)
    user = _user(demo)
    assert user.phone == NEW_PHONE and user.phone_verified_at is not None
    # the old number is told, masked
    assert any("139****9002" in m for m in messages_to(demo, LI["phone"]))
    with in_tenant(demo, "hubei"):
        rows = (
            db.session.execute(
                db.select(AuditLog)
                .filter_by(entity="user", entity_id=user.id)
                .filter(AuditLog.action.in_(["request_phone_change", "change_phone"]))
                .order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
        assert [r.action for r in rows] == ["request_phone_change", "change_phone"]
        assert rows[1].before == {"phone": "138****8001"} and rows[1].after == {
            "phone": "139****9002"
        }
        assert all(NEW_PHONE not in str(r.after) and LI["phone"] not in str(r.before) for r in rows)
    assert "139****9002" in doctor.page(ACCOUNT).get_data(as_text=True)


def test_a_new_email_is_in_force_only_after_its_code(demo, doctor):
    doctor.page(ACCOUNT)
    r = doctor.post(
        "/hubei/me/account/contact",
        {"channel": "email", "email": "Li.New@Example.com", "current_password": LI["password"]},
    )
    assert r.status_code == 200
    assert _user(demo).email == LI["email"]
    code = last_otp(demo, "li.new@example.com")
    redirected_to(
        doctor.post("/hubei/me/account/contact/confirm", {"channel": "email", "code": code})
    )
    user = _user(demo)
    assert user.email == "li.new@example.com" and user.email_verified_at is not None
    with in_tenant(demo, "hubei"):
        row = db.session.execute(db.select(AuditLog).filter_by(action="change_email")).scalar_one()
        assert "li.new@example.com" not in str(row.after) and row.after == {
            "email": "li***@example.com"
        }


def test_a_bad_new_phone_or_the_same_one_is_refused(demo, doctor):
    doctor.page(ACCOUNT)
    before = snapshot(demo)
    for phone in ("12345", LI["phone"]):
        r = doctor.post(
            "/hubei/me/account/contact",
            {"channel": "sms", "phone": phone, "current_password": LI["password"]},
        )
        assert r.status_code == 422
    r = doctor.post(
        "/hubei/me/account/contact", {"channel": "fax", "current_password": LI["password"]}
    )
    assert r.status_code == 400
    assert snapshot(demo) == before


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(demo, doctor):
    other = _log_in(demo)
    assert other.page("/hubei/me").status_code == 200
    doctor.page(ACCOUNT)
    # the new password follows the sign-up rules
    r = doctor.post(
        "/hubei/me/account/password",
        {"current_password": LI["password"], "password": "short", "password_again": "short"},
    )
    assert r.status_code == 422 and check_password(_user(demo).password_hash, LI["password"])
    r = doctor.post(
        "/hubei/me/account/password",
        {
            "current_password": LI["password"],
            "password": "Another-456",
            "password_again": "Another-456",
        },
    )
    redirected_to(r)
    assert check_password(_user(demo).password_hash, "Another-456")
    assert doctor.page("/hubei/me").status_code == 200  # this device: still logged in
    assert "/hubei/login" in redirected_to(other.page("/hubei/me"))  # the other one: logged out
    with in_tenant(demo, "hubei"):
        row = db.session.execute(
            db.select(AuditLog).filter_by(action="change_password")
        ).scalar_one()
        assert "Another" not in str(row.after)
    assert (
        "password" in messages_to(demo, LI["phone"])[-1]
        or "密码" in messages_to(demo, LI["phone"])[-1]
    )


def test_only_a_logged_in_doctor_reaches_the_account_page(demo):
    anonymous = demo.test_client()
    assert "/hubei/login" in redirected_to(anonymous.get(ACCOUNT))
