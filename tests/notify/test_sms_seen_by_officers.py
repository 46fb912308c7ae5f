"""Issue 12: an officer helping a doctor who says no code arrived sees, on the identity case
page, the SMS sent to that doctor: time, template, masked number and the provider's status,
never the code nor the text."""

from __future__ import annotations

from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.records import IdentityCase
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.journey import doctor_form, last_otp, sign_up

DOCTOR = doctor_form("王方", "420106199205142348", "13800138031", "wangfang")


def test_the_case_page_lists_the_sms_sent_to_the_doctor_without_codes(demo):
    doctor = sign_up(demo, "hubei", DOCTOR)
    doctor.page("/hubei/me/verify")
    assert doctor.post("/hubei/me/verify/send", {"channel": "sms"}).status_code == 200
    code = last_otp(demo, DOCTOR["phone"])
    with in_tenant(demo, "hubei"):
        case_id = db.session.execute(db.select(IdentityCase.id)).scalar_one()
        msg = db.session.execute(
            db.select(OutboxMessage).filter_by(recipient=DOCTOR["phone"], channel="sms")
        ).scalar_one()
        # the provider answered: not delivered, with its code
        msg.delivery_status, msg.delivery_code = "failed", "MOBILE_NOT_ON_SERVICE"
        db.session.commit()
    officer = staff_login(demo, "hb-officer")
    page = officer.page(f"/hubei/admin/identity-cases/{case_id}").get_data(as_text=True)
    section = page[page.index('id="sent-sms-title"') :]
    assert "验证码" in section  # the template, by its name
    assert "138****8031" in section and "未送达" in section and "MOBILE_NOT_ON_SERVICE" in section
    assert code not in page  # never the code …
    assert "分钟内有效" not in page  # … nor the text


def test_no_sms_yet_is_said(demo):
    sign_up(demo, "hubei", DOCTOR)
    with in_tenant(demo, "hubei"):
        case_id = db.session.execute(db.select(IdentityCase.id)).scalar_one()
    officer = staff_login(demo, "hb-officer")
    page = officer.page(f"/hubei/admin/identity-cases/{case_id}").get_data(as_text=True)
    assert "未向该医师发送过短信" in page
