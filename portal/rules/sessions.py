"""SEC1, issue 14: when a log-in ends by itself. Pure: the caller passes the times (seconds
since the epoch) and the tenant's ``[sessions]`` settings."""

from __future__ import annotations

#: how often the time of the last request is written back into the session cookie: not on
#: every request (each write is a Set-Cookie header on a slow link)
SEEN_EVERY_SECONDS = 60


def ended(
    staff: bool, began: float | None, seen: float | None, now: float, rules: dict
) -> str | None:
    """``"idle"`` or ``"lifetime"`` when the log-in has ended, else None. A log-in that carries
    no times was made before they were kept: it has ended too (``"lifetime"``)."""
    who = "staff" if staff else "doctor"
    if began is None or seen is None:
        return "lifetime"
    if now - began > rules[f"{who}_hours"] * 3600:
        return "lifetime"
    if now - seen > rules[f"{who}_idle_minutes"] * 60:
        return "idle"
    return None


def seen_again(seen: float, now: float) -> bool:
    """Whether to write ``now`` as the time of the last request."""
    return now - seen >= SEEN_EVERY_SECONDS
