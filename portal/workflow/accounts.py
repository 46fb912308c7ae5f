"""A doctor's account once its owner proved the phone or email (D3, no enumeration at
sign-up), and an officer's unlock of code log-in (SEC2). Each: the change, the audit row and
the messages in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _  # written in the recipient's language
from sqlalchemy import or_

from portal.accounts.models import Role, User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import notify_user, queue
from portal.notify.sms import sms
from portal.registry.records import CaseStatus, IdentityCase
from portal.tenants.models import Tenant
from portal.workflow import usernames
from portal.workflow.audit import audit, snapshot
from portal.workflow.identity import open_case
from portal.workflow.locks import lock, lock_unless
from portal.workflow.models import AuditLog


@dataclass
class Confirmed:
    """What the doctor is told once the code is accepted."""

    #: the user name wanted at sign-up, when the account got a variant instead
    #: (``user.username`` is theirs; ``workflow.usernames.settle``)
    username_wanted: str | None = None


def _confirmed_holder(doctor: User) -> User | None:
    """Another live doctor's account with the same ID number, whose owner proved a contact."""
    return db.session.execute(
        db.select(User)
        .where(
            User.id != doctor.id,
            User.role == Role.DOCTOR,
            User.id_number == doctor.id_number,
            User.disabled.is_(False),
            or_(User.phone_verified_at.is_not(None), User.email_verified_at.is_not(None)),
        )
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()


#: the owner of an ID number is told of a sign-up with it at most once in this time
OWNER_TOLD_EVERY = timedelta(hours=24)


def confirm_contact(doctor: User, channel: str, tenant: Tenant) -> Confirmed:
    """The doctor entered the code sent to ``channel``: the contact is verified.

    Issue 14, no enumeration: the answer is the same whether or not the ID number already
    belongs to a confirmed account. When it does, this account is not matched to the records
    (whatever the name and ID number matched): its identity goes to the commission, as for
    anyone the records did not match, with a case that names the other account; and the owner
    of that one is told by their own phone and email, at most once a day
    (``OWNER_TOLD_EVERY``) however many strangers try."""
    lock(doctor)  # the phone's and the email's codes entered at once: one confirmation
    first = not doctor.contact_verified
    field = "phone_verified_at" if channel == "sms" else "email_verified_at"
    before = snapshot(doctor, (field,))
    setattr(doctor, field, utcnow())
    audit(
        "user",
        doctor.id,
        f"verify_{'phone' if channel == 'sms' else 'email'}",
        doctor,
        before,
        snapshot(doctor, (field,)),
    )
    wanted = usernames.settle(doctor) if first and doctor.role is Role.DOCTOR else None
    holder = _confirmed_holder(doctor)
    if holder is not None:
        _held_elsewhere(doctor, holder, channel, tenant)
    db.session.commit()
    return Confirmed(username_wanted=wanted)


def _held_elsewhere(doctor: User, holder: User, channel: str, tenant: Tenant) -> None:
    """The ID number of ``doctor`` belongs to ``holder``'s confirmed account."""
    before = snapshot(doctor, ("identity_verified", "qualification_id"))
    doctor.identity_verified, doctor.qualification_id = False, None
    audit(
        "user",
        doctor.id,
        "duplicate_sign_up",
        doctor,
        before,
        snapshot(doctor, ("identity_verified", "qualification_id")),
        f"ID number held by user {holder.id}",
    )
    note = f"ID number already held by the confirmed account of user {holder.id}"
    case = db.session.execute(
        db.select(IdentityCase).filter_by(user_id=doctor.id, status=CaseStatus.OPEN).limit(1)
    ).scalar_one_or_none()
    if case is None:
        open_case(doctor, note)
    else:
        case.note = f"{case.note}; {note}" if case.note else note
    if _owner_told_lately(holder):
        return
    proved = doctor.masked_phone if channel == "sms" else doctor.email
    body = _(
        "Someone who holds %(contact)s tried to sign up with your ID "
        "number. Your account already exists: its user name is %(user)s. If it was you, log in, or reset your "
        "password on the log-in page. If it was not you, contact the health commission (%(phone)s).",
        contact=proved,
        user=holder.username,
        phone=tenant.contact_phone,
    )
    subject = _("Someone tried to sign up with your ID number")
    if holder.phone and holder.phone_verified_at:
        text = sms(
            "duplicate_signup", contact=proved, user=holder.username, phone=tenant.contact_phone
        )
        queue("sms", holder.phone, text, user_id=holder.id, locale=holder.locale)
    if holder.email and holder.email_verified_at:
        queue("email", holder.email, body, subject=subject, user_id=holder.id, locale=holder.locale)
    audit("user", holder.id, "told_of_duplicate_sign_up", None, {}, {"by_user": doctor.id})


def _owner_told_lately(holder: User) -> bool:
    since = utcnow() - OWNER_TOLD_EVERY
    return (
        db.session.execute(
            db.select(AuditLog.id)
            .filter_by(entity="user", entity_id=holder.id, action="told_of_duplicate_sign_up")
            .where(AuditLog.at >= since)
            .limit(1)
        ).first()
        is not None
    )


def unlock_codes(doctor: User, officer: User, tenant: Tenant) -> None:
    """SEC2: an officer ends the lock that 10 wrong codes in a row put on code log-in."""
    lock_unless(
        doctor,
        lambda d: d.role is not Role.DOCTOR or not (d.code_locked_until or d.code_failures),
        "code log-in is not locked",
    )
    before = snapshot(doctor, ("code_failures", "code_locked_until"))
    doctor.code_failures, doctor.code_locked_until = 0, None
    audit(
        "user",
        doctor.id,
        "unlock_codes",
        officer,
        before,
        snapshot(doctor, ("code_failures", "code_locked_until")),
    )
    notify_user(
        doctor,
        _(
            "The health commission unlocked code entry for your "
            "account. You can ask for a new code.",
        ),
        subject=_("Code entry unlocked"),
        sms=sms("codes_unlocked"),
    )
    db.session.commit()
