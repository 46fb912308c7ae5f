"""A doctor's user name, which need not be unique (issue 14; ``portal.accounts.holders``).

The user name and the password together open a doctor's account, so two accounts holding
one name must never have one password: the newer owner's log-in would open the older one's
account. A doctor's account therefore gets a free variant of its name (``wanted-4821``) and
is told so:

- at its first confirmation (``settle``), when the password typed at sign-up opened another
  account holding the name (``password_shared``, checked at sign-up), or when the name has
  ``HOLDERS`` confirmed holders already (a log-in tries no more);
- when its owner sets a new password (``rename_if_shared``: the Account page, a reset by
  code) that opens another account holding the name.

Each answer tells only someone who typed another account's user name AND password, i.e. who
could log in to it already. Every post that sets a password counts against the user name's
failed-password budget (``accounts.password_set_limit``), as a wrong log-in does, so guessing
by setting one's own password is no faster than guessing at the log-in page. The checks do
``PASSWORD_CHECKS`` argon2 verifications whatever the number of holders (padded).

What stays: a staff member's name is never changed; a staff account that sets the password of
a doctor holding its name (the doctor signed up with it later) is tried first at the log-in,
asks its TOTP, and the doctor resets their password by code.
"""

from __future__ import annotations

import secrets

from portal.accounts import holders
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.workflow.audit import audit
from portal.workflow.locks import lock
from portal.workflow.models import AuditLog


def password_shared(username: str, password: str, own: User | None) -> bool:
    """Another account a log-in with ``username`` would try has ``password`` (``own`` is left
    out): always PASSWORD_CHECKS verifications, padded, so the time tells nothing either."""
    tried = [u for u in holders.log_in_candidates(username) if own is None or u.id != own.id]
    return bool(holders.matching(tried, password, holders.PASSWORD_CHECKS))


def _taken(username: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(username=username)).first() is not None


def _free_username(wanted: str) -> str:
    """A user name like ``wanted`` that no account holds: ``wanted-4821`` (32 characters at most)."""
    while True:
        candidate = f"{wanted[:27]}-{secrets.randbelow(10_000):04d}"
        if not _taken(candidate):
            return candidate


def _rename(doctor: User, why: str) -> str:
    wanted = doctor.username
    doctor.username = _free_username(wanted)
    audit(
        "user",
        doctor.id,
        "username_variant",
        doctor,
        {"username": wanted},
        {"username": doctor.username},
        why,
    )
    return wanted


def _same_password_at_sign_up(doctor: User) -> bool:
    """The password typed at the (latest) sign-up opened another account holding the name."""
    latest = db.session.execute(
        db.select(AuditLog.after)
        .where(
            AuditLog.entity == "user",
            AuditLog.entity_id == doctor.id,
            AuditLog.action.in_(("sign_up", "sign_up_again")),
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return bool(latest and latest.get("same_password"))


def settle(doctor: User) -> str | None:
    """At the first confirmation (in its transaction): the doctor keeps the user name typed,
    unless its password opened another holder's account at sign-up, or the name has HOLDERS
    confirmed holders; then a free variant, and the name wanted is returned (the page says
    so). Two confirmations of one name at once are taken one after the other (the oldest
    holder's row is locked), so the cap holds."""
    others = holders.confirmed_holders(doctor.username, excluding=doctor.id)
    if others:
        lock(others[0])
        others = holders.confirmed_holders(doctor.username, excluding=doctor.id)
    if len(others) >= holders.HOLDERS:
        return _rename(doctor, "held by as many confirmed accounts as allowed")
    if _same_password_at_sign_up(doctor):
        return _rename(doctor, "same password as a holder of the name")
    return None


def rename_if_shared(user: User, password: str) -> str | None:
    """``user`` (a doctor) sets ``password``: when it opens another account holding the name,
    the doctor gets a free variant (in the caller's transaction); the name left is returned."""
    shared = password_shared(user.username, password, user)
    if not shared or user.role is not Role.DOCTOR:
        return None
    return _rename(user, "new password is that of a holder of the name")
