"""One-time codes (SEC2): phone/email verification codes and activation codes.

Limits live in the database so they hold across processes: sends are counted per
destination over the last hour, wrong tries are counted on the code row with an atomic
UPDATE, and the consecutive-failure count lives on the user (a new code does not reset it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, text, update

from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.columns import utcnow
from portal.extensions import db

ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


class CodeError(Exception):
    """A code could not be sent or was not accepted; ``key`` names the message, ``wait`` seconds."""

    def __init__(self, key: str, wait: int = 0):
        super().__init__(key)
        self.key = key
        self.wait = wait

    def message(self, activation: bool = False) -> str:
        """What the user is told. ``activation``: the code is an activation code (激活码, the
        institution's), not a verification code (验证码): its own words (docs/glossary.md)."""
        from flask_babel import gettext as _

        err = self
        if activation and err.key in ("expired", "too_many_tries", "wrong"):
            return {
                "expired": _(
                    "This activation code has expired or was never sent. Ask your institution "
                    "for a new one."
                ),
                "too_many_tries": _(
                    "Too many wrong tries for this activation code. Ask your institution for a "
                    "new one."
                ),
                "wrong": _("The activation code is wrong. Check it and try again."),
            }[err.key]
        return {
            "cooldown": _("Please wait %(n)s seconds before asking for another code.", n=err.wait),
            "hourly_limit": _(
                "Too many codes were sent to this number in the last hour. Please try again later."
            ),
            "locked": _(
                "Too many wrong codes in a row. Code entry is locked for %(n)s minutes, or until the health "
                "commission unlocks it.",
                n=max(1, err.wait // 60),
            ),
            "expired": _("This code has expired or was never sent. Ask for a new code."),
            "too_many_tries": _("Too many wrong tries for this code. Ask for a new code."),
            "wrong": _("The code is wrong. Check it and try again."),
        }[err.key]


def _digest(user_id: int, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{purpose}:{code.upper()}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Issued:
    code: str
    row: OneTimeCode


def _one_sender_at_a_time(destination: str) -> None:
    """Two requests asking for a code to one destination at the same moment, on two app
    servers, take turns (PostgreSQL: an advisory lock held until the caller commits), so each
    counts what the other sent: the cool-down and the hourly cap hold across processes. (On
    SQLite writers are serialised by the database lock; production runs on PostgreSQL.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"code-send:{destination}"},
        )


def check_send_limits(destination: str, purpose: CodePurpose, rules: dict) -> None:
    """SEC2: a resend cool-down per kind of code, and a cap on sends per destination per hour."""
    _one_sender_at_a_time(destination)
    now = utcnow()
    last = db.session.execute(
        db.select(func.max(OneTimeCode.created_at)).where(
            OneTimeCode.destination == destination, OneTimeCode.purpose == purpose
        )
    ).scalar()
    if last is not None:
        wait = rules["otp_resend_seconds"] - int((now - last).total_seconds())
        if wait > 0:
            raise CodeError("cooldown", wait)
    sent = db.session.execute(
        db.select(func.count(OneTimeCode.id)).where(
            OneTimeCode.destination == destination,
            OneTimeCode.created_at > now - timedelta(hours=1),
        )
    ).scalar()
    if sent >= rules["otp_sends_per_hour"]:
        raise CodeError("hourly_limit")


def issue(
    user: User, purpose: CodePurpose, channel: str, destination: str, rules: dict, *, issued_by=None
) -> Issued:
    """Create a code for ``user`` (the caller queues the message and commits)."""
    # the user's row is written first: its lock (a row lock on PostgreSQL, the database's
    # write lock on SQLite) makes two processes sending at once count one after the other,
    # so neither misses the other's code in the limits below
    db.session.execute(
        update(User).where(User.id == user.id).values(code_failures=User.code_failures)
    )
    check_send_limits(destination, purpose, rules)
    now = utcnow()
    if user.code_locked_until and user.code_locked_until > now:
        # issue 14: a lock (SEC2, wrong codes in a row) means no code is sent at all, not
        # sends until the hourly cap: a stranger cannot keep the owner's phone busy
        raise CodeError("locked", int((user.code_locked_until - now).total_seconds()))
    # an older code of the same purpose stops working when a new one is sent
    db.session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .values(expires_at=now)
    )
    if purpose is CodePurpose.ACTIVATION:
        code = "".join(
            secrets.choice(ACTIVATION_ALPHABET) for _ in range(rules["activation_length"])
        )
        lifetime = timedelta(hours=rules["activation_hours"])
    else:
        code = f"{secrets.randbelow(10 ** rules['otp_digits']):0{rules['otp_digits']}d}"
        lifetime = timedelta(minutes=rules["otp_minutes"])
    row = OneTimeCode(
        user_id=user.id,
        purpose=purpose,
        channel=channel,
        destination=destination,
        code_hash=_digest(user.id, purpose.value, code),
        expires_at=now + lifetime,
        issued_by_id=issued_by.id if issued_by else None,
    )
    db.session.add(row)
    db.session.flush()
    return Issued(code, row)


def _latest_unused(user: User, purpose: CodePurpose) -> OneTimeCode | None:
    """The user's newest code of ``purpose`` not used yet (expired or not)."""
    return db.session.execute(
        db.select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
        )
        .order_by(OneTimeCode.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def matches(user: User, purpose: CodePurpose, entered: str) -> bool:
    """``entered`` is ``user``'s live code of ``purpose`` (nothing counted, nothing used): which
    of several accounts holding a user name a reset code was sent to (issue 14). ``verify``
    then accepts it, with the lock and the limits."""
    row = _latest_unused(user, purpose)
    if row is None or row.expires_at <= utcnow():
        return False
    entered = "".join(entered.split()).upper()
    return hmac.compare_digest(row.code_hash, _digest(user.id, purpose.value, entered))


def verify(user: User, purpose: CodePurpose, entered: str, rules: dict) -> OneTimeCode:
    """Accept ``entered`` once, or raise CodeError. Failures are committed even when refused."""
    now = utcnow()
    if user.code_locked_until and user.code_locked_until > now:
        raise CodeError("locked", int((user.code_locked_until - now).total_seconds()))
    row = _latest_unused(user, purpose)
    if row is None or row.expires_at <= now:
        raise CodeError("expired")
    entered = "".join(entered.split()).upper()
    if hmac.compare_digest(row.code_hash, _digest(user.id, purpose.value, entered)):
        taken = db.session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.id == row.id,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.attempts < rules["otp_max_attempts"],
            )
            .values(used_at=now)
        ).rowcount
        if taken == 1:
            user.code_failures = 0
            return row
        raise CodeError("too_many_tries")
    # wrong: count the try on the code (atomically, across processes) and on the user
    counted = db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.attempts < rules["otp_max_attempts"])
        .values(attempts=OneTimeCode.attempts + 1)
    ).rowcount
    db.session.execute(
        update(User).where(User.id == user.id).values(code_failures=User.code_failures + 1)
    )
    db.session.refresh(user, ["code_failures"])
    if user.code_failures >= rules["otp_lock_after_failures"]:
        user.code_locked_until = now + timedelta(minutes=rules["otp_lock_minutes"])
    db.session.commit()
    if user.code_locked_until and user.code_locked_until > now:
        raise CodeError("locked", rules["otp_lock_minutes"] * 60)
    if not counted:
        raise CodeError("too_many_tries")
    db.session.refresh(row, ["attempts"])
    if row.attempts >= rules["otp_max_attempts"]:
        raise CodeError("too_many_tries")
    raise CodeError("wrong")
