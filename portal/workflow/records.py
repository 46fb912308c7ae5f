"""Practice records made before the portal (Q2, D5): an officer corrects the institution on a
record (a wrong one in the province's file, or a name that matched no institution at import).
The change, its audit row (A8) and the doctor's message in one transaction.

Once the doctor has activated and the record became their registration here, the record is
history: moving to another institution is then a change of registration (L2), not a correction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _  # written in the recipient's language

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.notify.services import notify_user
from portal.notify.sms import sms
from portal.registry.institutions import Institution
from portal.registry.records import PracticeRecord
from portal.workflow.audit import audit
from portal.workflow.locks import WrongState, lock, take
from portal.workflow.models import Application


class TakenOver(WrongState):
    """The record is already a registration on the portal: a move is a change (L2)."""


def taken_over(record: PracticeRecord) -> bool:
    return (
        db.session.execute(
            db.select(Application.id).filter_by(certificate_no=record.certificate_no).limit(1)
        ).first()
        is not None
    )


def set_institution(
    record: PracticeRecord, institution: Institution, officer: User, reason: str
) -> None:
    """D5: the institution where the doctor is registered, as the paper record says. The
    doctor's account, when there is one waiting for activation, is told; its row is taken
    before the record's, in the order the activation takes them (no deadlock, A9)."""
    doctor = db.session.execute(
        db.select(User)
        .filter_by(role=Role.DOCTOR, real_name=record.name, id_number=record.id_number)
        .where(User.activated_at.is_(None), User.disabled.is_(False))
        .limit(1)
    ).scalar_one_or_none()
    if doctor is not None:
        take(doctor)
    lock(record)
    if taken_over(record):
        raise TakenOver(f"practice record {record.certificate_no} is a registration now")
    before = {"institution_id": record.institution_id}
    record.institution_id = institution.id
    audit(
        "practice_record",
        record.id,
        "set_institution",
        officer,
        before,
        {"institution_id": institution.id},
        reason,
    )
    if doctor is not None and doctor.activated_at is None:
        notify_user(
            doctor,
            _(
                "The health commission corrected your registration from before the portal: you "
                "are registered at %(name)s. Activate your account with this institution.",
                name=institution.name,
            ),
            subject=_("Your registration record was corrected"),
            sms=sms("record_corrected", inst=institution.name),
        )
    db.session.commit()
