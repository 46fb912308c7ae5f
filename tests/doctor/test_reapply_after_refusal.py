"""L5 (Practitioners' Law art. 19): a new application after a refusal asks for the certificate of
a passed assessment (uploaded as the R3 training certificate is), checks it on submission, shows
it to the institution and the officer, and lists it among the paper materials (D16).

The refusal is put in the database directly; everything after it goes through HTTP."""

from __future__ import annotations

import io
import re

from portal.extensions import db
from portal.registry.records import Level
from portal.workflow.models import Application, State
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    ROW_LI,
    doctor_log_in,
    photo_file,
    row_application,
    row_doctor,
    step_done,
)

ASSESSMENT = "assessment_certificate_original_and_copy"


def post(b, step, data):
    b.page(f"/hubei/me/application/{step}")
    return b.post(f"/hubei/me/application/{step}", data)


def fill(b, *, assessment: bool) -> None:
    step_done(
        post(b, "personal", {"home_address": "湖北省远安县演示街 1 号"}), "hubei", "qualification"
    )
    r = post(b, "qualification", {"assessment_certificate": photo_file()} if assessment else {})
    if assessment:
        step_done(r, "hubei", "practice")
    for step, data, following in (
        ("practice", {"scopes": ["internal"]}, "history"),
        ("history", {"work_experience": "无", "rewards_punishments": "无"}, "photo"),
    ):
        step_done(post(b, step, data), "hubei", following)
    r = post(b, "photo", {"action": "upload", "photo": photo_file()})
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    step_done(
        b.post("/hubei/me/application/photo", {"action": "use", "pending_id": pending}),
        "hubei",
        "review",
    )


def refused_doctor(demo):
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_LI)
    refused = row_application(
        demo, doctor_id, q_id, inst_id, level=Level.PRACTITIONER, state=State.REFUSED
    )
    with in_tenant(demo, "hubei"):
        row = db.session.get(Application, refused)
        row.refusal_ground, row.reject_reason = "criminal_or_ban", "刑罚执行完毕不满二年"
        db.session.commit()
    return doctor_id


def test_L5_a_new_application_after_a_refusal_asks_for_the_assessment(demo):
    doctor_id = refused_doctor(demo)
    b = doctor_log_in(demo, ROW_LI)
    home = b.page("/hubei/me").get_data(as_text=True)
    assert "/hubei/me/application" in home  # "Start a new application" once the ground has ended
    page = b.page("/hubei/me/application/qualification").get_data(as_text=True)
    assert 'name="assessment_certificate"' in page and "《医师法》第十九条" in page
    fill(b, assessment=False)  # the qualification step is refused without it, the others saved
    assert post(b, "qualification", {}).status_code == 422
    b.page("/hubei/me/application/review")
    r = b.post("/hubei/me/application/review", {})
    assert r.status_code == 422 and "考核合格证明" in r.get_data(
        as_text=True
    )  # checked on submission
    with in_tenant(demo, "hubei"):
        draft = db.session.execute(
            db.select(Application).filter_by(doctor_id=doctor_id, state=State.DRAFT)
        ).scalar_one()
        assert draft.assessment_certificate_id is None
    # a broken file is refused with a message, never a 500 (SEC6)
    r = post(
        b,
        "qualification",
        {"assessment_certificate": (io.BytesIO(b"not an image"), "a.jpg", "image/jpeg")},
    )
    assert r.status_code == 422 and 'id="assessment_certificate-err"' in r.get_data(as_text=True)
    step_done(
        post(b, "qualification", {"assessment_certificate": photo_file()}), "hubei", "practice"
    )
    b.page("/hubei/me/application/review")
    assert redirected_to(b.post("/hubei/me/application/review", {})).endswith("/hubei/me")
    with in_tenant(demo, "hubei"):
        app = db.session.execute(
            db.select(Application).filter_by(doctor_id=doctor_id, state=State.SUBMITTED)
        ).scalar_one()
        app_id, doc_id = app.id, app.assessment_certificate_id
    assert doc_id

    # the institution sees it before confirming, and can open it
    staff = staff_login(demo, "hb-county-staff")
    queue = staff.page("/hubei/institution/approvals").get_data(as_text=True)
    link = f"/hubei/institution/approvals/{app_id}/documents/assessment"
    assert link in queue and "考核合格证明（《医师法》第十九条）" in queue
    scan = staff.client.get(link)
    assert scan.status_code == 200 and scan.headers["Content-Type"] == "image/jpeg"
    assert (
        staff.client.get(f"/hubei/institution/approvals/{app_id}/documents/training").status_code
        == 404
    )
    assert (
        staff_login(demo, "hb-tertiary-staff").client.get(link).status_code == 404
    )  # another institution's
    redirected_to(staff.post(f"/hubei/institution/approvals/{app_id}/confirm"))

    # the doctor is told to bring it; the officer sees it and ticks it
    assert "不予注册情形消失后重新申请注册的考核合格证明原件及复印件" in b.page(
        "/hubei/me"
    ).get_data(as_text=True)
    officer = staff_login(demo, "hb-officer")
    page = officer.page(f"/hubei/admin/applications/{app_id}").get_data(as_text=True)
    assert f"/hubei/admin/applications/{app_id}/documents/assessment" in page
    assert (
        officer.client.get(f"/hubei/admin/applications/{app_id}/documents/assessment").status_code
        == 200
    )
    assert (
        officer.client.get(f"/hubei/admin/applications/{app_id}/documents/bogus").status_code == 404
    )
    ticked = re.findall(r'name="materials" value="([^"]+)"', page)
    assert ticked == ALL_MATERIALS[:-1] + [ASSESSMENT, "local_requirements"]
    assert (
        officer.post(
            f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS}
        ).status_code
        == 422
    )
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ticked})
    )


def test_L5_no_assessment_without_a_refusal(demo):
    row_doctor(demo, ROW_LI)
    b = doctor_log_in(demo, ROW_LI)
    fill(b, assessment=False)
    assert 'name="assessment_certificate"' not in b.page(
        "/hubei/me/application/qualification"
    ).get_data(as_text=True)
    b.page("/hubei/me/application/review")
    assert redirected_to(b.post("/hubei/me/application/review", {})).endswith("/hubei/me")
