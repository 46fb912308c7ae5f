"""The application wizard with the rules applied as the doctor picks (D8, D9, D11, R1–R4),
through HTTP."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from portal.extensions import db
from portal.registry.records import Qualification
from portal.workflow.models import Application, Document
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    fill_wizard,
    photo_file,
    step_done,
    walk_doctor,
)

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
WANG = doctor_form("王芳", "420106199205142348", "13800138003", "wangfang")
ZHANG = doctor_form("张晓燕", "420525200103152349", "13800138004", "zhangxy")
HUANG = doctor_form("黄丽", "440232199311075670", "13800138005", "huangli")


def activated(app, form, tenant="hubei", institution="远安", staff_user="hb-county-staff"):
    staff = staff_login(app, staff_user)
    return walk_doctor(
        app, tenant, form, until="activated", staff=staff, institution=institution
    ), staff


def draft(app, tenant, doctor_id) -> Application:
    with in_tenant(app, tenant):
        row = db.session.execute(db.select(Application).filter_by(doctor_id=doctor_id)).scalar_one()
        db.session.expunge(row)
        return row


def post(b, tenant, step, data):
    b.page(f"/{tenant}/me/application/{step}")
    return b.post(f"/{tenant}/me/application/{step}", data)


def test_R1_three_scopes_at_county_level_need_county_approval(demo):
    walked, _ = activated(demo, LI)
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省远安县演示街 1 号"})
    r = post(b, "hubei", "practice", {"scopes": ["internal", "surgery", "paediatrics"]})
    step_done(r, "hubei", "history")
    app = draft(demo, "hubei", walked.doctor_id)
    assert app.scopes == ["internal", "surgery", "paediatrics"] and app.needs_county_approval
    r = post(
        b, "hubei", "practice", {"scopes": ["internal", "surgery", "paediatrics", "emergency"]}
    )
    assert r.status_code == 422 and 'id="scopes-err"' in r.get_data(as_text=True)


def test_R1_one_scope_at_a_tertiary_hospital_and_general_practice_on_top_with_certificate(demo):
    walked, _ = activated(demo, LI, institution="第一医院", staff_user="hb-tertiary-staff")
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省武汉市演示街 1 号"})
    assert post(b, "hubei", "practice", {"scopes": ["internal", "surgery"]}).status_code == 422
    # general practice on top needs the transfer-training certificate
    r = post(
        b,
        "hubei",
        "practice",
        {"scopes": ["internal", "general_practice"], "gp_transfer_training": "y"},
    )
    assert r.status_code == 422 and 'id="gp_certificate-err"' in r.get_data(as_text=True)
    r = post(
        b,
        "hubei",
        "practice",
        {
            "scopes": ["internal", "general_practice"],
            "gp_transfer_training": "y",
            "gp_certificate": photo_file(),
        },
    )
    step_done(r, "hubei", "history")
    app = draft(demo, "hubei", walked.doctor_id)
    assert (
        app.scopes == ["internal", "general_practice"]
        and app.gp_certificate_id
        and not app.needs_county_approval
    )


def test_R3_lapsed_doctor_must_give_the_training_certificate(demo):
    """王芳 qualified in 2017 and never registered (F7)."""
    walked, _ = activated(demo, WANG)
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省武汉市演示街 3 号"})
    page = b.page("/hubei/me/application/qualification").get_data(as_text=True)
    assert 'name="training_months"' in page
    assert post(b, "hubei", "qualification", {}).status_code == 422
    assert (
        post(
            b,
            "hubei",
            "qualification",
            {"training_months": "5", "training_passed": "y", "training_certificate": photo_file()},
        ).status_code
        == 422
    )
    r = post(
        b,
        "hubei",
        "qualification",
        {"training_months": "6", "training_passed": "y", "training_certificate": photo_file()},
    )
    step_done(r, "hubei", "practice")
    app = draft(demo, "hubei", walked.doctor_id)
    assert app.training_months == 6 and app.training_passed and app.training_certificate_id


def test_D8_notice_of_passing_alone_is_enough_to_apply(demo):
    walked, _ = activated(demo, ZHANG)
    page = walked.browser.page("/hubei/me/application/qualification").get_data(as_text=True)
    assert "N2026420000004" in page and ("Notice of Passing" in page or "通知书" in page)
    fill_wizard(walked.browser, "hubei")
    walked.browser.page("/hubei/me/application/review")
    assert redirected_to(walked.browser.post("/hubei/me/application/review", {})).endswith(
        "/hubei/me"
    )


def test_R4_one_of_two_assistant_certificates_with_explicit_confirmation(demo):
    """黄丽 holds an assistant and a rural general assistant qualification (F16)."""
    walked, gd_staff = activated(
        demo, HUANG, tenant="guangdong", institution="乳源", staff_user="gd-county-staff"
    )
    b = walked.browser
    with in_tenant(demo, "guangdong"):
        certs = {
            q.certificate_no: q.id for q in db.session.execute(db.select(Qualification)).scalars()
        }
    rural, plain = certs["H2025440000002"], certs["H2024440000003"]
    post(b, "guangdong", "personal", {"home_address": "广东省乳源县演示街 1 号"})
    page = b.page("/guangdong/me/application/qualification").get_data(as_text=True)
    assert "H2025440000002" in page and "H2024440000003" in page
    # each choice names what it cancels: no script is needed to follow the choice (P1)
    assert re.search(rf'<label for="q-{rural}">H2025440000002 · [^<]*H2024440000003</label>', page)
    assert re.search(rf'<label for="q-{plain}">H2024440000003 · [^<]*H2025440000002</label>', page)
    r = post(b, "guangdong", "qualification", {"qualification_id": str(rural)})
    assert r.status_code == 422 and "H2024440000003" in r.get_data(
        as_text=True
    )  # which will be cancelled
    step_done(
        post(
            b, "guangdong", "qualification", {"qualification_id": str(rural), "confirm_cancel": "y"}
        ),
        "guangdong",
        "practice",
    )
    for step, data in (
        ("practice", {"scopes": ["general_practice"]}),
        ("history", {"work_experience": "无", "rewards_punishments": "无"}),
    ):
        post(b, "guangdong", step, data)
    r = post(b, "guangdong", "photo", {"action": "upload", "photo": photo_file()})
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    post(b, "guangdong", "photo", {"action": "use", "pending_id": pending})
    b.page("/guangdong/me/application/review")
    redirected_to(b.post("/guangdong/me/application/review", {}))
    app = draft(demo, "guangdong", walked.doctor_id)
    assert app.qualification_id == rural and app.cancels_qualification_id == plain
    gd_staff.page("/guangdong/institution/approvals")
    redirected_to(gd_staff.post(f"/guangdong/institution/approvals/{app.id}/confirm"))
    officer = staff_login(demo, "gd-officer")
    officer.page(f"/guangdong/admin/applications/{app.id}")
    redirected_to(
        officer.post(
            f"/guangdong/admin/applications/{app.id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    with in_tenant(demo, "guangdong"):
        assert db.session.get(Qualification, plain).cancelled_on is not None
        assert db.session.get(Qualification, rural).cancelled_on is None


def test_R2_assistant_scope_cannot_be_changed_after_submission(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", WANG, until="activated", staff=staff, institution="远安")
    b = walked.browser
    post(
        b,
        "hubei",
        "qualification",
        {"training_months": "6", "training_passed": "y", "training_certificate": photo_file()},
    )
    fill_wizard_from_practice = [
        ("personal", {"home_address": "湖北省演示街"}),
        ("practice", {"scopes": ["general_practice"]}),  # F15: a clinical assistant may
        ("history", {"work_experience": "无", "rewards_punishments": "无"}),
    ]
    for step, data in fill_wizard_from_practice:
        post(b, "hubei", step, data)
    r = post(b, "hubei", "photo", {"action": "upload", "photo": photo_file()})
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    post(b, "hubei", "photo", {"action": "use", "pending_id": pending})
    b.page("/hubei/me/application/review")
    redirected_to(b.post("/hubei/me/application/review", {}))
    app_id = draft(demo, "hubei", walked.doctor_id).id
    staff.page("/hubei/institution/approvals")
    staff.post(f"/hubei/institution/approvals/{app_id}/reject", {"reason": "照片不清晰"})
    # returned for correction: the scope is locked (F11), other steps are editable
    page = b.page("/hubei/me/application/practice").get_data(as_text=True)
    assert "disabled" in page
    post(b, "hubei", "practice", {"scopes": ["internal"]})
    assert draft(demo, "hubei", walked.doctor_id).scopes == ["general_practice"]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_D11_photo_is_cropped_to_two_inch_and_stripped(demo, fmt):
    walked, _ = activated(demo, LI)
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省远安县演示街 1 号"})
    source = io.BytesIO()
    image = Image.new("RGB", (1200, 900), "navy")
    exif = image.getexif()
    exif[0x010F] = "SecretCameraMaker"
    image.save(source, fmt, exif=exif)
    source.seek(0)
    r = post(
        b,
        "hubei",
        "photo",
        {
            "action": "upload",
            "photo": (source, "我的照片." + fmt.lower(), "application/octet-stream"),
        },
    )
    assert r.status_code == 200
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    assert f"/hubei/me/documents/{pending}" in r.get_data(as_text=True)  # the preview before saving
    assert draft(demo, "hubei", walked.doctor_id).photo_id is None
    step_done(
        post(b, "hubei", "photo", {"action": "use", "pending_id": pending}), "hubei", "review"
    )
    shown = b.client.get(f"/hubei/me/documents/{pending}")
    assert (
        shown.headers["Content-Type"] == "image/jpeg"
        and "no-store" in shown.headers["Cache-Control"]
    )
    stored = Image.open(io.BytesIO(shown.data))
    assert stored.size[0] * 7 == stored.size[1] * 5  # the 2-inch ratio
    assert b"SecretCameraMaker" not in shown.data and not stored.getexif()
    with in_tenant(demo, "hubei"):
        assert db.session.get(Document, int(pending)).data == shown.data
    # issue 16: the page names the photo by its content: that address is kept by this browser
    # (private), the plain one (or another version) is not stored
    named = re.search(
        rf'src="(/hubei/me/documents/{pending}\?v=[0-9a-f]+)"', r.get_data(as_text=True)
    )
    kept = b.client.get(named.group(1))
    assert kept.data == shown.data
    assert kept.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    other = b.client.get(f"/hubei/me/documents/{pending}?v=0123456789abcdef")
    assert other.data == shown.data and "no-store" in other.headers["Cache-Control"]


def test_D11_another_doctors_photo_is_404(demo):
    walked, _ = activated(demo, LI)
    fill_wizard(walked.browser, "hubei")
    photo_id = draft(demo, "hubei", walked.doctor_id).photo_id
    other, _ = activated(demo, ZHANG)
    assert other.browser.client.get(f"/hubei/me/documents/{photo_id}").status_code == 404


def test_D5_registration_from_before_the_portal_is_shown(demo):
    liu = doctor_form("刘建国", "420525198005063211", "13800138006", "liujianguo")
    walked, _ = activated(demo, liu)
    home = walked.browser.page("/hubei/me").get_data(as_text=True)
    assert "110420525000123" in home and "内科专业" in home
    with in_tenant(demo, "hubei"):
        from portal.accounts.models import User

        assert db.session.get(User, walked.doctor_id).identity_verified


def test_D5_after_activation_the_pre_portal_registration_is_in_force_with_every_service(demo):
    liu = doctor_form("刘建国", "420525198005063211", "13800138006", "liujianguo")
    walked, _ = activated(demo, liu)
    with in_tenant(demo, "hubei"):
        reg = db.session.execute(
            db.select(Application).filter_by(doctor_id=walked.doctor_id)
        ).scalar_one()
        assert (reg.state.value, reg.certificate_no, reg.scopes) == (
            "approved",
            "110420525000123",
            ["internal"],
        )
        assert str(reg.registered_on) == "2025-06-01"
    home = walked.browser.page("/hubei/me").get_data(as_text=True)
    assert "/hubei/me/maintenance" in home and "/hubei/me/application/new/change" in home
    public = walked.browser.client.get("/hubei/verify?no=110420525000123").get_data(as_text=True)
    assert "刘建国" in public


def test_R1_F12_where_general_practice_comes_on_top_is_the_provinces_setting(demo):
    """The administrator stops offering general practice on top at secondary and higher
    institutions (R6): a doctor of a tertiary hospital no longer sees the transfer-training
    choice and a specialty + general practice counts as two scopes (422); at a county-level
    institution it is still offered on top of the three."""
    from tests.support.rules_editor import rules_form, save_rules

    admin = staff_login(demo, "hb-admin")
    assert rules_form(admin)["scopes.gp_on_top_secondary_and_above"] == ["1"]
    assert "二级及以上医疗机构：专科医师经全科转岗培训合格后" in admin.page(
        "/hubei/admin/rules"
    ).get_data(as_text=True)
    redirected_to(save_rules(admin, scopes__gp_on_top_secondary_and_above=[]))
    assert "scopes.gp_on_top_secondary_and_above" not in rules_form(admin)

    walked, _ = activated(demo, LI, institution="第一医院", staff_user="hb-tertiary-staff")
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省武汉市演示街 1 号"})
    assert 'name="gp_transfer_training"' not in b.page("/hubei/me/application/practice").get_data(
        as_text=True
    )
    r = post(
        b,
        "hubei",
        "practice",
        {
            "scopes": ["internal", "general_practice"],
            "gp_transfer_training": "y",
            "gp_certificate": photo_file(),
        },
    )
    assert r.status_code == 422 and 'id="scopes-err"' in r.get_data(as_text=True)
    step_done(post(b, "hubei", "practice", {"scopes": ["general_practice"]}), "hubei", "history")


def test_R1_F12_general_practice_on_top_of_three_at_county_level_by_default(demo):
    walked, _ = activated(demo, LI)
    b = walked.browser
    post(b, "hubei", "personal", {"home_address": "湖北省远安县演示街 1 号"})
    assert 'name="gp_transfer_training"' in b.page("/hubei/me/application/practice").get_data(
        as_text=True
    )
    r = post(
        b,
        "hubei",
        "practice",
        {
            "scopes": ["internal", "surgery", "paediatrics", "general_practice"],
            "gp_transfer_training": "y",
            "gp_certificate": photo_file(),
        },
    )
    step_done(r, "hubei", "history")
    app = draft(demo, "hubei", walked.doctor_id)
    assert (
        app.scopes == ["internal", "surgery", "paediatrics", "general_practice"]
        and app.needs_county_approval
    )
