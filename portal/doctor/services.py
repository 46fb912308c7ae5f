"""What the doctor's pages read: the applications, the registration in force, what a new
application needs (D7, D18, R3, L5), the wizard's qualification records and documents (D9).
Sign-up and drafts are written by ``portal.workflow.signup`` and ``portal.workflow.drafts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import (
    CaseStatus,
    Category,
    IdentityCase,
    Level,
    Qualification,
    find_practice_record,
)
from portal.rules.certificates import exam_years_in_force
from portal.rules.lapse import assessment_required
from portal.workflow.history import (  # noqa: F401 (the doctor's pages read them here too)
    CERTIFICATES,
    REGISTERED,
    applications_of,
    assistant_registered_on,
    certificate_of,
    practice_time_of,
)
from portal.workflow.models import Application, Document, Kind, State


def open_identity_case(doctor: User) -> IdentityCase | None:
    """The doctor's open identity case (D2, A3), if any: its region says whose officers handle it."""
    return db.session.execute(
        db.select(IdentityCase)
        .filter_by(user_id=doctor.id, status=CaseStatus.OPEN)
        .order_by(IdentityCase.id.desc())
        .limit(1)
    ).scalar_one_or_none()


OPEN = (State.DRAFT, State.SUBMITTED, State.REJECTED, State.RETURNED, State.CONFIRMED)


def _newest(doctor: User, among: list[Application] | None, test) -> Application | None:
    return next((a for a in (applications_of(doctor) if among is None else among) if test(a)), None)


def open_application(doctor: User, among: list[Application] | None = None) -> Application | None:
    """The application in progress, if any: one is open at a time (D7)."""
    return _newest(doctor, among, lambda a: a.state in OPEN)


def current_registration(
    doctor: User, among: list[Application] | None = None
) -> Application | None:
    """The registration in force: the latest approved first registration or change (D18)."""
    return _newest(doctor, among, lambda a: a.state is State.APPROVED and a.kind is not Kind.CANCEL)


def lapsed_or_cancelled(
    doctor: User, today, among: list[Application] | None = None
) -> tuple[Application, date] | None:
    """R3/L5: the last registration when it has lapsed or was cancelled, with the day practice
    under it stopped; None while a registration is in force. A registration lapses after its
    valid-until day, fixed at approval by the rules it was submitted under (A6)."""
    last = _newest(
        doctor,
        among,
        lambda a: (
            a.kind is not Kind.CANCEL
            and a.registered_on is not None
            and a.state in (State.APPROVED, State.CANCELLED)
        ),
    )
    if last is None:
        return None
    if last.state is State.CANCELLED:
        return last, (last.decided_at.date() if last.decided_at else today)
    return (last, last.valid_until) if last.valid_until < today else None


def assessment_needed(
    doctor: User, app: Application | None, among: list[Application] | None = None
) -> bool:
    """L5: a new application after a refusal (rules.lapse.assessment_required): the doctor's
    earlier applications for a registration, decided, in order (a cancellation is none)."""
    history = applications_of(doctor) if among is None else among
    outcomes = [
        "refused" if a.state is State.REFUSED else "approved"
        for a in sorted(history, key=lambda a: a.id)
        if (app is None or a.id != app.id)
        and a.kind is not Kind.CANCEL
        and (a.state is State.REFUSED or (a.state in REGISTERED and a.registered_on is not None))
    ]
    return assessment_required(outcomes)


def exam_years(registration: Application | None, today: date) -> tuple[int, int] | None:
    """R5 (FAQ F7): for an assistant physician's registration in force, the year of this
    practitioner exam and the years of practice counted toward it (rules.certificates)."""
    if registration is None or registration.state is not State.APPROVED:
        return None
    return exam_years_in_force(
        registration.level.value, registration.registered_on, registration.valid_until, today
    )


def last_decided(doctor: User, among: list[Application] | None = None) -> Application | None:
    """The latest application decided, e.g. an approved cancellation, for the status line."""
    return _newest(doctor, among, lambda a: a.state not in (*OPEN, State.EXPIRED))


#: returned by the institution (D15) or by the commission (A4): the doctor corrects and submits again
EDITABLE = (State.DRAFT, State.REJECTED, State.RETURNED)


def qualifications_of(doctor: User) -> list[Qualification]:
    """Every live qualification record of this doctor (R4: there may be two)."""
    return list(
        db.session.execute(
            db.select(Qualification)
            .filter_by(name=doctor.real_name, id_number=doctor.id_number, cancelled_on=None)
            .order_by(Qualification.obtained_on, Qualification.id)
        ).scalars()
    )


def ever_registered(doctor: User) -> bool:
    approved = db.session.execute(
        db.select(Application.id).filter_by(doctor_id=doctor.id, state=State.APPROVED).limit(1)
    ).first()
    return (
        approved is not None or find_practice_record(doctor.real_name, doctor.id_number) is not None
    )


@dataclass(frozen=True)
class RecordBasis:
    """F17, D5: what a registration taken over from a practice record rests on when the doctor
    has no qualification record on the portal: the level and category of the registration (as
    the paper certificate said), in the shape of a qualification record for the wizard's pages.
    The qualification was obtained by the registration date at the latest."""

    certificate_no: str
    level: Level
    category: Category
    obtained_on: date
    id: None = None
    rural_general: bool = False
    is_notice: bool = False


def registered_qualification(app: Application, doctor: User) -> Qualification | RecordBasis:
    q = app.qualification if app is not None and app.qualification is not None else None
    q = q or doctor.qualification
    if q is None and app is not None:
        reg = app  # a change in progress: the registration it starts from
        while reg is not None and reg.registered_on is None and reg.previous_id is not None:
            reg = db.session.get(Application, reg.previous_id)
        if reg is not None and reg.registered_on is not None:
            return RecordBasis(reg.certificate_no or "", app.level, app.category, reg.registered_on)
    return q


def store_document(doctor: User, kind: str, processed) -> Document:
    doc = Document(
        owner_id=doctor.id,
        kind=kind,
        content_type=processed.content_type,
        data=processed.data,
        width=processed.width,
        height=processed.height,
    )
    db.session.add(doc)
    db.session.flush()
    return doc


def own_document(doctor: User, doc_id: int, kind: str | None = None) -> Document | None:
    doc = db.session.get(Document, doc_id)
    if doc is None or doc.owner_id != doctor.id or (kind and doc.kind != kind):
        return None
    return doc
