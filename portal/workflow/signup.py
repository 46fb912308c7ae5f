"""A doctor's sign-up (D1, D2): the account, matched against the qualification and practice
records (Q1, Q2), or an identity case for the commission when nothing matches (A3).

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
- until the code, the account cannot log in by password (``signin.views.login``):
  otherwise logging in with the user name typed would tell whether it was one's own.
  A doctor who left before the code signs up again with the same details: that reuses
  the unconfirmed account (same user name, ID number and phone), nothing else does.
"""

from __future__ import annotations

import secrets

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.registry.records import find_practice_record, find_qualification
from portal.rules.identity import normalise_real_name
from portal.workflow import identity
from portal.workflow.audit import audit


def _taken(username: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(username=username)).first() is not None


def _free_username(wanted: str) -> str:
    """A user name like ``wanted`` that nobody holds: ``wanted-4821`` (32 characters at most)."""
    while True:
        candidate = f"{wanted[:27]}-{secrets.randbelow(10_000):04d}"
        if not _taken(candidate):
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
    """Create the doctor's account; match it against Q1/Q2 or open an identity case (D2)."""
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
    given = _free_username(wanted) if _taken(wanted) else wanted
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
        identity.open_case(user, "no qualification or practice record matched at sign-up")
    db.session.commit()
    return user
