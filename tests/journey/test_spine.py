"""The spine (issue 2): one doctor's whole journey through all three ends, as plain form
posts and as htmx requests. SPEC D1–D4, D9–D16, D18, I3, I4, A4, SEC7."""

from __future__ import annotations

import re

from portal.accounts.models import User
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.records import IdentityCase
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import SPINE_DOCTOR as DOCTOR
from tests.support.journey import fill_wizard, last_code


def test_whole_journey(demo, browser_mode):
    app = demo
    htmx = browser_mode == "htmx"
    doc = Browser(app.test_client(), htmx=htmx)

    # D1/D2: sign up; the name and ID number match the qualification record
    doc.page("/hubei/signup")
    r = doc.post("/hubei/signup", DOCTOR)
    assert redirected_to(r).endswith("/hubei/me")
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert "李明华" in home and "420***********1236" in home
    assert "420525198803121236" not in home  # SEC5: masked
    assert doc.page("/hubei/me").headers["Cache-Control"] == "no-store"

    # D3: phone verification with the code read off the development outbox page
    doc.page("/hubei/me/verify")
    r = doc.post("/hubei/me/verify/send", {"channel": "sms"})
    assert r.status_code == 200
    outbox = doc.page("/hubei/dev/outbox").get_data(as_text=True)
    code = re.search(r"#(\d{6})", outbox).group(1)
    # origin-bound line for autofill: the portal's configured host, never the request's (issue 14)
    assert f"@{demo.config['PUBLIC_HOST']} #{code}" in outbox
    doc.page("/hubei/me/verify")
    r = doc.post("/hubei/me/verify/check", {"channel": "sms", "code": code})
    assert redirected_to(r).endswith("/hubei/me/activate")

    # D4: name the institution; staff sends a code in one click; the doctor activates
    r = doc.get("/hubei/me/activate?q=远安")
    assert "远安县人民医院" in r.get_data(as_text=True)
    with in_tenant(app, "hubei"):
        from portal.registry.institutions import Institution

        county = db.session.execute(
            db.select(Institution).filter(Institution.name.contains("远安"))
        ).scalar_one()
        county_id = county.id
    doc.page("/hubei/me/activate")
    r = doc.post("/hubei/me/activate/institution", {"institution_id": str(county_id)})
    assert redirected_to(r).endswith("/hubei/me/activate")

    staff = staff_login(app, "hb-county-staff", htmx)
    queue = staff.page("/hubei/institution/activations").get_data(as_text=True)
    assert "李明华" in queue
    with in_tenant(app, "hubei"):
        doctor_id = db.session.execute(
            db.select(User.id).filter_by(username="liminghua")
        ).scalar_one()
    r = staff.post(f"/hubei/institution/activations/{doctor_id}/send", {"channel": "sms"})
    if htmx:
        assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    else:
        redirected_to(r)
    body = last_code(app, DOCTOR["phone"])
    act_code = re.search(r"[:：]\s*([A-Z2-9]{10})", body).group(1)
    doc.page("/hubei/me/activate")
    r = doc.post("/hubei/me/activate/code", {"code": act_code})
    assert redirected_to(r).endswith("/hubei/me")

    # D9–D15: the application wizard; each step saves the draft, then it is submitted
    assert redirected_to(doc.page("/hubei/me/application")).endswith(
        "/hubei/me/application/personal"
    )
    doc.page("/hubei/me/application/qualification")
    assert "执业医师" in doc.page("/hubei/me/application/qualification").get_data(as_text=True)
    assert "内科专业" in doc.page("/hubei/me/application/practice").get_data(as_text=True)
    doc.page("/hubei/me/application/history")
    # empty rewards/punishments is refused, what was typed is kept; 无 is accepted (D9)
    r = doc.post(
        "/hubei/me/application/history",
        {"work_experience": "2012-2024 远安县人民医院 内科", "rewards_punishments": ""},
    )
    assert r.status_code == 422 and "2012-2024 远安县人民医院 内科" in r.get_data(as_text=True)
    # with JS, what is typed is saved as it is typed (autosave); coming back shows it (D9)
    r = doc.post(
        "/hubei/me/application/history",
        {
            "work_experience": "2012-2024 远安县人民医院 内科",
            "rewards_punishments": "",
            "action": "autosave",
        },
    )
    assert r.status_code == 204
    assert "2012-2024 远安县人民医院 内科" in doc.page("/hubei/me/application/history").get_data(
        as_text=True
    )
    fill_wizard(
        doc,
        "hubei",
        scopes=("internal",),
        address="湖北省远安县鸣凤镇演示街 1 号",
        history=("2012-2024 远安县人民医院 内科", "无"),
    )
    assert redirected_to(doc.page("/hubei/me/application")).endswith("/hubei/me/application/review")
    review = doc.page("/hubei/me/application/review").get_data(as_text=True)
    assert "内科专业" in review and "湖北省远安县鸣凤镇演示街 1 号" in review
    r = doc.post("/hubei/me/application/review", {})
    assert redirected_to(r).endswith("/hubei/me")
    with in_tenant(app, "hubei"):
        application = db.session.execute(db.select(Application)).scalar_one()
        app_id = application.id
        assert application.state.value == "submitted"
        # D14: no contract dates → one year from today
        assert (application.contract_end - application.contract_start).days in (365, 366)

    # I4: the staff member confirms in-page
    assert "李明华" in staff.page("/hubei/institution/approvals").get_data(as_text=True)
    r = staff.post(f"/hubei/institution/approvals/{app_id}/confirm")
    if htmx:
        assert r.status_code == 200 and f'id="app-{app_id}"' in r.get_data(as_text=True)
        assert "<html" not in r.get_data(as_text=True)
    else:
        redirected_to(r)
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert "身份证原件及复印件" in home or "ID card" in home  # D16 paper materials list

    # A4: the officer ticks the materials and approves
    officer = staff_login(app, "hb-officer", htmx)
    assert "李明华" in officer.page("/hubei/admin/").get_data(as_text=True)
    officer.page(f"/hubei/admin/applications/{app_id}")
    r = officer.post(
        f"/hubei/admin/applications/{app_id}/approve", {"materials": ["approval_form_x2"]}
    )
    assert r.status_code == 422
    materials = [
        "approval_form_x2",
        "id_card_original_and_copy",
        "qualification_certificate_original_and_copy",
        "photos_2inch_x3",
        "contract_original_and_copy",
        "institution_licence_copy",
        "local_requirements",
    ]
    r = officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": materials})
    redirected_to(r)

    # D18: the doctor sees the registration
    with in_tenant(app, "hubei"):
        application = db.session.get(Application, app_id)
        cert = application.certificate_no
        assert application.registered_on is not None
        assert re.fullmatch(r"11420525\d{7}", cert)
        actions = [
            a.action
            for a in db.session.execute(
                db.select(AuditLog).filter_by(entity="application").order_by(AuditLog.id)
            ).scalars()
        ]
        assert actions == ["submit", "confirm", "approve"]
        bodies = [
            m.body
            for m in db.session.execute(
                db.select(OutboxMessage).filter_by(recipient=DOCTOR["phone"])
            ).scalars()
        ]
        assert any(cert in b for b in bodies)  # each decision reached the doctor
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert cert in home and "内科专业" in home


def test_unmatched_signup_opens_identity_case(demo):
    b = Browser(demo.test_client())
    b.page("/hubei/signup")
    r = b.post(
        "/hubei/signup", {**DOCTOR, "real_name": "赵无名", "id_number": "420106199205142348"}
    )
    assert redirected_to(r).endswith("/hubei/me")
    home = b.page("/hubei/me").get_data(as_text=True)
    assert "027-0000 0001" in home  # the commission's contact details (D2)
    with in_tenant(demo, "hubei"):
        case = db.session.execute(db.select(IdentityCase)).scalar_one()
        assert case.user.real_name == "赵无名" and not case.user.identity_verified
