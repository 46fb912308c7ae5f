"""The clock in tests: registration, due and reminder dates are Beijing dates, so a test that
compares with "today" takes today from ``local_today()`` (never ``date.today()``, the machine's
date) and, when a date boundary matters, travels with time-machine to an instant of its own
instead of running at whatever time of day the real clock shows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An instant given by its time in Beijing (what ``time_machine.move_to`` takes)."""
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


#: Tuesday 10 March 2026, noon in Beijing: a working day far from midnight, from the year's
#: end and from any holiday, inside the years config/holidays.toml knows
NOON = beijing(2026, 3, 10)
