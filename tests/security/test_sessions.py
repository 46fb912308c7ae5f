"""Log-in sessions and secrets (SEC1, SEC3, SEC5): a TOTP time step is accepted once; the
session is a new one at log-in (nothing from before survives, the old CSRF token is dead);
no log line of a whole doctor's journey holds an ID number, a phone number or a code."""

from __future__ import annotations

import logging
import re

import pytest
from flask.sessions import SecureCookieSessionInterface

from devdata.demo import DEMO_PASSWORD, demo_totp_secret
from tests.support import figures
from tests.support.http import Browser, redirected_to, staff_login, totp_now
from tests.support.journey import ALL_MATERIALS, doctor_form, messages_to, walk_doctor

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def _password_step(app, username="hb-county-staff") -> Browser:
    b = Browser(app.test_client())
    b.page("/hubei/login")
    assert "/hubei/login/totp" in redirected_to(
        b.post("/hubei/login", {"username": username, "password": DEMO_PASSWORD})
    )
    b.page("/hubei/login/totp")
    return b


def test_a_totp_code_is_accepted_once(demo):
    """SEC3: the code that logged one browser in is refused to another, in the same step."""
    secret = demo_totp_secret("hb-county-staff")
    first, second = _password_step(demo), _password_step(demo)
    code = totp_now(secret)
    r = first.post("/hubei/login/totp", {"code": code})
    if r.status_code == 422:  # an earlier test used this step: take the next one
        code = totp_now(secret, 30)
        r = first.post("/hubei/login/totp", {"code": code})
    redirected_to(r)
    replay = second.post("/hubei/login/totp", {"code": code})
    figures.add("replayed codes refused", replay.status_code == 422)
    assert replay.status_code == 422
    assert second.client.get("/hubei/institution/activations").status_code in (
        302,
        303,
    )  # not logged in


def _session(app, client) -> dict:
    cookie = client.get_cookie("session")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


def test_log_in_starts_a_new_session(demo):
    """SEC1: the session cookie changes at log-in and carries nothing from before it (the
    half-done second factor, the CSRF token of the log-in page)."""
    b = _password_step(demo)
    before = b.client.get_cookie("session").value
    old = _session(demo, b.client)
    assert "pending_2fa" in old and "csrf_token" in old
    old_token = b.token
    r = b.post("/hubei/login/totp", {"code": totp_now(demo_totp_secret("hb-county-staff"))})
    if r.status_code == 422:
        r = b.post("/hubei/login/totp", {"code": totp_now(demo_totp_secret("hb-county-staff"), 30)})
    redirected_to(r)
    after = b.client.get_cookie("session").value
    assert after != before
    new = _session(demo, b.client)
    assert "pending_2fa" not in new and new.get("csrf_token") != old["csrf_token"]
    # the token of the page before the log-in is dead: a form planted before cannot post
    r = b.client.post("/hubei/logout", data={"csrf_token": old_token})
    assert r.status_code == 400


def test_doctor_log_in_starts_a_new_session(demo):
    walk_doctor(demo, "hubei", DOCTOR, until="verified")
    b = Browser(demo.test_client())
    b.page("/hubei/login")
    old = _session(demo, b.client)
    redirected_to(
        b.post("/hubei/login", {"username": DOCTOR["username"], "password": DOCTOR["password"]})
    )
    new = _session(demo, b.client)
    assert new.get("csrf_token") != old.get("csrf_token") and new.get("_user_id")


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_no_id_number_phone_or_code_in_any_log(demo, all_logs):
    """SEC5: every logger at DEBUG (SQL statements included) over a whole journey: sign-up,
    phone code, activation code, application, confirmation, approval."""
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", DOCTOR, until="confirmed", staff=staff, institution="远安")
    officer = staff_login(demo, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    bodies = messages_to(demo, DOCTOR["phone"])
    codes = {
        m.group(1)
        for body in bodies
        for m in re.finditer(r"(?<![0-9A-Z])([0-9]{6}|[A-Z2-9]{8,})(?![0-9A-Z])", body)
    }
    codes.discard(DOCTOR["phone"][-6:])
    assert codes, "the journey sent codes"
    secrets = {DOCTOR["id_number"], DOCTOR["phone"], DOCTOR["password"], *codes}
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in all_logs.records)
    assert len(all_logs.records) > 50, "the loggers were heard"
    figures.add("log lines searched for ID numbers, phones and codes", len(all_logs.records))
    found = sorted(s for s in secrets if s in text)
    figures.add("secrets found in logs", len(found))
    assert not found, f"in the logs: {found}"
    assert any(r.name.startswith("sqlalchemy.engine") for r in all_logs.records), "SQL was logged"
