"""Doctors registered on paper before the portal (D5, Q2, F17, L2; issue 12): each kind, from
sign-up to a change of registration, through HTTP.

- 刘建国: a practice record at 远安县人民医院（演示） and a qualification record;
- 王德明: a practice record at the same hospital and no qualification record: F17 says that,
  once activated with the registered institution, he "can query personal information or handle
  business": the record is the basis of his registration here (its level and scopes).

Both try the provincial hospital first and are told where they are registered; the
registration is taken over only at the institution on record."""

from __future__ import annotations

import re
from datetime import date

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import Category, IdentityCase, Level, PracticeRecord, Qualification
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import english, redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    activate_by_code,
    doctor_form,
    institution_id,
    photo_file,
    sign_up,
    step_done,
    user_id,
    verify_phone,
)

LIU = doctor_form("刘建国", "420525198005063211", "13800138071", "liujianguo")
WANG = doctor_form("王德明", "420525197603124518", "13800138072", "wangdeming")
CERT = {"刘建国": "110420525000123", "王德明": "110420525000456"}


def registrations(app, doctor_id: int) -> list[tuple]:
    with in_tenant(app, "hubei"):
        return [
            (
                a.kind.value,
                a.state.value,
                a.certificate_no,
                a.institution.name,
                a.level.value,
                a.category.value,
                list(a.scopes),
                a.qualification_id is not None,
            )
            for a in db.session.execute(
                db.select(Application).filter_by(doctor_id=doctor_id).order_by(Application.id)
            ).scalars()
        ]


def named_institution(app, doctor_id: int) -> int | None:
    with in_tenant(app, "hubei"):
        return db.session.get(User, doctor_id).institution_id


def walk(app, form, scope_key, new_scopes):
    """Sign-up, the wrong institution refused, the right one, the code, then a change."""
    b = sign_up(app, "hubei", form)
    english(b)
    doctor_id = user_id(app, "hubei", form["username"])
    home = b.page("/hubei/me").get_data(as_text=True)
    assert CERT[form["real_name"]] in home and "远安县人民医院（演示）" in home
    verify_phone(app, b, "hubei", form["phone"])

    # D5/L2: the provincial hospital is not where he is registered
    page = b.page("/hubei/me/activate").get_data(as_text=True)
    assert "Choose 远安县人民医院（演示）" in page  # offered first, without a search
    other = institution_id(app, "hubei", "演示第一")
    r = b.post("/hubei/me/activate/institution", {"institution_id": str(other)})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "You are registered at 远安县人民医院（演示）, not at 湖北省演示第一医院" in text
    assert "change of registration" in text
    assert named_institution(app, doctor_id) is None and registrations(app, doctor_id) == []

    yuanan = institution_id(app, "hubei", "远安")
    redirected_to(b.post("/hubei/me/activate/institution", {"institution_id": str(yuanan)}))
    assert named_institution(app, doctor_id) == yuanan
    staff = staff_login(app, "hb-county-staff")
    activate_by_code(app, b, staff, "hubei", doctor_id, form["phone"])

    # F17: the paper registration is the registration in force, at the institution on record
    [reg] = registrations(app, doctor_id)
    assert reg[:4] == ("first", "approved", CERT[form["real_name"]], "远安县人民医院（演示）")
    assert reg[6] == [scope_key]
    home = b.page("/hubei/me").get_data(as_text=True)
    assert "Start my application" not in home
    assert "/hubei/me/maintenance" in home and "/hubei/me/application/new/change" in home
    for service in ("maintenance", "sites", "certificate"):  # F17: every service, no dead end
        assert b.client.get(f"/hubei/me/{service}").status_code == 200, service

    # L2: a change of registration (the practice scopes), decided by the commission
    r = b.post("/hubei/me/application/new/change", {})
    assert redirected_to(r).endswith("/hubei/me/application/practice")
    b.page("/hubei/me/application/practice")
    step_done(b.post("/hubei/me/application/practice", {"scopes": new_scopes}), "hubei", "history")
    # the paper registration had no home address, history or photo: the change asks for them
    review = b.page("/hubei/me/application/review").get_data(as_text=True)
    assert "Before you submit, complete" in review
    base = "/hubei/me/application"
    b.page(base + "/personal")
    step_done(
        b.post(base + "/personal", {"home_address": "湖北省远安县演示街 3 号"}),
        "hubei",
        "qualification",
    )
    b.page(base + "/qualification")  # what the registration rests on, shown, not chosen
    b.page(base + "/history")
    step_done(
        b.post(
            base + "/history",
            {"work_experience": "2025 起 远安县人民医院", "rewards_punishments": "无"},
        ),
        "hubei",
        "photo",
    )
    b.page(base + "/photo")
    r = b.post(base + "/photo", {"action": "upload", "photo": photo_file()})
    pending = re.search(r'name="pending_id" value="(\d+)"', r.get_data(as_text=True)).group(1)
    step_done(b.post(base + "/photo", {"action": "use", "pending_id": pending}), "hubei", "review")
    b.page(base + "/review")
    redirected_to(b.post(base + "/review", {}))
    change = registrations(app, doctor_id)[-1]
    assert change[:2] == ("change", "submitted")
    with in_tenant(app, "hubei"):
        change_id = (
            db.session.execute(
                db.select(Application.id)
                .filter_by(doctor_id=doctor_id)
                .order_by(Application.id.desc())
            )
            .scalars()
            .first()
        )
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{change_id}/confirm"))
    officer = staff_login(app, "hb-county-officer")
    officer.page(f"/hubei/admin/applications/{change_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{change_id}/approve", {"materials": ALL_MATERIALS})
    )
    old, new = registrations(app, doctor_id)
    assert old[1] == "superseded" and new[:3] == ("change", "approved", old[2])
    assert new[6] == new_scopes
    return old


