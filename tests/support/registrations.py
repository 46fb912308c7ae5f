"""Registrations put in the database directly, for the FHIR interface and the bulk check (V3,
V4): one doctor with a full account (to search for, and to make sure nothing private leaks), and
thousands of registrations in mixed states written in a few statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import Category, Level
from portal.rules.registration import valid_until
from portal.tenants.scope import current_tenant_id
from portal.workflow.models import Application, Kind, State
from tests.support.db import in_tenant
from tests.support.journey import ALL_MATERIALS


@dataclass
class Doctor:
    tenant: str
    real_name: str
    id_number: str
    phone: str
    email: str
    username: str
    certificate_no: str
    institution: str
    app_id: int
    doctor_id: int


def _institution(name_part: str) -> Institution:
    return db.session.execute(
        db.select(Institution).filter(Institution.name.contains(name_part))
    ).scalar_one()


def _application(doctor_id: int, inst_id: int, **values) -> dict:
    now = utcnow()
    return {
        "doctor_id": doctor_id,
        "institution_id": inst_id,
        "level": Level.PRACTITIONER,
        "category": Category.CLINICAL,
        "scopes": ["internal"],
        "contract_start": date(2024, 1, 1),
        "contract_end": date(2030, 1, 1),
        "home_address": "演示省演示县演示街 1 号",
        "work_experience": "无",
        "rewards_punishments": "无",
        "submitted_at": now,
        "confirmed_at": now,
        "decided_at": now,
        "materials_received": ALL_MATERIALS,
        "state": State.APPROVED,
        **values,
    }


def add_doctor(
    app,
    tenant: str,
    *,
    real_name: str,
    id_number: str,
    phone: str,
    username: str,
    institution: str,
    certificate_no: str,
    registered_on: date | None = None,
    state: State = State.APPROVED,
    level: Level = Level.PRACTITIONER,
    category: Category = Category.CLINICAL,
    scopes: tuple[str, ...] = ("internal",),
) -> Doctor:
    """A doctor of ``tenant`` with a complete account and a registration (approved by default,
    registered 30 days ago) at the institution whose name contains ``institution``."""
    email = f"{username}@example.com"
    with in_tenant(app, tenant):
        inst = _institution(institution)
        now = utcnow()
        doctor = User(
            username=username,
            password_hash=hash_password("Secret-123"),
            role=Role.DOCTOR,
            real_name=real_name,
            id_number=id_number,
            phone=phone,
            email=email,
            phone_verified_at=now,
            identity_verified=True,
            institution_id=inst.id,
            institution_named_at=now,
            activated_at=now,
        )
        db.session.add(doctor)
        db.session.flush()
        on = registered_on or local_today() - timedelta(days=30)
        application = Application(
            **_application(
                doctor.id,
                inst.id,
                state=state,
                level=level,
                category=category,
                scopes=list(scopes),
                certificate_no=certificate_no,
                registered_on=on,
                valid_until=valid_until(on, 2),
            )
        )
        db.session.add(application)
        db.session.commit()
        return Doctor(
            tenant,
            real_name,
            id_number,
            phone,
            email,
            username,
            certificate_no,
            inst.name,
            application.id,
            doctor.id,
        )


def cancel(app, tenant: str, doctor: Doctor, decided_at: datetime) -> None:
    """The registration cancelled by an approved cancellation decided at ``decided_at`` (UTC)."""
    with in_tenant(app, tenant):
        reg = db.session.get(Application, doctor.app_id)
        reg.state = State.CANCELLED
        db.session.add(
            Application(
                **_application(
                    reg.doctor_id,
                    reg.institution_id,
                    kind=Kind.CANCEL,
                    previous_id=reg.id,
                    decided_at=decided_at,
                    cancel_ground="other",
                )
            )
        )
        db.session.commit()


def many_registrations(app, tenant: str, owner: Doctor, numbers: dict[str, str]) -> None:
    """One registration per number, all the ``owner``'s (the bulk check reads only the
    register's columns), in the state ``numbers`` gives: "registered" (in force), "lapsed"
    (valid-until passed) or "cancelled" (cancelled on the day 2026-01-05, Beijing)."""
    today = local_today()
    with in_tenant(app, tenant):
        inst_id = db.session.get(Application, owner.app_id).institution_id
        rows = []
        for number, state in numbers.items():
            on = today - timedelta(days=30 if state == "registered" else 3000)
            rows.append(
                _application(
                    owner.doctor_id,
                    inst_id,
                    certificate_no=number,
                    registered_on=on,
                    valid_until=valid_until(on, 2),
                    state=State.CANCELLED if state == "cancelled" else State.APPROVED,
                    decided_at=datetime(2026, 1, 5, 2, 0),  # 10:00 in Beijing
                    # a Core insert: the ORM's before_flush does not stamp the tenant
                    tenant_id=current_tenant_id(),
                )
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(db.insert(Application), rows[start : start + 1000])
        db.session.commit()


#: 李明华's certificate number in the demo's Hubei (the verification tests' registered doctor)
LI_NO = "114205250000001"


def add_li(app, **extra) -> Doctor:
    """李明华 of the demo, registered at 远安 with certificate LI_NO (V1–V4 tests)."""
    return add_doctor(
        app,
        "hubei",
        real_name="李明华",
        id_number="420525198803121236",
        phone="13800138001",
        username="liminghua",
        institution="远安",
        certificate_no=LI_NO,
        **extra,
    )
