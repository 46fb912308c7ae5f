"""The doctor's end: sign-up with identity matching (D1, D2), drafts (D9)."""

from __future__ import annotations

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.admin.models import IdentityCase, PracticeRecord, Qualification
from portal.extensions import db
from portal.rules.identity import normalise_real_name
from portal.workflow import audit
from portal.workflow.models import Application, State


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


def open_application(doctor: User) -> Application | None:
    """The doctor's latest application (one is open at a time, D7)."""
    return db.session.execute(
        db.select(Application).filter_by(doctor_id=doctor.id).order_by(Application.id.desc()).limit(1)
    ).scalar_one_or_none()


EDITABLE = (State.DRAFT, State.REJECTED)


def save_draft(doctor: User, app: Application | None, data: dict) -> Application:
    """Save what the doctor typed so far (D9); returns the draft."""
    if app is None:
        q = doctor.qualification
        app = Application(doctor_id=doctor.id, level=q.level, category=q.category, state=State.DRAFT)
        db.session.add(app)
    for key in ("scope", "contract_start", "contract_end", "home_address", "work_experience", "rewards_punishments"):
        if key in data:
            setattr(app, key, data[key])
    if "institution_id" in data:
        app.institution_id = data["institution_id"]
    db.session.commit()
    return app

