"""Institution accounts (I1, I2, A1): an officer creates an institution after the on-site
check and its person in charge gets a user name and a first password by SMS; the person in
charge adds and disables staff; every such account chooses its own password and enrols TOTP
at the first log-in. Each change: the rows, the audit row (A8) and the SMS (SEC7), in ONE
transaction. Passwords never reach the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role, User
from portal.accounts.passwords import first_password, hash_password
from portal.accounts.totp import matching_step
from portal.extensions import db
from portal.notify.services import queue
from portal.notify.sms import sms
from portal.registry.institutions import Institution, InstitutionCheck, InstitutionLevel
from portal.tenants.hosts import public_place
from portal.tenants.models import Tenant
from portal.workflow.audit import audit
from portal.workflow.locks import WrongState, lock, lock_unless


class DuplicateLicence(Exception):
    """Another institution of the tenant has this licence number."""

    def __init__(self, existing: Institution):
        super().__init__(existing.licence_no)
        self.existing = existing


class SelfDisable(Exception):
    """The person in charge tried to disable their own account."""


@dataclass
class NewInstitution:
    name: str
    licence_no: str
    level: InstitutionLevel
    county_id: int
    address: str
    person_in_charge: str
    mobile: str
    #: the on-site check (I1): all three documents seen, by whom, on what day
    licence_seen: bool
    power_of_attorney_seen: bool
    agent_id_card_seen: bool
    checked_by: str
    checked_on: date
    #: unified social credit code (GB 32100), optional
    credit_code: str | None = None


def find_by_licence(licence_no: str) -> Institution | None:
    return db.session.execute(
        db.select(Institution).filter_by(licence_no=licence_no)
    ).scalar_one_or_none()


def _username(institution: Institution) -> str:
    """``jg<institution id>-NN``: the next free number of the institution (jg: 机构)."""
    return next_username(f"jg{institution.id:04d}-")


def next_username(prefix: str) -> str:
    """``<prefix>NN``: the first number not taken in the tenant."""
    taken = set(
        db.session.execute(
            db.select(User.username).where(User.username.startswith(prefix, autoescape=True))
        ).scalars()
    )
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


def login_place(tenant: Tenant) -> str:
    return public_place(current_app, tenant.slug, "/login")  # its own host when it has one (T2)


def _send_first_password(
    user: User, institution: Institution, password: str, tenant: Tenant, *, reset: bool
) -> None:
    """The user name and first password by SMS (I1, I2), as the provider's template (issue 12):
    no link in it (the providers refuse links in variables), "log in on the portal"."""
    text = sms(
        "staff_account_reset" if reset else "staff_account",
        inst=institution.name,
        user=user.username,
        password=password,
    )
    queue("sms", user.phone, text, user_id=user.id, locale=user.locale)


def new_account(
    username: str, role: Role, real_name: str, mobile: str, email: str = "", **fields
) -> tuple[User, str]:
    """A staff or officer account with a first password (returned, to be sent): it must
    choose its own password and enrol TOTP at the first log-in (I1)."""
    password = first_password()
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        real_name=real_name,
        phone=mobile,
        email=email,
        must_change_password=True,
        totp_secret=None,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user, password


def _new_staff(
    institution: Institution, real_name: str, mobile: str, *, person_in_charge: bool
) -> tuple[User, str]:
    return new_account(
        _username(institution),
        Role.STAFF,
        real_name,
        mobile,
        institution_id=institution.id,
        is_person_in_charge=person_in_charge,
    )


def provision_institution(data: NewInstitution, officer: User, tenant: Tenant) -> User:
    """I1, A1: the institution, the record of the on-site check and the person in charge's
    account, whose user name and first password go to their mobile by SMS. Raises
    DuplicateLicence (nothing written) when the licence number is taken."""
    if not (data.licence_seen and data.power_of_attorney_seen and data.agent_id_card_seen):
        raise ValueError("every document of the on-site check must have been seen")
    existing = find_by_licence(data.licence_no)
    if existing is not None:
        raise DuplicateLicence(existing)
    institution = Institution(
        name=data.name,
        licence_no=data.licence_no,
        credit_code=data.credit_code or None,
        level=data.level,
        county_id=data.county_id,
        address=data.address,
    )
    db.session.add(institution)
    try:
        db.session.flush()
    except IntegrityError:  # the same licence number, created by another officer meanwhile
        db.session.rollback()
        raise DuplicateLicence(find_by_licence(data.licence_no)) from None
    check = InstitutionCheck(
        institution_id=institution.id,
        licence_seen=True,
        power_of_attorney_seen=True,
        agent_id_card_seen=True,
        checked_by=data.checked_by,
        checked_on=data.checked_on,
        recorded_by_id=officer.id,
    )
    db.session.add(check)
    user, password = _new_staff(
        institution, data.person_in_charge, data.mobile, person_in_charge=True
    )
    audit(
        "institution",
        institution.id,
        "provision",
        officer,
        {},
        {
            "name": institution.name,
            "licence_no": institution.licence_no,
            "level": institution.level.value,
            "county_id": institution.county_id,
            "checked_by": data.checked_by,
            "checked_on": data.checked_on.isoformat(),
        },
    )
    audit(
        "user",
        user.id,
        "create_person_in_charge",
        officer,
        {},
        {"username": user.username, "institution_id": institution.id},
    )
    _send_first_password(user, institution, password, tenant, reset=False)
    db.session.commit()
    return user


def person_in_charge(institution: Institution) -> User | None:
    return db.session.execute(
        db.select(User)
        .where(
            User.institution_id == institution.id,
            User.role == Role.STAFF,
            User.is_person_in_charge.is_(True),
        )
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()


def new_first_password(user: User) -> tuple[dict, str]:
    """A new first password; TOTP cleared; every open session ends."""
    before = {"session_version": user.session_version, "totp": user.totp_enrolled}
    password = first_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.totp_secret = None
    user.session_version += 1
    return before, password


def renew_credentials(user: User, by: User, check: dict | None = None) -> str:
    """A new first password (returned, to be sent), TOTP cleared, every session ended, and the
    audit row (A8) with the identity check made before, if any."""
    lock(user)
    before, password = new_first_password(user)
    after = {"session_version": user.session_version, "totp": False, "must_change_password": True}
    audit("user", user.id, "reset_credentials", by, before, {**after, **(check or {})})
    return password


def reset_credentials(institution: Institution, officer: User, tenant: Tenant) -> User:
    """A1: the person in charge gets a new first password by SMS and must choose a password
    and enrol TOTP again; their open sessions end. WrongState when there is no such account."""
    user = person_in_charge(institution)
    if user is None:
        raise WrongState("the institution has no person in charge account")
    password = renew_credentials(user, officer)
    _send_first_password(user, institution, password, tenant, reset=True)
    db.session.commit()
    return user


def add_staff(
    institution: Institution, by: User, real_name: str, mobile: str, tenant: Tenant
) -> User:
    """I2: the person in charge adds a staff member, who gets a user name and first password by SMS."""
    user, password = _new_staff(institution, real_name, mobile, person_in_charge=False)
    audit(
        "user",
        user.id,
        "create_staff",
        by,
        {},
        {"username": user.username, "institution_id": institution.id},
    )
    _send_first_password(user, institution, password, tenant, reset=False)
    db.session.commit()
    return user


def set_disabled(staff: User, by: User, disabled: bool) -> None:
    """I2: disable (every open session ends at once) or re-enable a staff account."""
    if staff.id == by.id:
        raise SelfDisable
    lock_unless(
        staff,
        lambda s: s.disabled == disabled,
        "already " + ("disabled" if disabled else "enabled"),
    )
    before = {"disabled": staff.disabled, "session_version": staff.session_version}
    staff.disabled = disabled
    staff.session_version += 1
    audit(
        "user",
        staff.id,
        "disable" if disabled else "enable",
        by,
        before,
        {"disabled": disabled, "session_version": staff.session_version},
    )
    db.session.commit()


# ---- the first log-in (I1) ------------------------------------------------------------------


def choose_password(user: User, password: str) -> None:
    """The first password is replaced; other open sessions of the account end (the caller
    starts a new session for this one)."""
    lock_unless(user, lambda u: not u.must_change_password, "no first password to replace")
    before = {"must_change_password": True, "session_version": user.session_version}
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_version += 1
    audit(
        "user",
        user.id,
        "choose_password",
        user,
        before,
        {"must_change_password": False, "session_version": user.session_version},
    )
    db.session.commit()


def enrol_totp(user: User, secret: str, code: str) -> bool:
    """The authenticator app shows ``code`` for ``secret``: the secret is saved (only now) and
    the time step counts as used, so the same code cannot log in again. False for a wrong code."""
    lock_unless(user, lambda u: u.totp_enrolled, "TOTP already enrolled")
    step = matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = max(user.totp_last_step or 0, step)
    audit("user", user.id, "enrol_totp", user, {"totp": False}, {"totp": True})
    db.session.commit()
    return True
