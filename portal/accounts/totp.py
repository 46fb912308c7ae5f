"""TOTP for staff and officers (SEC3): a time step is accepted once."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import update

from portal.accounts.models import User
from portal.extensions import db


def new_secret() -> str:
    return pyotp.random_base32()


def verify_totp(user: User, code: str, now: float | None = None) -> bool:
    """True once per time step: the step is claimed with an atomic UPDATE, so a replay
    (in this process or another) is refused."""
    code = "".join(code.split())
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time() if now is None else now
    step_now = int(now // totp.interval)
    for step in (step_now, step_now - 1, step_now + 1):
        if totp.at(step * totp.interval) == code:
            claimed = db.session.execute(
                update(User).where(User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
            ).rowcount
            db.session.commit()
            return claimed == 1
    return False
