"""What a doctor's applications say, read by every end (the doctor's pages, the institution's
queue, the officer's application page): the doctor's applications, the time at the institution
(D14, F10, F14), and the certificate scans an application carries (R1, R3, L5)."""

from __future__ import annotations

from datetime import date

from portal.accounts.models import User
from portal.extensions import db
from portal.rules.registration import practice_time
from portal.workflow.models import Application, Document, Kind, State

#: the states of an application that was a registration (in force, changed since, or ended)
REGISTERED = (State.APPROVED, State.SUPERSEDED, State.CANCELLED)


def applications_of(doctor: User) -> list[Application]:
    """Every application of the doctor, newest first: a handful, read in one statement. The
    functions below pick from it (``among``, when the caller has read it already: the home
    page asks them all, P6)."""
    return list(
        db.session.execute(
            db.select(Application)
            .where(Application.doctor_id == doctor.id)
            .order_by(Application.id.desc())
        ).scalars()
    )


def assistant_registered_on(doctor: User, among: list[Application] | None = None) -> date | None:
    """F14: the day the doctor's assistant physician registration succeeded (the first one), or
    None when they never held one: an assistant's time at the institution counts from it, and so
    does theirs once they register as a practitioner (D14)."""
    return min(
        (
            a.registered_on
            for a in (applications_of(doctor) if among is None else among)
            if a.level.value == "assistant"
            and a.kind is not Kind.CANCEL
            and a.state in REGISTERED
            and a.registered_on is not None
        ),
        default=None,
    )


def practice_time_of(
    app: Application, today: date, rules: dict, among: list[Application] | None = None
):
    """D14, F10, F14: ``app``'s time at its institution (rules.registration.practice_time)."""
    return practice_time(
        level=app.level.value,
        contract_start=app.contract_start,
        contract_end=app.contract_end,
        today=today,
        default_years=rules["registration"]["contract_default_years"],
        assistant_registered_on=assistant_registered_on(app.doctor, among),
    )


#: the certificate scans an application may carry, by the name in their address: general
#: practice on top (R1), training after a lapse (R3), assessment after a refusal (L5)
CERTIFICATES = {
    "gp": "gp_certificate_id",
    "training": "training_certificate_id",
    "assessment": "assessment_certificate_id",
}


def certificate_of(app: Application, which: str) -> Document | None:
    """The scan ``which`` (CERTIFICATES) of ``app``, or None."""
    attr = CERTIFICATES.get(which)
    doc_id = getattr(app, attr) if attr else None
    return db.session.get(Document, doc_id) if doc_id is not None else None


#: every file an application carries, by the name in its address: the photo (D11) and the scans
DOCUMENTS = {"photo": "photo_id", **CERTIFICATES}


def document_of(app: Application, which: str) -> Document | None:
    """The file ``which`` (DOCUMENTS) of ``app``, or None."""
    attr = DOCUMENTS.get(which)
    doc_id = getattr(app, attr) if attr else None
    return db.session.get(Document, doc_id) if doc_id is not None else None


def documents_of(app: Application) -> dict[str, Document]:
    """Every file ``app`` carries, by its name in DOCUMENTS (photo first), in one statement: what
    the staff vouch for and the officer decides on (issue 14)."""
    ids = {which: getattr(app, attr) for which, attr in DOCUMENTS.items() if getattr(app, attr)}
    if not ids:
        return {}
    docs = {
        d.id: d
        for d in db.session.execute(
            db.select(Document).where(Document.id.in_(ids.values()))
        ).scalars()
    }
    return {which: docs[i] for which, i in ids.items() if i in docs}
