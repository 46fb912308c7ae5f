"""Activation (D4, D5, I3): the doctor names the main practice institution and is activated by
its code or its automatic activation; a doctor registered on paper before the portal takes over
that registration (F17). Each: the change, the audit row and the messages in one transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.registry.records import Category, PracticeRecord, find_practice_record
from portal.rules import import_format as fmt
from portal.rules.catalogue import scope_keys_from_names
from portal.rules.registration import valid_until
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow.applications import FIELDS
from portal.workflow.audit import audit, snapshot
from portal.workflow.identity import follow_institution, open_case
from portal.workflow.locks import WrongState, lock, lock_unless
from portal.workflow.models import Application, Kind, State


class NotWhereRegistered(WrongState):
    """D5, F17, L2: a doctor registered before the portal named another institution than the
    one on their practice record: they activate there, and moving is a change of registration
    once activated. ``record`` says where they are registered (its ``institution`` is None
    while the record names no institution of the portal: an officer sets it)."""

    def __init__(self, record: PracticeRecord):
        super().__init__(f"practice record {record.certificate_no} is at another institution")
        self.record = record


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


def name_institution(doctor: User, institution, tenant: Tenant) -> bool:
    """D4: the doctor names the main practice institution. Returns True when the
    institution's automatic activation activated the account at once. A doctor registered
    before the portal names the institution on their record only (D5): ``NotWhereRegistered``."""
    lock_unless(doctor, _activated, "already activated")
    record = record_to_take_over(doctor)
    if record is not None and record.institution_id != institution.id:
        raise NotWhereRegistered(record)
    before = snapshot(doctor, ("institution_id",))
    doctor.institution_id = institution.id
    doctor.institution_named_at = utcnow()
    audit(
        "user", doctor.id, "name_institution", doctor, before, snapshot(doctor, ("institution_id",))
    )
    if not doctor.identity_verified:  # A3: an open identity case moves to the institution's region
        follow_institution(doctor)
    auto = (
        institution.auto_activation and rules_for(tenant)["institutions"]["auto_activation_allowed"]
    )
    if auto:
        _activate(doctor, None, "auto")
    db.session.commit()
    return auto


def _activated(doctor: User) -> bool:
    return doctor.activated_at is not None


def activate(doctor: User, by: User | None, how: str) -> None:
    """D4: by the institution's code (the code was checked by the caller) or automatically;
    of two activations at once, the second is refused (``Decided``)."""
    lock_unless(doctor, _activated, "already activated")
    _activate(doctor, by, how)
    db.session.commit()


def set_auto_activation(institution, enabled: bool, staff: User, waiting: list[User]) -> None:
    """I3: the switch means "no code needed", so doctors already waiting are activated too
    (each one unless a code activated it meanwhile)."""
    lock(institution)
    before = {"auto_activation": institution.auto_activation}
    institution.auto_activation = enabled
    audit(
        "institution",
        institution.id,
        "auto_activation",
        staff,
        before,
        {"auto_activation": enabled},
    )
    if enabled:
        for doctor in waiting:
            lock(doctor)
            if not _activated(doctor):
                _activate(doctor, staff, "auto")
    db.session.commit()


def _activate(doctor: User, by: User | None, how: str) -> None:
    doctor.activated_at = utcnow()
    audit(
        "user",
        doctor.id,
        "activate",
        by or doctor,
        {"activated_at": None},
        snapshot(doctor, ("activated_at",)),
        how,
    )
    _take_over_practice_record(doctor, by)


def _take_over_practice_record(doctor: User, by: User | None) -> None:
    """D5/F17: a doctor registered on paper before the portal activates with the institution
    where they are registered; the practice record (Q2) then becomes their registration here,
    with its certificate number and date, so every service (change, maintenance, filing,
    cancellation) works for them."""
    record = record_to_take_over(doctor)
    if record is None or doctor.institution_id is None:
        return
    q = doctor.qualification
    # F17: the paper registration is the basis, with or without a qualification record on the
    # portal: its level as written on the certificate, its category from its scopes (L9)
    level = q.level if q is not None else record.level
    categories = fmt.scope_categories(fmt.scope_names(record.scopes))
    category = (
        q.category
        if q is not None
        else Category(categories.pop())
        if len(categories) == 1
        else None
    )
    if level is None or category is None:
        # the record does not say which: the commission reads the paper certificate (A3)
        open_case(doctor, f"practice record {record.certificate_no}: level or category unknown")
        return
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
    notify_user(
        doctor,
        _(
            "Your account on the physician registration portal is activated. You can now apply for registration."
        ),
        subject=_("Account activated"),
    )
