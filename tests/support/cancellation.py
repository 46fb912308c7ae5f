"""Shared by the cancellation tests (L4, I6, A9, L3): a registered demo doctor, and what the
database says of their applications."""

from __future__ import annotations

from portal.extensions import db
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, Walked, doctor_form, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")  # 远安县人民医院
AYI = doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli")  # 武昌区


def registered(
    app,
    form: dict = LI,
    staff_name: str = "hb-county-staff",
    institution: str = "远安",
    officer: Browser | None = None,
) -> tuple[Walked, Browser, Browser]:
    """A doctor registered at ``institution`` (approved by the province's officer), with the
    institution's logged-in staff browser and the officer's (pass one in: a second log-in in
    the same 30 seconds would reuse the TOTP code)."""
    staff = staff_login(app, staff_name)
    walked = walk_doctor(
        app,
        "hubei",
        form,
        until="confirmed",
        staff=staff,
        institution=institution,
        scope="internal" if institution == "远安" else "tcm",
    )
    officer = officer or staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    return walked, staff, officer


def applications_of(app, doctor_id: int) -> list[Application]:
    with in_tenant(app, "hubei"):
        rows = (
            db.session.execute(
                db.select(Application).filter_by(doctor_id=doctor_id).order_by(Application.id)
            )
            .scalars()
            .all()
        )
        db.session.expunge_all()
        return rows


def audit_actions(app, entity_id: int) -> list[str]:
    with in_tenant(app, "hubei"):
        return list(
            db.session.execute(
                db.select(AuditLog.action)
                .where(AuditLog.entity == "application", AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id)
            ).scalars()
        )


def certificate_of(app, app_id: int) -> str:
    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).certificate_no
