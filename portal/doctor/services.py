"""The doctor's end: sign-up with identity matching (D1, D2), drafts (D9)."""

from __future__ import annotations

import secrets
from datetime import date

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.registry.records import CaseStatus, IdentityCase, PracticeRecord, Qualification
from portal.rules.certificates import exam_years_in_force
from portal.rules.identity import normalise_real_name
from portal.rules.lapse import assessment_required
from portal.workflow import identity as identity_workflow
from portal.workflow.audit import audit
from portal.workflow.history import (  # noqa: F401 (the doctor's pages read them here too)
    CERTIFICATES,
    REGISTERED,
    applications_of,
    assistant_registered_on,
    certificate_of,
    practice_time_of,
)
from portal.workflow.models import Application, Document, Kind, State


def find_qualification(name: str, id_number: str) -> Qualification | None:
    return db.session.execute(
        db.select(Qualification)
        .filter_by(name=name, id_number=id_number)
        .order_by(Qualification.obtained_on.desc())
        .limit(1)
    ).scalar_one_or_none()


def find_practice_record(name: str, id_number: str) -> PracticeRecord | None:
    return db.session.execute(
        db.select(PracticeRecord).filter_by(name=name, id_number=id_number).limit(1)
    ).scalar_one_or_none()


def username_taken(username: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(username=username)).first() is not None


def free_username(wanted: str) -> str:
    """A user name like ``wanted`` that nobody holds: ``wanted-4821`` (32 characters at most)."""
    while True:
        candidate = f"{wanted[:27]}-{secrets.randbelow(10_000):04d}"
        if not username_taken(candidate):
            return candidate


def _unconfirmed_again(username: str, real_name: str, id_number: str, phone: str) -> User | None:
    """The same person's own earlier sign-up, never confirmed (they left before the code)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if (
        user is not None
        and user.role is Role.DOCTOR
        and not user.disabled
        and not user.contact_verified
        and user.real_name == real_name
        and user.id_number == id_number
        and user.phone == phone
    ):
        return user
    return None


def sign_up(
    *, real_name: str, id_number: str, phone: str, email: str, username: str, password: str
) -> User:
    """Create the doctor's account; match it against Q1/Q2 or open an identity case (D2).

    No account enumeration (SEC): whatever the user name and ID number, a well-formed sign-up
    gets the same answer (an account, logged in, asked to verify the phone, D3), after the same
    work (one argon2 hash, one insert), so the page never says that a user name is taken or
    that an ID number already has an account. What the new account is is settled only once
    its owner has proved they hold the phone or email typed in (``workflow.accounts.confirm_contact``):

    - a user name taken by someone else: the account gets a free variant (``wanted-4821``);
      after the code, the page tells the doctor that name. A real doctor who picked a common
      name is not stuck, and a stranger learns nothing without receiving a code on a phone
      (at most 5 per hour per number, SEC2);
    - an ID number that already has a confirmed account: after the code the new account is
      closed, and the owner of the existing one is told by SMS and email (with their user
      name and how to reset the password); the page says only that the owner was told.
    - until the code, the account cannot log in by password (``accounts.views.login``):
      otherwise logging in with the user name typed would tell whether it was one's own.
      A doctor who left before the code signs up again with the same details: that reuses
      the unconfirmed account (same user name, ID number and phone), nothing else does.
    """
    real_name = normalise_real_name(real_name)
    id_number = id_number.strip().upper()
    wanted, phone = username.strip(), phone.strip()
    password_hash = hash_password(password)  # first, in every case: the same argon2 work
    again = _unconfirmed_again(wanted, real_name, id_number, phone)
    if again is not None:
        again.password_hash, again.email = password_hash, email.strip().lower()
        audit("user", again.id, "sign_up_again", again, {}, {})
        db.session.commit()
        return again
    given = free_username(wanted) if username_taken(wanted) else wanted
    qualification = find_qualification(real_name, id_number)
    record = None if qualification else find_practice_record(real_name, id_number)
    user = User(
        username=given,
        password_hash=password_hash,
        role=Role.DOCTOR,
        real_name=real_name,
        id_number=id_number,
        phone=phone,
        email=email.strip().lower(),
        identity_verified=bool(qualification or record),
        qualification=qualification,
    )
    db.session.add(user)
    db.session.flush()
    after = {"identity_verified": user.identity_verified}
    if given != wanted:
        after["username_wanted"] = wanted  # told once the code is entered (confirm_contact)
    audit("user", user.id, "sign_up", user, {}, after)
    if not user.identity_verified:
        identity_workflow.open_case(user, "no qualification or practice record matched at sign-up")
    db.session.commit()
    return user


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


#: a registration that succeeded: in force, since changed, or since cancelled (D7, L4)


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


def start_change(doctor: User, registration: Application, kind: Kind) -> Application:
    """D7: a change of registration starts as a copy of the registration in force, at the
    practice step; a cancellation carries only what identifies the registration."""
    app = Application(
        doctor_id=doctor.id,
        kind=kind,
        previous_id=registration.id,
        state=State.DRAFT,
        level=registration.level,
        category=registration.category,
        qualification_id=registration.qualification_id,
        institution_id=registration.institution_id,
        scopes=[],
        step="practice",
    )
    if kind in (Kind.CHANGE, Kind.REREGISTER):
        for name in (
            "scopes",
            "gp_transfer_training",
            "gp_certificate_id",
            "contract_start",
            "contract_end",
            "home_address",
            "work_experience",
            "rewards_punishments",
            "photo_id",
        ):
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


def registered_qualification(app: Application, doctor: User) -> Qualification:
    return (
        app.qualification
        if app is not None and app.qualification is not None
        else doctor.qualification
    )


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


def new_draft(doctor: User) -> Application:
    q = doctor.qualification
    app = Application(
        doctor_id=doctor.id,
        level=q.level,
        category=q.category,
        qualification_id=q.id,
        institution_id=doctor.institution_id,
        state=State.DRAFT,
        scopes=[],
    )
    db.session.add(app)
    db.session.flush()
    return app