def test_D5_F17_a_doctor_with_a_record_and_a_qualification_from_sign_up_to_a_change(demo):
    taken_over = walk(demo, LIU, "internal", ["internal", "general_practice"])
    assert taken_over[4:6] == ("practitioner", "clinical") and taken_over[7]  # his qualification


def test_D5_F17_a_doctor_with_a_record_and_no_qualification_from_sign_up_to_a_change(demo):
    taken_over = walk(demo, WANG, "surgery", ["surgery", "internal"])
    # the level written on the paper certificate, the category of its scopes; no qualification
    assert taken_over[4:6] == ("practitioner", "clinical") and not taken_over[7]
    with in_tenant(demo, "hubei"):
        assert db.session.execute(db.select(IdentityCase.id)).first() is None


def test_D5_a_record_naming_no_institution_of_the_portal_cannot_be_activated_elsewhere(demo):
    with in_tenant(demo, "hubei"):
        record = db.session.execute(
            db.select(PracticeRecord).filter_by(certificate_no=CERT["王德明"])
        ).scalar_one()
        record.institution_id = None
        db.session.commit()
    b = sign_up(demo, "hubei", WANG)
    english(b)
    verify_phone(demo, b, "hubei", WANG["phone"])
    page = b.page("/hubei/me/activate").get_data(as_text=True)
    assert "which is not on the portal yet" in page
    for name in ("演示第一", "远安"):
        r = b.post(
            "/hubei/me/activate/institution",
            {"institution_id": str(institution_id(demo, "hubei", name))},
        )
        assert r.status_code == 422
    assert named_institution(demo, user_id(demo, "hubei", WANG["username"])) is None


def test_F17_a_record_without_the_level_opens_a_case_and_the_link_takes_it_over(demo):
    """An older file had no 医师级别 column: with no qualification record either, the activation
    opens an identity case for the commission instead of guessing; the officer links the
    qualification record once the documents are checked, and the registration is taken over."""
    with in_tenant(demo, "hubei"):
        db.session.execute(
            db.update(PracticeRecord)
            .where(PracticeRecord.certificate_no == CERT["王德明"])
            .values(level=None)
        )
        db.session.commit()
    b = sign_up(demo, "hubei", WANG)
    doctor_id = user_id(demo, "hubei", WANG["username"])
    verify_phone(demo, b, "hubei", WANG["phone"])
    redirected_to(
        b.post(
            "/hubei/me/activate/institution",
            {"institution_id": str(institution_id(demo, "hubei", "远安"))},
        )
    )
    activate_by_code(
        demo, b, staff_login(demo, "hb-county-staff"), "hubei", doctor_id, WANG["phone"]
    )
    assert registrations(demo, doctor_id) == []
    with in_tenant(demo, "hubei"):
        case = db.session.execute(db.select(IdentityCase).filter_by(user_id=doctor_id)).scalar_one()
        case_id = case.id
        assert "level or category unknown" in case.note
        db.session.add(
            Qualification(
                name=WANG["real_name"],
                id_number=WANG["id_number"],
                certificate_no="H2000420000456",
                level=Level.ASSISTANT,
                category=Category.CLINICAL,
                obtained_on=date(2000, 9, 1),
            )
        )
        db.session.commit()
    officer = staff_login(demo, "hb-county-officer")
    officer.page(f"/hubei/admin/identity-cases/{case_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/identity-cases/{case_id}/link", {"certificate_no": "H2000420000456"}
        )
    )
    [reg] = registrations(demo, doctor_id)
    assert reg[:5] == ("first", "approved", CERT["王德明"], "远安县人民医院（演示）", "assistant")
    assert reg[7]  # on the qualification linked
