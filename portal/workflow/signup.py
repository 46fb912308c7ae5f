"""A doctor's sign-up (D1, D2): the account, matched against the qualification and practice
records (Q1, Q2), or an identity case for the commission when nothing matches (A3).

No account enumeration (SEC): whatever the user name and ID number, a well-formed sign-up
gets the same answer (an account, logged in, asked to verify the phone, D3), after the same
work (one argon2 hash, ``PASSWORD_CHECKS`` argon2 verifications, one insert), so the
page never says that a user name is taken or that an ID number already has an account.

User names (issue 14): a doctor's user name need not be unique. The user name and the
password together open a doctor's account (``signin.views.login`` tries every account holding
the name, always the same number of times), so the account gets exactly the name typed, and
the pages after the code are the same whether or not anyone else holds it. Two exceptions,
both settled once the owner proved a phone or email (``workflow.usernames.settle``),
when the account gets a free variant (``wanted-4821``) and the page after the code says so:

- the password typed is the password of another account holding the name (checked here,
  against the confirmed holders and the unconfirmed sign-ups a log-in would try): otherwise
  one log-in would open two accounts, and the newer one's owner would land in the older
  one's. This tells only someone who typed that account's user name AND password: one who
  could already log in to it. A guesser gains nothing over the log-in: each sign-up counts
  in the name's failed-password budget, shared with the log-in (``accounts.password_set_limit``),
  each guess is told only after a code on a phone of their own (SEC2), and each wrong one,
  once confirmed, is one more confirmed holder of the name, so after at most ``HOLDERS - 1``
  wrong guesses every later sign-up with the name gets a variant whatever its password;
- the name already has ``HOLDERS`` confirmed holders (a log-in tries no more). This
  tells only someone who holds or controls that many confirmed accounts of the name.

Otherwise what the new account is is settled only once its owner has proved they hold the
phone or email typed in:

- an ID number that already has a confirmed account: after the code the new account is
  closed, and the owner of the existing one is told by SMS and email (with their user
  name and how to reset the password); the page says only that the owner was told.
- until the code, the account cannot log in by password (``signin.views.login``): its owner
  is told how to finish, only after typing its right password. A doctor who left before the
  code signs up again with the same details: that reuses the unconfirmed account (same user
  name, ID number and phone), nothing else does.
"""

from __future__ import annotations

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.registry.records import find_practice_record, find_qualification
from portal.rules.identity import normalise_real_name
from portal.workflow import identity, usernames
from portal.workflow.audit import audit


def _unconfirmed_again(username: str, real_name: str, id_number: str, phone: str) -> User | None:
    """The same person's own earlier sign-up, never confirmed (they left before the code)."""
    return db.session.execute(
        db.select(User)
        .where(
            User.username == username,
            User.role == Role.DOCTOR,
            User.disabled.is_(False),
            User.phone_verified_at.is_(None),
            User.email_verified_at.is_(None),
            User.real_name == real_name,
            User.id_number == id_number,
            User.phone == phone,
        )
        .order_by(User.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def sign_up(
    *, real_name: str, id_number: str, phone: str, email: str, username: str, password: str
) -> User:
    """Create the doctor's account; match it against Q1/Q2 or open an identity case (D2)."""
    real_name = normalise_real_name(real_name)
    id_number = id_number.strip().upper()
    wanted, phone = username.strip(), phone.strip()
    password_hash = hash_password(password)  # first, in every case: the same argon2 work
    again = _unconfirmed_again(wanted, real_name, id_number, phone)
    # read at the confirmation (workflow.usernames.settle): a variant then
    flags = {"same_password": True} if usernames.password_shared(wanted, password, again) else {}
    if again is not None:
        again.password_hash, again.email = password_hash, email.strip().lower()
        audit("user", again.id, "sign_up_again", again, {}, flags)
        db.session.commit()
        return again
    qualification = find_qualification(real_name, id_number)
    record = None if qualification else find_practice_record(real_name, id_number)
    user = User(
        username=wanted,
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
    after = {"identity_verified": user.identity_verified, **flags}
    audit("user", user.id, "sign_up", user, {}, after)
    if not user.identity_verified:
        identity.open_case(user, "no qualification or practice record matched at sign-up")
    db.session.commit()
    return user
