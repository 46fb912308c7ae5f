"""Officer accounts in-page (A1, I1, A8; issue 12): the province's administrator creates
officers of the province, a city and a county, each bound to its region, who get a user name
and first password by SMS (and e-mail) and must choose a password and enrol TOTP at the first
log-in; disable, reset after the identity check, send the set-up again; every step audited.
Nobody creates an account at or above their own level; a city officer manages its counties'."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.columns import local_today
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import Browser, english, staff_login
from tests.support.journey import messages_to, user_id
from tests.support.offices import region_id
from tests.support.provisioning import credentials, first_log_in, log_in

MOBILE = "13700137101"


def create(app, b, place: str, mobile: str = MOBILE, **over):
    """Post the creation form as ``b``; returns the response."""
    b.page("/hubei/admin/officers/new")
    form = {"real_name": "钱秀英", "mobile": mobile, "email": "", "place": place, **over}
    return b.post("/hubei/admin/officers/new", form)


def created(app, b, place: str, mobile: str = MOBILE, **over) -> User:
    r = create(app, b, place, mobile, **over)
    # 303, or with htmx (issue 16) the next page and its address
    assert r.status_code == 303 or "HX-Push-Url" in r.headers, r.get_data(as_text=True)[:2000]
    username, _password = credentials(app, mobile)
    with in_tenant(app, "hubei"):
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        db.session.expunge(user)
        return user


def login_refused(app, username: str, password: str) -> bool:
    """The log-in form answers "wrong user name or password" (422)."""
    b = english(Browser(app.test_client()))
    b.page("/hubei/login")
    r = b.post("/hubei/login", {"username": username, "password": password})
    return r.status_code == 422 and "The user name or password is wrong." in r.get_data(
        as_text=True
    )


def actions_on(app, user_id_: int) -> list[tuple[str, dict]]:
    with in_tenant(app, "hubei"):
        return [
            (a.action, a.after)
            for a in db.session.execute(
                db.select(AuditLog)
                .filter_by(entity="user", entity_id=user_id_)
                .order_by(AuditLog.id)
            ).scalars()
        ]


@pytest.mark.parametrize(
    ("place", "level_region", "prefix"),
    [
        ("province", None, "wj00-"),
        ("420500", "420500", "wj420500-"),
        ("420525", "420525", "wj420525-"),
    ],
)
def test_A1_admin_creates_an_officer_of_each_level_bound_to_its_region(
    demo, place, level_region, prefix
):
    admin = english(staff_login(demo, "hb-admin"))
    value = place if place == "province" else str(region_id(demo, place))
    user = created(demo, admin, value, email="qian@example.com")
    assert user.username.startswith(prefix)
    assert user.region_id == (region_id(demo, level_region) if level_region else None)
    assert user.role.value == "officer" and user.must_change_password and not user.totp_enrolled
    username, password = credentials(demo, MOBILE)
    # the set-up credentials went by SMS and by e-mail, through the outbox
    [email] = messages_to(demo, "qian@example.com")
    assert username in email and password in email
    # audited (A8), without the password
    [(action, after)] = actions_on(demo, user.id)
    assert action == "create_officer" and after["username"] == username
    assert after["region_id"] == user.region_id and password not in str(after)
    # the list and the detail page show it
    assert username in admin.page("/hubei/admin/officers").get_data(as_text=True)
    page = admin.page(f"/hubei/admin/officers/{user.id}").get_data(as_text=True)
    assert "137****7101" in page and "Waiting for the first log-in" in page and password not in page
    # the audit log, linked from the detail page, shows the creation (A8)
    assert f"/hubei/admin/audit?entity=user&amp;entity_id={user.id}" in page
    log = admin.page(f"/hubei/admin/audit?entity=user&entity_id={user.id}").get_data(as_text=True)
    assert "create_officer" in log and username in log
    # I1: the first log-in forces a password of one's own and TOTP, then the commission's end
    b, _secret = first_log_in(demo, username, password, home="admin/")
    assert b.page("/hubei/admin/").status_code == 200
    assert [a for a, _ in actions_on(demo, user.id)] == [
        "create_officer",
        "choose_password",
        "enrol_totp",
    ]


def test_A1_a_county_officer_is_refused_creating_a_province_officer(demo):
    county = english(staff_login(demo, "hb-county-officer"))
    r = county.page("/hubei/admin/officers/new")
    assert r.status_code == 403
    assert "at or above your own level" in r.get_data(as_text=True)
    county.page("/hubei/admin/")  # a CSRF token from a page it may open
    with unchanged(demo):
        r = county.post(
            "/hubei/admin/officers/new",
            {"real_name": "钱秀英", "mobile": MOBILE, "place": "province"},
        )
        assert r.status_code == 403
        assert "at or above your own level" in r.get_data(as_text=True)
    assert county.page("/hubei/admin/officers").status_code == 403
    assert "/admin/officers" not in county.page("/hubei/admin/").get_data(as_text=True)


def test_A1_a_city_officer_creates_county_officers_of_its_city_only(demo):
    city = english(staff_login(demo, "hb-city-officer"))
    page = city.page("/hubei/admin/officers/new").get_data(as_text=True)
    assert "远安县" in page and "洪山区" not in page and "(the province)" not in page
    with unchanged(demo):
        for place in ("province", str(region_id(demo, "420500"))):  # its own level and above
            r = create(demo, city, place)
            assert r.status_code == 403 and "at or above your own level" in r.get_data(as_text=True)
        r = create(demo, city, str(region_id(demo, "420111")))  # a county of another city
        assert r.status_code == 422 and "Choose one of the places listed" in r.get_data(
            as_text=True
        )
    user = created(demo, city, str(region_id(demo, "420525")))
    assert user.username.startswith("wj420525-")
    # it manages that one, and not the province's officer nor the other city officer
    assert city.page(f"/hubei/admin/officers/{user.id}").status_code == 200
    assert (
        city.page(f"/hubei/admin/officers/{user_id(demo, 'hubei', 'hb-officer')}").status_code
        == 404
    )
    listed = city.page("/hubei/admin/officers").get_data(as_text=True)
    assert (
        user.username in listed and "hb-officer" not in listed and "hb-city-officer" not in listed
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mobile": "12345"}, "mainland China mobile number"),
        ({"real_name": "Qian"}, "Chinese characters"),
        ({"email": "not-an-address"}, "valid email address"),
        ({"place": ""}, "This field is required."),
        ({"place": "999999"}, "Choose one of the places listed"),
    ],
)
def test_A1_bad_input_in_the_creation_form_is_answered_422_and_saves_nothing(demo, change, message):
    admin = english(staff_login(demo, "hb-admin"))
    form = {"place": str(region_id(demo, "420525")), **change}
    with unchanged(demo):
        r = create(demo, admin, **form)
        assert r.status_code == 422
        assert message in r.get_data(as_text=True)


def test_A1_a_forged_creation_post_is_answered_400(demo):
    admin = english(staff_login(demo, "hb-admin"))
    admin.page("/hubei/admin/officers/new")
    with unchanged(demo):
        r = admin.client.post(
            "/hubei/admin/officers/new",
            data={"real_name": "钱秀英", "mobile": MOBILE, "place": "province"},
        )
        assert r.status_code == 400


def test_A1_disabling_an_officer_ends_their_log_in(demo):
    admin = english(staff_login(demo, "hb-admin"))
    user = created(demo, admin, str(region_id(demo, "420525")))
    username, password = credentials(demo, MOBILE)
    officer, _secret = first_log_in(demo, username, password, home="admin/")
    admin.page(f"/hubei/admin/officers/{user.id}")
    r = admin.post(f"/hubei/admin/officers/{user.id}/disable")
    assert r.status_code == 303
    assert "/login" in officer.page("/hubei/admin/").headers.get("Location", "")
    assert login_refused(demo, username, "Own-pass-2026")
    # disabling twice says so
    admin.page(f"/hubei/admin/officers/{user.id}")
    r = admin.post(f"/hubei/admin/officers/{user.id}/disable")
    assert r.status_code == 409 and "already disabled" in r.get_data(as_text=True)
    admin.page(f"/hubei/admin/officers/{user.id}")
    assert admin.post(f"/hubei/admin/officers/{user.id}/enable").status_code == 303
    _b, where = log_in(demo, username, "Own-pass-2026")
    assert "/login/totp" in where
    assert [a for a, _ in actions_on(demo, user.id)][-2:] == ["disable", "enable"]


def test_A1_reset_needs_the_identity_check_then_sends_new_credentials(demo):
    admin = english(staff_login(demo, "hb-admin"))
    user = created(demo, admin, str(region_id(demo, "420500")))
    username, password = credentials(demo, MOBILE)
    officer, _secret = first_log_in(demo, username, password, home="admin/")
    admin.page(f"/hubei/admin/officers/{user.id}")
    today = local_today().isoformat()
    with unchanged(demo):
        for form, message in [
            ({"checked_by": "陈科员", "checked_on": today}, "seen the officer's ID card"),
            ({"id_card_seen": "y", "checked_on": today}, "This field is required."),
            (
                {"id_card_seen": "y", "checked_by": "陈科员", "checked_on": "2026-13-40"},
                'class="err"',
            ),
            (
                {"id_card_seen": "y", "checked_by": "陈科员", "checked_on": "2999-01-01"},
                "in the future",
            ),
        ]:
            r = admin.post(f"/hubei/admin/officers/{user.id}/reset", form)
            assert r.status_code == 422, form
            assert message in r.get_data(as_text=True), form
    r = admin.post(
        f"/hubei/admin/officers/{user.id}/reset",
        {"id_card_seen": "y", "checked_by": "陈科员", "checked_on": today},
    )
    assert r.status_code == 303
    _username, new_password = credentials(demo, MOBILE)
    assert new_password != password
    assert "/login" in officer.page("/hubei/admin/").headers.get("Location", "")  # session ended
    with in_tenant(demo, "hubei"):
        again = db.session.get(User, user.id)
        assert again.must_change_password and not again.totp_enrolled
    action, after = actions_on(demo, user.id)[-1]
    assert action == "reset_credentials"
    assert (after["checked_by"], after["checked_on"], after["id_card_seen"]) == (
        "陈科员",
        today,
        True,
    )
    assert new_password not in str(after)
    first_log_in(demo, username, new_password, home="admin/")  # a new password and TOTP again


def test_A1_resend_replaces_the_first_password_until_the_account_is_set_up(demo):
    admin = english(staff_login(demo, "hb-admin"))
    user = created(demo, admin, "province")
    username, first = credentials(demo, MOBILE)
    admin.page(f"/hubei/admin/officers/{user.id}")
    assert admin.post(f"/hubei/admin/officers/{user.id}/resend").status_code == 303
    _username, second = credentials(demo, MOBILE)
    assert second != first and len(messages_to(demo, MOBILE)) == 2
    assert login_refused(demo, username, first)  # the first one no longer works
    first_log_in(demo, username, second, home="admin/")
    assert [a for a, _ in actions_on(demo, user.id)][:2] == ["create_officer", "resend_credentials"]
    # once set up, there is nothing to send again: reset after the identity check instead
    admin.page(f"/hubei/admin/officers/{user.id}")
    with unchanged(demo):
        r = admin.post(f"/hubei/admin/officers/{user.id}/resend")
        assert r.status_code == 409 and "already chosen a password" in r.get_data(as_text=True)


def test_T3_another_tenants_officer_is_not_found(demo):
    hubei_officer = user_id(demo, "hubei", "hb-county-officer")
    gd = english(staff_login(demo, "gd-admin"), "guangdong")
    assert gd.page(f"/guangdong/admin/officers/{hubei_officer}").status_code == 404
    gd.page("/guangdong/admin/officers")
    with unchanged(demo):
        for action in ("disable", "enable", "resend", "reset"):
            r = gd.post(f"/guangdong/admin/officers/{hubei_officer}/{action}")
            assert r.status_code == 404, action
    # and not an officer at all: a staff member's id is no officer's
    admin = english(staff_login(demo, "hb-admin"))
    staff = user_id(demo, "hubei", "hb-county-staff")
    assert admin.page(f"/hubei/admin/officers/{staff}").status_code == 404


def test_SEC7_the_set_up_message_is_in_the_outbox_in_the_officers_language(demo):
    admin = staff_login(demo, "hb-admin")  # Chinese by default
    created(demo, admin, str(region_id(demo, "420525")))
    with in_tenant(demo, "hubei"):
        [sms] = db.session.execute(
            db.select(OutboxMessage).filter_by(recipient=MOBILE, channel="sms")
        ).scalars()
    assert "远安县" in sms.body and sms.sent_at is None
    assert "physician registration" not in sms.body  # written in Chinese, the officer's language
