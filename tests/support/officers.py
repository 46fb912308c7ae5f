"""Shared by the officer tests (A1, A4, A5, L1): applications confirmed at institutions of
different counties, a multi-scope one, and a second county of 宜昌市 with its own hospital."""

from __future__ import annotations

from datetime import timedelta

from devdata.demo import DEMO_PASSWORD, demo_totp_secret
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today
from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.registry.records import Category, Level, Qualification
from portal.tenants.models import Region
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import Walked, doctor_form, fill_wizard, resident_id, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")  # 远安县, 宜昌市
AYI = doctor_form(
    "阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli"
)  # 武昌区, 武汉市
ZHOU = doctor_form(
    "周一鸣", resident_id("42050619900101123"), "13800138003", "zhouyiming"
)  # 夷陵区, 宜昌市


def officer(app, username: str, htmx: bool = False) -> Browser:
    return english(staff_login(app, username, htmx=htmx))


def confirmed_at_yuanan(app, form=LI, scopes=("internal",)) -> Walked:
    """A doctor of 远安县人民医院 (county level, 远安县 of 宜昌市), confirmed by its staff."""
    staff = staff_login(app, "hb-county-staff")
    if len(scopes) == 1:
        return walk_doctor(
            app, "hubei", form, until="confirmed", staff=staff, institution="远安", scope=scopes[0]
        )
    walked = walk_doctor(app, "hubei", form, until="activated", staff=staff, institution="远安")
    fill_wizard(walked.browser, "hubei", scopes=scopes)
    walked.browser.page("/hubei/me/application/review")
    redirected_to(walked.browser.post("/hubei/me/application/review", {}))
    with in_tenant(app, "hubei"):
        walked.app_id = (
            db.session.execute(
                db.select(Application.id)
                .filter_by(doctor_id=walked.doctor_id)
                .order_by(Application.id.desc())
            )
            .scalars()
            .first()
        )
        assert db.session.get(Application, walked.app_id).needs_county_approval
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{walked.app_id}/confirm"))
    return walked


def confirmed_at_wuchang(app) -> Walked:
    """A doctor of 湖北省演示第一医院 (武昌区 of 武汉市), confirmed by its staff."""
    staff = staff_login(app, "hb-tertiary-staff")
    return walk_doctor(
        app,
        "hubei",
        AYI,
        until="confirmed",
        staff=staff,
        institution="湖北省演示第一医院",
        scope="tcm",
    )


def add_yiling(app) -> None:
    """A second county of 宜昌市 (夷陵区) with a county hospital, its staff member and a
    qualification record for ZHOU: what provisioning would have created."""
    with in_tenant(app, "hubei"):
        city = db.session.execute(db.select(Region).filter_by(code="420500")).scalar_one()
        county = Region(code="420506", name="夷陵区", level="county", parent_id=city.id)
        db.session.add(county)
        db.session.flush()
        inst = Institution(
            name="夷陵区人民医院（测试）",
            licence_no="PDY42050600009",
            level=InstitutionLevel.COUNTY,
            county_id=county.id,
        )
        db.session.add(inst)
        db.session.flush()
        db.session.add(
            User(
                username="hb-yiling-staff",
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role.STAFF,
                real_name="测试账号",
                institution_id=inst.id,
                totp_secret=demo_totp_secret("hb-yiling-staff"),
                email="hb-yiling-staff@example.invalid",
            )
        )
        db.session.add(
            Qualification(
                name=ZHOU["real_name"],
                id_number=ZHOU["id_number"],
                certificate_no="H2024420000009",
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=local_today() - timedelta(days=100),
            )
        )
        db.session.commit()


def confirmed_at_yiling(app) -> Walked:
    staff = staff_login(app, "hb-yiling-staff")
    return walk_doctor(app, "hubei", ZHOU, until="confirmed", staff=staff, institution="夷陵区")


def state_of(app, app_id: int) -> str:
    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).state.value
