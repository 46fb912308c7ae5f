"""Provisioning (I1, A1): an officer creates an institution after the on-site check; its person
in charge gets a user name and a first password by SMS; the first log-in forces a password of
their own and TOTP enrolment; the officer can reset those credentials."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.columns import local_today
from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionCheck
from portal.tenants.models import Region
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, statements, unchanged
from tests.support.http import Browser, english, redirected_to, staff_login, totp_now
from tests.support.journey import messages_to
from tests.support.provisioning import (
    NEW_PASSWORD,
    SECRET,
    credentials,
    first_log_in,
    log_in,
    log_in_with_totp,
    provision,
    provision_form,
)


def test_I1_officer_provisions_an_institution_and_the_person_in_charge_gets_an_sms(
    demo, browser_mode
):
    officer = staff_login(demo, "hb-officer", htmx=browser_mode == "htmx")
    form = provision(demo, officer)
    username, password = credentials(demo, "13700137001")
    [sms] = messages_to(demo, "13700137001")
    assert username in sms and password in sms and "远安县演示镇卫生院" in sms
    with in_tenant(demo, "hubei"):
        inst = db.session.execute(
            db.select(Institution).filter_by(licence_no=form["licence_no"])
        ).scalar_one()
        assert (inst.name, inst.level.value, inst.county.code) == (
            "远安县演示镇卫生院",
            "county",
            "420525",
        )
        check = db.session.execute(
            db.select(InstitutionCheck).filter_by(institution_id=inst.id)
        ).scalar_one()
        assert (check.checked_by, check.checked_on) == ("陈科员", local_today())
        assert check.licence_seen and check.power_of_attorney_seen and check.agent_id_card_seen
        pic = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        assert pic.is_person_in_charge and pic.must_change_password and pic.totp_secret is None
        assert (pic.institution_id, pic.real_name, pic.phone) == (inst.id, "赵建华", "13700137001")
        actions = set(db.session.execute(db.select(AuditLog.action)).scalars())
        assert {"provision", "create_person_in_charge"} <= actions
        assert not any(
            password in str(a.after) for a in db.session.execute(db.select(AuditLog)).scalars()
        )
    # the detail page and the list show it
    page = officer.page(f"/hubei/admin/institutions/{inst.id}").get_data(as_text=True)
    assert "陈科员" in page and username in page and "137****7001" in page and password not in page
    assert "远安县演示镇卫生院" in officer.page("/hubei/admin/institutions?q=演示镇").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "change",
    [
        {"licence_seen": None},
        {"power_of_attorney_seen": None},
        {"agent_id_card_seen": None},
        {"checked_by": ""},
        {"checked_on": ""},
        {"checked_on": "2026-13-40"},
        {"checked_on": (local_today() + timedelta(days=1)).isoformat()},
        {"mobile": "12345"},
        {"person_in_charge": "Zhao Jianhua"},
        {"level": "palace"},
        {"county_id": "999999"},
        {"name": ""},
        {"licence_no": "x" * 41},
    ],
)
def test_I1_an_incomplete_check_or_bad_field_is_refused_and_nothing_is_written(
    demo, browser_mode, change
):
    officer = staff_login(demo, "hb-officer", htmx=browser_mode == "htmx")
    officer.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = officer.post("/hubei/admin/institutions/new", provision_form(demo, **change))
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'class="err"' in body
    assert ("<html" in body) == (browser_mode == "plain")


def test_I1_the_three_documents_are_each_required_with_a_message(demo):
    officer = english(staff_login(demo, "hb-officer"))
    officer.page("/hubei/admin/institutions/new")
    form = provision_form(
        demo, licence_seen=None, power_of_attorney_seen=None, agent_id_card_seen=None
    )
    body = officer.post("/hubei/admin/institutions/new", form).get_data(as_text=True)
    assert body.count("Tick this only once you have seen the document") == 3
    assert messages_to(demo, "13700137001") == []


def test_I1_a_county_of_another_province_is_refused(demo):
    officer = staff_login(demo, "hb-officer")
    with in_tenant(demo, "guangdong"):
        gd_county = db.session.execute(db.select(Region.id).filter_by(code="440232")).scalar_one()
    officer.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = officer.post(
            "/hubei/admin/institutions/new", provision_form(demo, county_id=str(gd_county))
        )
    assert r.status_code == 422


def test_I1_duplicate_licence_number_is_refused_with_the_existing_institution_named(
    demo, browser_mode
):
    officer = staff_login(demo, "hb-officer", htmx=browser_mode == "htmx")
    officer.page("/hubei/admin/institutions/new")
    with unchanged(demo):
        r = officer.post(
            "/hubei/admin/institutions/new", provision_form(demo, licence_no="PDY42052500001")
        )
    assert r.status_code == 422
    assert "远安县人民医院（演示）" in r.get_data(as_text=True)  # the holder of that licence number
    # the same number in another province is another institution's business (T3): allowed
    gd_officer = staff_login(demo, "gd-officer")
    gd_officer.page("/guangdong/admin/institutions/new")
    with in_tenant(demo, "guangdong"):
        gd_county = db.session.execute(db.select(Region.id).filter_by(code="440232")).scalar_one()
    r = gd_officer.post(
        "/guangdong/admin/institutions/new",
        provision_form(demo, licence_no="PDY42052500001", county_id=str(gd_county)),
    )
    assert "/guangdong/admin/institutions/" in redirected_to(r)


def test_I1_first_log_in_forces_a_new_password_then_totp_enrolment(demo, browser_mode):
    htmx = browser_mode == "htmx"
    provision(demo, staff_login(demo, "hb-officer"))
    username, password = credentials(demo, "13700137001")
    b, where = log_in(demo, username, password, htmx=htmx)
    assert where.endswith("/hubei/first-login/password")
    # every page leads back to the password step, until it is done
    for path in (
        "/hubei/institution/approvals",
        "/hubei/institution/staff",
        "/hubei/first-login/authenticator",
        "/hubei/me",
        "/hubei/",
    ):
        assert redirected_to(b.get(path)).endswith("/hubei/first-login/password"), path
    b.page("/hubei/first-login/password")
    with unchanged(demo):
        r = b.post(
            "/hubei/first-login/password", {"password": password, "password_again": password}
        )
        assert r.status_code == 422 and "not the first password" in r.get_data(as_text=True)
        r = b.post(
            "/hubei/first-login/password", {"password": "short1", "password_again": "short1"}
        )
        assert r.status_code == 422
        r = b.post(
            "/hubei/first-login/password",
            {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"},
        )
        assert r.status_code == 422
    r = b.post(
        "/hubei/first-login/password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert redirected_to(r).endswith("/hubei/first-login/authenticator")
    # then every page leads to the authenticator step
    assert redirected_to(b.get("/hubei/institution/approvals")).endswith(
        "/hubei/first-login/authenticator"
    )
    page = b.page("/hubei/first-login/authenticator")
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "<svg" in text and "<title" in text  # the QR code, server-side, named for screen readers
    grouped = SECRET.search(text).group(1)
    assert all(len(g) == 4 for g in grouped.split(" "))  # read out in groups of four
    secret = grouped.replace(" ", "")
    assert (
        b.page("/hubei/first-login/authenticator").get_data(as_text=True).count(grouped) == 1
    )  # same on reload
    # a wrong code is refused, and nothing is saved
    wrong = f"{(int(totp_now(secret)) + 1) % 1_000_000:06d}"
    r = b.post("/hubei/first-login/authenticator", {"code": wrong})
    assert r.status_code == 422 and ("<html" in r.get_data(as_text=True)) != htmx
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(
                db.select(User.totp_secret_encrypted).filter_by(username=username)
            ).scalar_one()
            is None
        )
    assert redirected_to(b.get("/hubei/institution/approvals")).endswith(
        "/hubei/first-login/authenticator"
    )
    r = b.post("/hubei/first-login/authenticator", {"code": totp_now(secret)})
    # the institution's home, or (htmx, issue 16) the page it leads to, in the same answer
    assert redirected_to(r).endswith(
        "/hubei/institution/approvals" if browser_mode == "htmx" else "/hubei/institution/"
    )
    assert b.page("/hubei/institution/approvals").status_code == 200
    assert b.page("/hubei/institution/staff").status_code == 200  # the person in charge's page
    # from now on: the own password and a TOTP code; the first password no longer works
    _b, where = log_in_with_totp(demo, username, secret)
    assert where.endswith("/hubei/institution/")
    old = Browser(demo.test_client())
    old.page("/hubei/login")
    assert old.post("/hubei/login", {"username": username, "password": password}).status_code == 422


def test_I1_the_code_used_to_enrol_does_not_log_in_again(demo):
    """SEC3: the time step of the enrolment code counts as used."""
    provision(demo, staff_login(demo, "hb-officer"))
    username, password = credentials(demo, "13700137001")
    b, _where = log_in(demo, username, password)
    b.page("/hubei/first-login/password")
    redirected_to(
        b.post(
            "/hubei/first-login/password",
            {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
    )
    secret = (
        SECRET.search(b.page("/hubei/first-login/authenticator").get_data(as_text=True))
        .group(1)
        .replace(" ", "")
    )
    code = totp_now(secret)
    redirected_to(b.post("/hubei/first-login/authenticator", {"code": code}))
    again, where = log_in(demo, username, NEW_PASSWORD)
    assert where.endswith("/hubei/login/totp")
    again.page("/hubei/login/totp")
    assert again.post("/hubei/login/totp", {"code": code}).status_code == 422


def test_A1_officer_resets_the_person_in_charge_credentials(demo, browser_mode):
    officer = staff_login(demo, "hb-officer", htmx=browser_mode == "htmx")
    provision(demo, officer)
    username, password = credentials(demo, "13700137001")
    pic, secret = first_log_in(demo, username, password)
    with in_tenant(demo, "hubei"):
        inst_id = db.session.execute(
            db.select(User.institution_id).filter_by(username=username)
        ).scalar_one()
    officer.page(f"/hubei/admin/institutions/{inst_id}")
    r = officer.post(f"/hubei/admin/institutions/{inst_id}/reset")
    assert redirected_to(r).endswith(f"/hubei/admin/institutions/{inst_id}")
    assert len(messages_to(demo, "13700137001")) == 2
    same_name, new_password = credentials(demo, "13700137001")
    assert same_name == username and new_password != password
    # the open session ended at once; TOTP is cleared; the new first password leads to the first log-in
    assert "/hubei/login" in redirected_to(pic.get("/hubei/institution/approvals"))
    with in_tenant(demo, "hubei"):
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        assert user.totp_secret is None and user.must_change_password
        assert db.session.execute(
            db.select(AuditLog).filter_by(action="reset_credentials")
        ).scalar_one()
    old = Browser(demo.test_client())
    old.page("/hubei/login")  # the password they had chosen was replaced too
    assert (
        old.post("/hubei/login", {"username": username, "password": NEW_PASSWORD}).status_code
        == 422
    )
    _b, new_secret = first_log_in(demo, username, new_password)
    assert new_secret != secret


def test_A1_reset_of_an_institution_without_a_person_in_charge_is_refused(demo):
    officer = english(staff_login(demo, "hb-officer"))
    with in_tenant(demo, "hubei"):
        inst_id = db.session.execute(
            db.select(Institution.id).filter_by(licence_no="PDY42010600002")
        ).scalar_one()  # demo: no PIC account
    officer.page(f"/hubei/admin/institutions/{inst_id}")
    with unchanged(demo):
        r = officer.post(f"/hubei/admin/institutions/{inst_id}/reset")
    assert r.status_code == 409 and "no person in charge" in r.get_data(as_text=True)


def test_A1_only_officers_provision(demo):
    staff = staff_login(demo, "hb-county-staff")
    assert staff.get("/hubei/admin/institutions/new").status_code == 404
    assert staff.get("/hubei/admin/institutions").status_code == 404
    anonymous = Browser(demo.test_client())
    assert "/hubei/login" in redirected_to(anonymous.get("/hubei/admin/institutions/new"))


def test_A1_list_search_and_keyset_paging(demo):
    officer = staff_login(demo, "hb-officer")
    small = statements(demo, officer.client, "/hubei/admin/institutions")
    with in_tenant(demo, "hubei"):
        county = db.session.execute(db.select(Region.id).filter_by(code="420525")).scalar_one()
        for n in range(60):
            db.session.add(
                Institution(
                    name=f"演示社区卫生服务站{n:02d}",
                    licence_no=f"PDYTEST{n:04d}",
                    level="county",
                    county_id=county,
                    address="演示路",
                )
            )
        db.session.commit()
    assert statements(demo, officer.client, "/hubei/admin/institutions") == small  # P5: no N+1
    first = officer.page("/hubei/admin/institutions?q=社区").get_data(as_text=True)
    assert (
        first.count("演示社区卫生服务站") == 50
        and "演示社区卫生服务站59" in first
        and "人民医院" not in first
    )
    import re

    more = re.search(r'href="([^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = officer.page(more).get_data(as_text=True)
    assert second.count("演示社区卫生服务站") == 10 and "演示社区卫生服务站00" in second
    partial = officer.client.get("/hubei/admin/institutions?q=远安", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "远安县人民医院" in partial.get_data(
        as_text=True
    )
