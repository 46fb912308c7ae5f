"""Reminders before something runs out (D20): a registration (R3), a draft (D9), an
activation code (D4). Pure functions; ``portal.workflow.reminders`` feeds them from the
database and ``config/rules.toml`` ``[reminders]`` (tenant overrides on top, R6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def schedule_from(setting) -> tuple[int, ...]:
    """A tenant's schedule setting as a clean schedule: whole positive numbers, each once,
    farthest first. Anything else in the list is ignored (R6 "within safe bounds"); a
    setting that is not a list, or an empty one, means no reminders of that kind."""
    if not isinstance(setting, (list, tuple)):
        return ()
    steps = {n for n in setting if isinstance(n, int) and not isinstance(n, bool) and n > 0}
    return tuple(sorted(steps, reverse=True))


def due_reminder(
    deadline: date | datetime,
    now: date | datetime,
    schedule: Iterable[int],
    *,
    unit: timedelta = DAY,
    since: date | datetime | None = None,
) -> int | None:
    """D20: the entry of ``schedule`` whose reminder is due at ``now``, or None.

    ``schedule`` counts ``unit``s back from ``deadline`` (e.g. ``[30, 7, 1]`` days). The
    reminder due is the nearest one whose moment has come: the smallest ``n`` with
    ``deadline - n * unit <= now``. A run that was missed is caught up by the next one with
    that nearest reminder only, never with a burst of the older ones.

    Dates and datetimes, never mixed:

    - a *date* deadline is the last day something is still good (a registration's
      valid-until day): a reminder may still go out on that day, none after it;
    - a *datetime* deadline is the instant it stops working (a code's ``expires_at``):
      nothing is due from that instant on.

    ``since`` is when the thing began (a code was issued, a draft started). A reminder whose
    moment is not after it never comes: a 24-hour reminder for a code that only lives 12
    hours would arrive together with the code.

    Which reminders were already sent is not this function's business: the caller records
    each (kind, subject, entry) sent and sends an entry at most once.
    """
    timed = isinstance(deadline, datetime)
    if timed != isinstance(now, datetime) or (
        since is not None and timed != isinstance(since, datetime)
    ):
        raise TypeError("deadline, now and since must all be dates or all be datetimes")
    if not timed and unit % DAY:
        raise ValueError("a schedule before a date counts whole days")
    if (now >= deadline) if timed else (now > deadline):
        return None
    due = [
        n
        for n in schedule
        if n > 0 and deadline - n * unit <= now and (since is None or deadline - n * unit > since)
    ]
    return min(due) if due else None


def draft_lifetime(expires_days: int) -> timedelta:
    """D9/D20: how long a draft lasts (``[reminders] draft_expires_days``); a setting that is
    not a whole number of days ≥ 1 is refused rather than guessed at."""
    if isinstance(expires_days, bool) or not isinstance(expires_days, int) or expires_days < 1:
        raise ValueError(
            f"draft_expires_days must be a whole number of days >= 1, not {expires_days!r}"
        )
    return expires_days * DAY


def draft_expires_at(started_at: datetime, expires_days: int) -> datetime:
    """D9/D20: a draft expires ``expires_days`` after it was started."""
    return started_at + draft_lifetime(expires_days)
