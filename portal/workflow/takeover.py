"""D5/F17: a registration made on paper before the portal (a practice record, Q2) becomes the
doctor's registration here, with its certificate number and date, so every service (change,
maintenance, filing, cancellation) works for them. Part of the caller's transaction: the
activation at the institution on record (``activation``), or an officer linking the
qualification record of a doctor whose record did not say the level (``identity``)."""

from __future__ import annotations

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.registry.records import Category, PracticeRecord, find_practice_record
from portal.rules import import_format as fmt
from portal.rules.catalogue import scope_keys_from_names
from portal.rules.registration import valid_until
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow.applications import FIELDS
from portal.workflow.audit import audit, snapshot
from portal.workflow.models import Application, Kind, State


def record_to_take_over(doctor: User) -> PracticeRecord | None:
    """D5: the doctor's practice record made before the portal, unless it is already a
    registration here (taken over, by this account or an earlier one)."""
    record = find_practice_record(doctor.real_name, doctor.id_number)
    if record is None:
        return None
    if db.session.execute(
        db.select(Application.id).filter_by(certificate_no=record.certificate_no).limit(1)
    ).first():
        return None
    return record


def take_over(doctor: User, record: PracticeRecord, by: User | None) -> bool:
    """The record becomes the registration in force at the doctor's institution. F17: with or
    without a qualification record on the portal: the qualification's level and category, else
    the level written on the paper certificate (the import's 医师级别) and the category of the
    record's scopes (L9). False, and nothing written, when neither says the level."""
    q = doctor.qualification
    level = q.level if q is not None else record.level
    categories = fmt.scope_categories(fmt.scope_names(record.scopes))
    if q is not None:
        category = q.category
    else:
        category = Category(categories.pop()) if len(categories) == 1 else None
    if level is None or category is None:
        return False
    app = Application(
        doctor_id=doctor.id,
        kind=Kind.FIRST,
        state=State.APPROVED,
        level=level,
        category=category,
        qualification_id=q.id if q is not None else None,
        institution_id=doctor.institution_id,
        scopes=scope_keys_from_names(category.value, record.scopes),
        certificate_no=record.certificate_no,
        registered_on=record.registered_on,
        step="review",
        decided_at=utcnow(),
    )
    # R3: valid by the rules in force when it becomes a registration here (it was never
    # submitted under any version of this portal's rules)
    years = rules_for(db.session.get(Tenant, doctor.tenant_id))["registration"]["valid_years"]
    app.valid_until = valid_until(record.registered_on, years)
    db.session.add(app)
    db.session.flush()
    audit(
        "application",
        app.id,
        "take_over_practice_record",
        by or doctor,
        {},
        snapshot(app, FIELDS),
        f"practice record {record.certificate_no}",
    )
    return True
