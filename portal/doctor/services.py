"""The doctor's end: sign-up with identity matching (D1, D2), drafts (D9)."""

from __future__ import annotations

from datetime import date

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.admin.models import IdentityCase, PracticeRecord, Qualification
from portal.extensions import db
from portal.rules.identity import normalise_real_name
from portal.rules.registration import valid_until
from portal.workflow import audit
from portal.workflow.models import Application, Document, Kind, State


def find_qualification(name: str, id_number: str) -> Qualification | None:
    return db.session.execute(
        db.select(Qualification).filter_by(name=name, id_number=id_number).order_by(Qualification.obtained_on.desc()).limit(1)
    ).scalar_one_or_none()


def find_practice_record(name: str, id_number: str) -> PracticeRecord | None:
    return db.session.execute(
        db.select(PracticeRecord).filter_by(name=name, id_number=id_number).limit(1)
    ).scalar_one_or_none()


def username_taken(username: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(username=username)).first() is not None


def id_number_taken(id_number: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(id_number=id_number, role=Role.DOCTOR)).first() is not None


def sign_up(*, real_name: str, id_number: str, phone: str, email: str, username: str, password: str) -> User:
    """Create the doctor's account; match it against Q1/Q2 or open an identity case (D2)."""
    real_name = normalise_real_name(real_name)
    id_number = id_number.strip().upper()
    qualification = find_qualification(real_name, id_number)
    record = None if qualification else find_practice_record(real_name, id_number)
    user = User(
        username=username.strip(), password_hash=hash_password(password), role=Role.DOCTOR,
        real_name=real_name, id_number=id_number, phone=phone.strip(), email=email.strip().lower(),
        identity_verified=bool(qualification or record), qualification=qualification,
    )
    db.session.add(user)
    db.session.flush()
    audit("user", user.id, "sign_up", user, {}, {"identity_verified": user.identity_verified})
    if not user.identity_verified:
        db.session.add(IdentityCase(user_id=user.id, note="no qualification or practice record matched at sign-up"))
    db.session.commit()
    return user


OPEN = (State.DRAFT, State.SUBMITTED, State.REJECTED, State.RETURNED, State.CONFIRMED)


def open_application(doctor: User) -> Application | None:
    """The application in progress, if any: one is open at a time (D7)."""
    return db.session.execute(
        db.select(Application).where(Application.doctor_id == doctor.id, Application.state.in_(OPEN))
        .order_by(Application.id.desc()).limit(1)
    ).scalar_one_or_none()


def current_registration(doctor: User) -> Application | None:
    """The registration in force: the latest approved first registration or change (D18)."""
    return db.session.execute(
        db.select(Application).where(Application.doctor_id == doctor.id, Application.state == State.APPROVED,
                                     Application.kind != Kind.CANCEL)
        .order_by(Application.id.desc()).limit(1)
    ).scalar_one_or_none()


def lapsed_or_cancelled(doctor: User, today, valid_years: int) -> tuple[Application, date] | None:
    """R3/L5: the last registration when it has lapsed or was cancelled, with the day practice
    under it stopped; None while a registration is in force."""
    last = db.session.execute(
        db.select(Application).where(Application.doctor_id == doctor.id, Application.kind != Kind.CANCEL,
                                     Application.state.in_((State.APPROVED, State.CANCELLED)),
                                     Application.registered_on.is_not(None))
        .order_by(Application.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return None
    if last.state is State.CANCELLED:
        return last, (last.decided_at.date() if last.decided_at else today)
    until = valid_until(last.registered_on, valid_years)
    return (last, until) if until < today else None


def last_decided(doctor: User) -> Application | None:
    """The latest application decided, e.g. an approved cancellation, for the status line."""
    return db.session.execute(
        db.select(Application).where(Application.doctor_id == doctor.id,
                                     Application.state.not_in((*OPEN, State.EXPIRED)))
        .order_by(Application.id.desc()).limit(1)
    ).scalar_one_or_none()


def start_change(doctor: User, registration: Application, kind: Kind) -> Application:
    """D7: a change of registration starts as a copy of the registration in force, at the
    practice step; a cancellation carries only what identifies the registration."""
    app = Application(doctor_id=doctor.id, kind=kind, previous_id=registration.id, state=State.DRAFT,
                      level=registration.level, category=registration.category,
                      qualification_id=registration.qualification_id, institution_id=registration.institution_id,
                      scopes=[], step="practice")
    if kind in (Kind.CHANGE, Kind.REREGISTER):
        for name in ("scopes", "gp_transfer_training", "gp_certificate_id", "contract_start", "contract_end",
                     "home_address", "work_experience", "rewards_punishments", "photo_id"):
            setattr(app, name, getattr(registration, name))
    db.session.add(app)
    db.session.flush()
    return app


#: returned by the institution (D15) or by the commission (A4): the doctor corrects and submits again
EDITABLE = (State.DRAFT, State.REJECTED, State.RETURNED)


# ---- the wizard (D9) ------------------------------------------------------------------------

STEPS = ("personal", "qualification", "practice", "history", "photo", "review")


def qualifications_of(doctor: User) -> list[Qualification]:
    """Every live qualification record of this doctor (R4: there may be two)."""
    return list(db.session.execute(
        db.select(Qualification)
        .filter_by(name=doctor.real_name, id_number=doctor.id_number, cancelled_on=None)
        .order_by(Qualification.obtained_on, Qualification.id)
    ).scalars())


def ever_registered(doctor: User) -> bool:
    approved = db.session.execute(
        db.select(Application.id).filter_by(doctor_id=doctor.id, state=State.APPROVED).limit(1)
    ).first()
    return approved is not None or find_practice_record(doctor.real_name, doctor.id_number) is not None


def registered_qualification(app: Application, doctor: User) -> Qualification:
    return app.qualification if app is not None and app.qualification is not None else doctor.qualification


def store_document(doctor: User, kind: str, processed) -> Document:
    doc = Document(owner_id=doctor.id, kind=kind, content_type=processed.content_type, data=processed.data,
                   width=processed.width, height=processed.height)
    db.session.add(doc)
    db.session.flush()
    return doc


def own_document(doctor: User, doc_id: int, kind: str | None = None) -> Document | None:
    doc = db.session.get(Document, doc_id)
    if doc is None or doc.owner_id != doctor.id or (kind and doc.kind != kind):
        return None
    return doc


def new_draft(doctor: User) -> Application:
    q = doctor.qualification
    app = Application(doctor_id=doctor.id, level=q.level, category=q.category, qualification_id=q.id,
                      institution_id=doctor.institution_id, state=State.DRAFT, scopes=[])
    db.session.add(app)
    db.session.flush()
    return app
