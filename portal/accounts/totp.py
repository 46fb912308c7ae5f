"""TOTP for staff and officers (SEC3): a time step is accepted once."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import update

from portal.accounts.models import User
from portal.extensions import db


def new_secret() -> str:
    return pyotp.random_base32()


def matching_step(secret: str | None, code: str, now: float | None = None) -> int | None:
    """The time step (now, or one either side for clock drift) at which ``secret`` gives
    ``code``, or None."""
    code = "".join(code.split())
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    step_now = int(now // totp.interval)
    for step in (step_now, step_now - 1, step_now + 1):
        if totp.at(step * totp.interval) == code:
            return step
    return None


def verify_totp(user: User, code: str, now: float | None = None) -> bool:
    """True once per time step: the step is claimed with an atomic UPDATE, so a replay
    (in this process or another) is refused."""
    step = matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_last_step < step)
        .values(totp_last_step=step)
    ).rowcount
    db.session.commit()
    return claimed == 1


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four, for reading it out and typing it in (I1)."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))
