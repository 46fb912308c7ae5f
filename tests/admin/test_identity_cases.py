"""Identity cases (A3, D2): an officer links an unverified sign-up to a qualification record
after checking documents, or closes the case with a reason; the doctor is told."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.records import IdentityCase
from tests.support.db import in_tenant, snapshot
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import doctor_form, sign_up

# 王芳 typed her name with a wrong character: no record matched at sign-up
TYPO = doctor_form("王方", "420106199205142348", "13800138031", "wangfang")


def opened(app):
    b = sign_up(app, "hubei", TYPO)
    with in_tenant(app, "hubei"):
        case_id = db.session.execute(db.select(IdentityCase.id)).scalar_one()
    return b, case_id


def test_A3_link_to_a_record_verifies_the_account_and_tells_the_doctor(demo):
    doctor, case_id = opened(demo)
    officer = staff_login(demo, "hb-officer", htmx=True)
    page = officer.page(f"/hubei/admin/identity-cases/{case_id}").get_data(as_text=True)
    assert (
        "H2017420000002" in page
    )  # the record with the same ID number, to compare with the documents
    r = officer.post(f"/hubei/admin/identity-cases/{case_id}/link", {"certificate_no": "H9999"})
    assert r.status_code == 422 and "<html" not in r.get_data(as_text=True)
    redirected_to(
        officer.post(
            f"/hubei/admin/identity-cases/{case_id}/link", {"certificate_no": "H2017420000002"}
        )
    )
    with in_tenant(demo, "hubei"):
        user = db.session.execute(db.select(User).filter_by(username="wangfang")).scalar_one()
        assert user.identity_verified and user.qualification.certificate_no == "H2017420000002"
        assert db.session.get(IdentityCase, case_id).status.value == "closed"
        bodies = (
            db.session.execute(db.select(OutboxMessage.body).filter_by(recipient=TYPO["phone"]))
            .scalars()
            .all()
        )
        assert any("H2017420000002" in b for b in bodies)
    home = doctor.page("/hubei/me").get_data(as_text=True)
    assert "027-0000 0001" not in home  # no longer told to contact the commission
    # a closed case cannot be decided again
    officer.page(f"/hubei/admin/identity-cases/{case_id}")
    before = snapshot(demo)
    assert (
        officer.post(f"/hubei/admin/identity-cases/{case_id}/close", {"reason": "重复"}).status_code
        == 409
    )
    assert snapshot(demo) == before


def test_A3_close_needs_a_reason_the_doctor_is_told(demo):
    _doctor, case_id = opened(demo)
    officer = staff_login(demo, "hb-officer")
    officer.page(f"/hubei/admin/identity-cases/{case_id}")
    before = snapshot(demo)
    assert (
        officer.post(f"/hubei/admin/identity-cases/{case_id}/close", {"reason": " "}).status_code
        == 422
    )
    assert (
        officer.post(
            f"/hubei/admin/identity-cases/{case_id}/close", {"reason": "x" * 501}
        ).status_code
        == 422
    )
    assert snapshot(demo) == before
    redirected_to(
        officer.post(f"/hubei/admin/identity-cases/{case_id}/close", {"reason": "本人未到场核验"})
    )
    with in_tenant(demo, "hubei"):
        bodies = (
            db.session.execute(db.select(OutboxMessage.body).filter_by(recipient=TYPO["phone"]))
            .scalars()
            .all()
        )
        assert any("本人未到场核验" in b for b in bodies)
    assert "王方" not in officer.page("/hubei/admin/identity-cases").get_data(as_text=True)


def test_A3_without_csrf_and_for_other_roles(demo):
    _doctor, case_id = opened(demo)
    officer = staff_login(demo, "hb-officer")
    staff = staff_login(demo, "hb-county-staff")
    gd = staff_login(demo, "gd-officer")
    before = snapshot(demo)  # the log-ins above change their users' last TOTP step
    officer.page(f"/hubei/admin/identity-cases/{case_id}")
    assert (
        officer.client.post(
            f"/hubei/admin/identity-cases/{case_id}/close", data={"reason": "x"}
        ).status_code
        == 400
    )
    assert staff.page(f"/hubei/admin/identity-cases/{case_id}").status_code == 404
    assert gd.page(f"/guangdong/admin/identity-cases/{case_id}").status_code == 404
    assert Browser(demo.test_client()).page(
        f"/hubei/admin/identity-cases/{case_id}"
    ).status_code in (302, 303)
    assert snapshot(demo) == before
