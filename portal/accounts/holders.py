"""The accounts that hold a user name (issue 14: a doctor's user name need not be unique).

A doctor's account is identified by its user name AND its password together, so that
sign-up can give every doctor the name they typed, whatever exists, and no page tells
whether a name was taken (``workflow.signup``). Staff, officer and administrator names stay
unique (``workflow.provisioning`` refuses a new one that any account holds); a doctor may
still sign up with one, and the log-in tries both (the staff account still asks its TOTP).

At most ``HOLDERS`` confirmed accounts (a doctor who proved a phone or email, or any staff,
officer or administrator; not disabled) hold one name in a tenant: a confirmation beyond
that gives a variant (``workflow.accounts.confirm_contact``). Whoever asks with a name, the
work done is the same: ``PASSWORD_CHECKS`` argon2 verifications for a log-in, ``HOLDERS``
for a sign-up, padded with the dummy hash, so neither the answer nor its time tells how many
accounts hold the name.
"""

from __future__ import annotations

from sqlalchemy import or_

from portal.accounts.models import Role, User
from portal.accounts.passwords import check_password
from portal.extensions import db

#: confirmed accounts that may hold one user name in a tenant
HOLDERS = 3
#: the accounts a log-in tries: the confirmed holders, then unconfirmed sign-ups (their
#: owner is told how to finish, ``signin.views.login``) up to this many in all
PASSWORD_CHECKS = HOLDERS + 1


def _confirmed():
    return or_(
        User.role != Role.DOCTOR,
        User.phone_verified_at.is_not(None),
        User.email_verified_at.is_not(None),
    )


def confirmed_holders(username: str, *, excluding: int | None = None) -> list[User]:
    """The confirmed, enabled accounts holding ``username``, oldest first, at most HOLDERS."""
    query = db.select(User).where(User.username == username, User.disabled.is_(False), _confirmed())
    if excluding is not None:
        query = query.where(User.id != excluding)
    return list(db.session.execute(query.order_by(User.id).limit(HOLDERS)).scalars())


def unconfirmed_holders(username: str, limit: int) -> list[User]:
    """Doctors' sign-ups with ``username`` whose owner never entered a code, newest first."""
    if limit <= 0:
        return []
    return list(
        db.session.execute(
            db.select(User)
            .where(
                User.username == username,
                User.role == Role.DOCTOR,
                User.disabled.is_(False),
                User.phone_verified_at.is_(None),
                User.email_verified_at.is_(None),
            )
            .order_by(User.id.desc())
            .limit(limit)
        ).scalars()
    )


def log_in_candidates(username: str) -> list[User]:
    """What a log-in with ``username`` tries: confirmed holders first (oldest first), then
    unconfirmed sign-ups, PASSWORD_CHECKS at most."""
    confirmed = confirmed_holders(username)
    return confirmed + unconfirmed_holders(username, PASSWORD_CHECKS - len(confirmed))


def matching(users: list[User], password: str, checks: int) -> list[User]:
    """The accounts of ``users`` whose password is ``password``, in their order, after exactly
    ``checks`` argon2 verifications whatever ``len(users)`` is (the rest on the dummy hash),
    and never stopping at the first match: the time tells neither the count nor the match."""
    found = []
    for i in range(checks):
        user = users[i] if i < len(users) else None
        if check_password(user.password_hash if user else None, password) and user is not None:
            found.append(user)
    return found
