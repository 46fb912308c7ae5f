"""I3: the activation codes an institution sent (doctor, masked destination, sent at, expires
at, waiting / used / expired), and "send again" for a doctor still waiting, within SEC2."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.tenants.models import Tenant
from tests.support.db import in_tenant, unchanged
from tests.support.http import english, redirected_to, staff_login
from tests.support.journey import doctor_form, last_activation_code, messages_to, walk_doctor

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def _no_cooldown(app):
    with in_tenant(app, "hubei") as tenant:
        db.session.get(Tenant, tenant.id).rules = {"codes": {"otp_resend_seconds": 0}}
        db.session.commit()


def statuses(page: str) -> list[str]:
    return re.findall(r"<td>(Waiting|Used|Expired)", page)


def test_I3_codes_sent_are_listed_and_sent_again(demo, browser_mode):
    htmx = browser_mode == "htmx"
    staff = english(staff_login(demo, "hb-county-staff", htmx=htmx))
    walked = walk_doctor(demo, "hubei", DOCTOR, until="named", institution="远安")
    staff.page("/hubei/institution/activations")
    staff.post(f"/hubei/institution/activations/{walked.doctor_id}/send", {"channel": "sms"})
    page = staff.page("/hubei/institution/activations/codes").get_data(as_text=True)
    assert "李明华" in page and "138****8001" in page and DOCTOR["phone"] not in page
    assert statuses(page) == ["Waiting"]
    assert "Send again to 李明华" in page
    # at once: the resend cool-down of SEC2 refuses it, with the reason, and nothing changes
    with unchanged(demo):
        r = staff.post(
            f"/hubei/institution/activations/codes/{walked.doctor_id}/resend", {"channel": "sms"}
        )
    assert r.status_code == 429 and "Please wait" in r.get_data(as_text=True)
    assert ("<html" in r.get_data(as_text=True)) != htmx
    _no_cooldown(demo)
    first = last_activation_code(demo, DOCTOR["phone"])
    r = staff.post(
        f"/hubei/institution/activations/codes/{walked.doctor_id}/resend", {"channel": "sms"}
    )
    if htmx:
        assert r.status_code == 200 and "138****8001" in r.get_data(as_text=True)
    else:
        redirected_to(r)
    assert (
        len(messages_to(demo, DOCTOR["phone"])) == 3
    )  # the phone code (D3) and two activation codes
    assert last_activation_code(demo, DOCTOR["phone"]) != first
    page = staff.page("/hubei/institution/activations/codes").get_data(as_text=True)
    assert statuses(page) == [
        "Waiting",
        "Expired",
    ]  # newest first: the earlier code stopped working
    # the doctor uses the new code: used, and no more "send again"
    walked.browser.page("/hubei/me/activate")
    r = walked.browser.post(
        "/hubei/me/activate/code", {"code": last_activation_code(demo, DOCTOR["phone"])}
    )
    redirected_to(r)
    page = staff.page("/hubei/institution/activations/codes").get_data(as_text=True)
    assert statuses(page) == ["Used", "Expired"] and "Send again" not in page
    with unchanged(demo):
        r = staff.post(
            f"/hubei/institution/activations/codes/{walked.doctor_id}/resend", {"channel": "sms"}
        )
    assert r.status_code == 409


def test_I3_hourly_limit_is_a_429_with_the_reason(demo):
    _no_cooldown(demo)
    staff = english(staff_login(demo, "hb-county-staff"))
    walked = walk_doctor(demo, "hubei", DOCTOR, until="named", institution="远安")
    staff.page("/hubei/institution/activations/codes")
    # the phone verification code counts too: five messages to this number within the hour
    for _ in range(4):
        redirected_to(
            staff.post(
                f"/hubei/institution/activations/codes/{walked.doctor_id}/resend",
                {"channel": "sms"},
            )
        )
    with unchanged(demo):
        r = staff.post(
            f"/hubei/institution/activations/codes/{walked.doctor_id}/resend", {"channel": "sms"}
        )
    assert r.status_code == 429 and "Too many codes" in r.get_data(as_text=True)


def test_I3_another_institution_neither_sees_nor_resends_the_codes(demo):
    county = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", DOCTOR, until="activated", staff=county, institution="远安")
    other = staff_login(demo, "hb-tertiary-staff")
    page = other.page("/hubei/institution/activations/codes").get_data(as_text=True)
    assert "李明华" not in page and "138****8001" not in page
    with unchanged(demo):
        assert (
            other.post(
                f"/hubei/institution/activations/codes/{walked.doctor_id}/resend",
                {"channel": "sms"},
            ).status_code
            == 404
        )
    assert "李明华" in county.page("/hubei/institution/activations/codes").get_data(as_text=True)
