"""Activation (D4, D5, I3): the doctor names the main practice institution and is activated by
its code or its automatic activation; a doctor registered on paper before the portal takes over
that registration (F17). Each: the change, the audit row and the messages in one transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.registry.records import PracticeRecord
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow.audit import audit, snapshot
from portal.workflow.identity import follow_institution, open_case
from portal.workflow.locks import WrongState, lock, lock_unless, take
from portal.workflow.takeover import record_to_take_over, take_over

__all__ = ["record_to_take_over"]  # the doctor's activation page reads it here


class NotWhereRegistered(WrongState):
    """D5, F17, L2: a doctor registered before the portal named another institution than the
    one on their practice record: they activate there, and moving is a change of registration
    once activated. ``record`` says where they are registered (its ``institution`` is None
    while the record names no institution of the portal: an officer sets it)."""

    def __init__(self, record: PracticeRecord):
        super().__init__(f"practice record {record.certificate_no} is at another institution")
        self.record = record


def name_institution(doctor: User, institution, tenant: Tenant) -> bool:
    """D4: the doctor names the main practice institution. Returns True when the
    institution's automatic activation activated the account at once. A doctor registered
    before the portal names the institution on their record only (D5): ``NotWhereRegistered``."""
    lock_unless(doctor, _activated, "already activated")
    record = record_to_take_over(doctor)
    if record is not None:
        take(record)  # an officer's correction of the record waits, or went first (A9)
        if record.institution_id != institution.id:
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
    where they are registered; the practice record (Q2) then becomes their registration here
    (``portal.workflow.takeover``). A record that does not say the level, of a doctor with no
    qualification record, opens an identity case instead: the commission reads the paper
    certificate and links the qualification record, which takes the registration over then."""
    record = record_to_take_over(doctor)
    if record is None or doctor.institution_id is None:
        return
    take(record)
    if record.institution_id != doctor.institution_id:
        # an officer corrected the record after the doctor named the institution: the
        # registration is not taken over at the wrong one; the commission sorts it out (A3)
        open_case(doctor, f"practice record {record.certificate_no}: at another institution")
        return
    if not take_over(doctor, record, by):
        open_case(doctor, f"practice record {record.certificate_no}: level or category unknown")
        return
    notify_user(
        doctor,
        _(
            "Your account on the physician registration portal is activated. You can now apply for registration."
        ),
        subject=_("Account activated"),
        sms=sms("account_activated"),
    )
