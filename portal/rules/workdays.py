"""Working days in China (L1): the officer decides within 20 working days of accepting an
application. Saturdays and Sundays are days off, except the make-up working days (调休上班日)
the State Council publishes each year; the official public holidays are days off.

Pure functions over a ``WorkCalendar``, which the caller builds and passes in
(``portal.tenants.holidays``: the ``holidays`` package's China calendar, with a province's
override file on top). The day of acceptance is day 0.

A year whose schedule is not published (``WorkCalendar.knows``) is still counted with what
the calendar holds for it (e.g. the statutory holidays the library derives from the lunar
calendar), but a due date that crosses it is provisional (``Due.provisional``): the caller
says so, never silently counting Monday to Friday.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_date(moment: datetime) -> date:
    """The Beijing date of ``moment``, a naive UTC time as the database stores it: the day of
    acceptance of an application confirmed at ``moment`` (day 0)."""
    return moment.replace(tzinfo=UTC).astimezone(BEIJING).date()


@dataclass(frozen=True)
class WorkCalendar:
    #: official days off (holidays and the weekend days moved into them)
    days_off: frozenset[date] = frozenset()
    #: make-up working days on a Saturday or Sunday
    extra_working_days: frozenset[date] = frozenset()
    #: the years whose schedule is published (the State Council's notice, or a province's
    #: override): any other year's count is provisional
    years: frozenset[int] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def knows(self, year: int) -> bool:
        return year in self.years

    @functools.cached_property
    def _exceptions(self) -> tuple[list[date], list[int]]:
        """The days whose status differs from the plain Monday-to-Friday week, in order, and
        what each changes: -1 a weekday off, +1 a weekend day worked."""
        changes = {d: 1 for d in self.extra_working_days if d.weekday() >= 5}
        changes.update(
            {d: -1 for d in self.days_off if d.weekday() < 5 and d not in self.extra_working_days}
        )
        days = sorted(changes)
        return days, [changes[d] for d in days]

    def working_days_after(self, start: date, end: date) -> int:
        """Working days in ``start`` (excluded) … ``end`` (included), ``start`` <= ``end``: the
        weekdays, counted by whole weeks, corrected by the holidays and make-up days between."""
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        count = weeks * 5
        first = start.weekday()
        count += sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)
        days, deltas = self._exceptions
        lo, hi = bisect.bisect_right(days, start), bisect.bisect_right(days, end)
        return count + sum(deltas[lo:hi])


def calendar_from(data: dict) -> WorkCalendar:
    """A calendar from the holidays file's data: ``{"2025": {"off": [[first, last], ...],
    "work": [day, ...]}}`` with ISO dates (strings or dates)."""
    off: set[date] = set()
    work: set[date] = set()
    years: set[int] = set()

    def as_date(value) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    for year, schedule in data.items():
        years.add(int(year))
        for first, last in schedule.get("off", []):
            day, last = as_date(first), as_date(last)
            if last < day:
                raise ValueError(f"holiday range ends before it starts: {first}–{last}")
            while day <= last:
                off.add(day)
                day += ONE_DAY
        work.update(as_date(d) for d in schedule.get("work", []))
    clash = off & work
    if clash:
        raise ValueError(f"days both off and working: {sorted(clash)}")
    return WorkCalendar(frozenset(off), frozenset(work), frozenset(years))


def overlay(base: WorkCalendar, override: WorkCalendar) -> WorkCalendar:
    """``override`` on top of ``base``: each year ``override`` knows replaces that year of
    ``base`` whole (its days off and make-up working days), and becomes a known year."""
    replaced = override.years
    off = {d for d in base.days_off if d.year not in replaced} | set(override.days_off)
    work = {d for d in base.extra_working_days if d.year not in replaced} | set(
        override.extra_working_days
    )
    return WorkCalendar(frozenset(off), frozenset(work), base.years | override.years)


def unknown_years(first: date, last: date, calendar: WorkCalendar) -> tuple[int, ...]:
    """The years of ``first`` … ``last`` (either order) whose schedule ``calendar`` does not
    know: a count across them is provisional."""
    low, high = min(first, last).year, max(first, last).year
    return tuple(y for y in range(low, high + 1) if not calendar.knows(y))


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is day 0, whatever it is)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += ONE_DAY
        if calendar.is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """How many working days after ``start`` up to and including ``end``; negative (the same
    count, from ``end`` to ``start``) when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start, calendar)
    return calendar.working_days_after(start, end)


def latest_start(deadline: date, n: int, calendar: WorkCalendar) -> date:
    """The latest acceptance day whose ``n``-working-day due date is on or before ``deadline``
    (due dates never go back as acceptance moves later, so "due by ``deadline``" is "accepted
    on or before this day": what a database query can filter on)."""
    day = deadline
    while add_working_days(day, n, calendar) > deadline:
        day -= ONE_DAY
    return day


@dataclass(frozen=True)
class Due:
    """An application's due date and where today stands (L1)."""

    on: date
    #: working days left from today to the due date; negative when past due
    left: int
    overdue: bool
    soon: bool
    #: the years the count crosses whose holiday schedule is not published: the due date
    #: (and the days left) may move once it is (``flask due recount``)
    provisional: tuple[int, ...] = ()


def due(
    accepted: date, today: date, working_days: int, calendar: WorkCalendar, soon_within: int = 3
) -> Due:
    """The due date of a decision accepted on ``accepted``, seen on ``today``: past due after
    the due date; "soon" when at most ``soon_within`` working days are left."""
    return standing(
        add_working_days(accepted, working_days, calendar), today, calendar, soon_within, accepted
    )


def standing(
    on: date,
    today: date,
    calendar: WorkCalendar,
    soon_within: int = 3,
    accepted: date | None = None,
) -> Due:
    """Where ``today`` stands against the due date ``on`` (see :func:`due`); provisional when
    the years from ``accepted`` (or ``today``) to ``on`` are not all known."""
    overdue = today > on
    left = working_days_between(today, on, calendar)
    first = min(accepted, today) if accepted is not None else today
    return Due(
        on,
        left,
        overdue,
        not overdue and left <= soon_within,
        unknown_years(first, max(on, today), calendar),
    )
