"""Working days (L1): the officer decides within 20 working days of acceptance, counted with
China's official holidays and make-up working days from the ``holidays`` package, a
province's override (config/holidays.toml) on top; a year whose schedule is not published is
flagged, never counted Monday to Friday in silence."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from config import national_rules
from portal.rules.workdays import (
    WorkCalendar,
    add_working_days,
    calendar_from,
    due,
    latest_start,
    overlay,
    standing,
    unknown_years,
    working_days_between,
)
from portal.tenants.holidays import library_calendar

#: the calendar built from the holidays package (portal/tenants/holidays.py), as the portal counts
CAL = library_calendar()
#: the State Council's notices of 2024–2026, typed in from the notices
NOTICES = calendar_from(
    tomllib.loads((Path(__file__).parent / "state_council_2024_2026.toml").read_text("utf-8"))
)
N = national_rules()["registration"]["decision_working_days"]


def test_L1_twenty_working_days_by_default():
    assert N == 20


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 28),
        date(2025, 2, 4),  # 2025 Spring Festival: 28 January – 4 February
        date(2025, 5, 5),
        date(2025, 6, 2),
        date(2025, 10, 8),  # Labour Day, Dragon Boat, National Day + Mid-Autumn
        date(2026, 1, 2),
        date(2026, 2, 23),
        date(2026, 4, 6),
        date(2026, 5, 5),
        date(2026, 6, 19),
        date(2026, 9, 25),
        date(2026, 10, 7),
        date(2024, 2, 16),
        date(2024, 6, 10),
        date(2024, 9, 16),
        date(2024, 10, 4),
    ],
)
def test_official_holidays_on_weekdays_are_days_off(day):
    assert day.weekday() < 5 and not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
        date(2024, 2, 4),
        date(2024, 2, 18),
        date(2024, 4, 7),
        date(2024, 4, 28),
        date(2024, 5, 11),
        date(2024, 9, 14),
        date(2024, 9, 29),
        date(2024, 10, 12),
    ],
)
def test_make_up_days_on_weekends_are_working_days(day):
    assert day.weekday() >= 5 and CAL.is_working_day(day)


def test_the_library_agrees_with_the_state_council_notices_day_by_day():
    """2024–2026: every day's status in the library is the notice's (holidays, the weekdays
    given off in exchange, the make-up Saturdays and Sundays)."""
    assert all(CAL.knows(y) for y in (2024, 2025, 2026))
    day = date(2024, 1, 1)
    while day.year <= 2026:
        assert CAL.is_working_day(day) == NOTICES.is_working_day(day), day
        day += timedelta(days=1)


def test_L1_accepted_before_national_day_2025():
    """Confirmed Friday 26 September 2025: Sunday 28 September is a make-up working day (1),
    29–30 September (2, 3), 1–8 October off, 9–10 October (4, 5), Saturday 11 October (6), then
    weekdays: the 20th working day is Thursday 30 October."""
    assert add_working_days(date(2025, 9, 26), N, CAL) == date(2025, 10, 30)
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 30), CAL) == 20


def test_L1_accepted_before_spring_festival_2026():
    """Confirmed Friday 13 February 2026: Saturday 14 February is worked (1), 15–23 February
    off, 24–27 February (2–5), Saturday 28 February (6), then 14 weekdays: 19 March."""
    assert add_working_days(date(2026, 2, 13), N, CAL) == date(2026, 3, 19)


def test_L1_accepted_before_spring_festival_2025():
    """Confirmed Friday 24 January 2025: Sunday 26 January worked (1), 27 January (2), 28
    January – 4 February off, 5–7 February (3–5), Saturday 8 February (6), then weekdays."""
    assert add_working_days(date(2025, 1, 24), 6, CAL) == date(2025, 2, 8)
    assert add_working_days(date(2025, 1, 24), N, CAL) == date(2025, 2, 27)


def test_acceptance_on_a_holiday_is_day_zero():
    # accepted on a day off: the first working day after it is day 1
    assert add_working_days(date(2025, 10, 3), 1, CAL) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 3), 0, CAL) == date(2025, 10, 3)


def test_L1_new_year_2027_is_not_a_working_day():
    """Counted Monday to Friday, Friday 1 January 2027 was a working day: the library's
    statutory holidays make it a day off, as the Spring Festival's statutory days (除夕 5
    February, 初一–初三 6–8 February 2027)."""
    assert not CAL.is_working_day(date(2027, 1, 1))
    assert not any(CAL.is_working_day(date(2027, 2, d)) for d in (5, 6, 7, 8))
    assert add_working_days(date(2026, 12, 31), 1, CAL) == date(2027, 1, 4)


def test_L1_a_year_the_library_has_no_notice_for_is_flagged():
    """2031: the library derives its statutory holidays (1 January, the Spring Festival) but
    carries no State Council notice, so no make-up working day: the count uses what is known
    and the due date says it is provisional."""
    assert not CAL.knows(2031)
    assert not CAL.is_working_day(date(2031, 1, 1))
    assert unknown_years(date(2030, 12, 20), date(2031, 1, 20), CAL) == (2030, 2031)
    far = due(date(2031, 3, 3), date(2031, 3, 3), N, CAL)
    assert far.provisional == (2031,)
    assert due(date(2025, 9, 26), date(2025, 10, 24), N, CAL).provisional == ()
    # the years from acceptance to the due date count, not only today's
    assert (
        standing(date(2026, 1, 5), date(2025, 12, 1), CAL, accepted=date(2025, 12, 1)).provisional
        == ()
    )
    assert standing(date(2031, 1, 5), date(2025, 12, 1), CAL).provisional == (
        2027,
        2028,
        2029,
        2030,
        2031,
    )


def test_a_province_override_replaces_the_libraries_year_and_makes_it_known():
    """config/holidays.toml on top: a year it gives replaces the library's for that year,
    whole (the days off in exchange and make-up Saturdays of a notice the library does not
    carry yet); the other years stay the library's."""
    notice = calendar_from(
        {
            "2031": {
                "off": [["2031-01-01", "2031-01-01"], ["2031-01-22", "2031-01-29"]],
                "work": ["2031-01-19", "2031-02-08"],
            }
        }
    )
    cal = overlay(CAL, notice)
    assert cal.knows(2031) and cal.knows(2026)
    assert cal.is_working_day(date(2031, 1, 19)) and cal.is_working_day(
        date(2031, 2, 8)
    )  # Sunday, Saturday
    assert not cal.is_working_day(date(2031, 1, 29))  # a Wednesday given off in exchange
    assert not cal.is_working_day(date(2026, 2, 20)) and cal.is_working_day(
        date(2026, 2, 14)
    )  # 2026: the library's
    assert due(date(2031, 1, 6), date(2031, 1, 6), N, cal).provisional == ()


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(date(2025, 10, 30), date(2025, 10, 30), CAL) == 0
    assert working_days_between(date(2025, 10, 30), date(2025, 10, 31), CAL) == 1
    assert working_days_between(date(2025, 10, 31), date(2025, 11, 3), CAL) == 1  # over a weekend
    assert working_days_between(date(2025, 11, 3), date(2025, 10, 30), CAL) == -2


@pytest.mark.parametrize(
    "deadline",
    [
        date(2025, 10, 29),
        date(2025, 10, 30),
        date(2025, 11, 1),
        date(2026, 3, 1),
        date(2026, 2, 20),
        date(2027, 6, 15),
    ],
)
def test_latest_start_is_the_last_acceptance_due_by_the_deadline(deadline):
    start = latest_start(deadline, N, CAL)
    assert add_working_days(start, N, CAL) <= deadline
    assert add_working_days(start + timedelta(days=1), N, CAL) > deadline


def test_due_flags_soon_and_past_due():
    accepted = date(2025, 9, 26)  # due 30 October 2025
    far = due(accepted, date(2025, 10, 24), N, CAL)
    assert (far.on, far.left, far.soon, far.overdue) == (date(2025, 10, 30), 4, False, False)
    soon = due(accepted, date(2025, 10, 27), N, CAL)
    assert (soon.left, soon.soon, soon.overdue) == (3, True, False)
    today = due(accepted, date(2025, 10, 30), N, CAL)
    assert (today.left, today.soon, today.overdue) == (0, True, False)
    late = due(accepted, date(2025, 11, 3), N, CAL)
    assert (late.left, late.soon, late.overdue) == (-2, False, True)


def test_calendar_data_is_checked():
    with pytest.raises(ValueError):
        calendar_from({"2025": {"off": [["2025-10-08", "2025-10-01"]], "work": []}})
    with pytest.raises(ValueError):
        calendar_from({"2025": {"off": [["2025-10-01", "2025-10-08"]], "work": ["2025-10-02"]}})
    assert WorkCalendar().is_working_day(date(2025, 10, 1))  # an empty calendar: Monday to Friday


def _counted_day_by_day(start: date, end: date, calendar: WorkCalendar) -> int:
    sign, (start, end) = (1, (start, end)) if start <= end else (-1, (end, start))
    return sign * sum(
        calendar.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )


@pytest.mark.parametrize(
    "calendar",
    [
        CAL,
        NOTICES,
        WorkCalendar(),
        # a day both off and worked (calendar_from refuses it; a calendar made by hand may have it)
        WorkCalendar(
            frozenset({date(2025, 3, 3), date(2025, 3, 8)}),
            frozenset({date(2025, 3, 8), date(2025, 3, 9)}),
        ),
    ],
)
def test_working_days_between_counts_as_the_calendar_says_day_by_day(calendar):
    """P6: the count is taken by whole weeks plus the calendar's exceptions, not day by day:
    it must agree with asking the calendar about each day, across holidays, make-up days,
    year ends and spans of several years, in both directions."""
    import random

    rng = random.Random(20250101)
    starts = [date(2023, 12, 25) + timedelta(days=i) for i in range(0, 1200, 11)]
    for start in starts:
        for span in (0, 1, 2, 6, 7, 8, 13, 20, 29, rng.randrange(30, 800)):
            end = start + timedelta(days=span)
            assert working_days_between(start, end, calendar) == _counted_day_by_day(
                start, end, calendar
            )
            assert working_days_between(end, start, calendar) == _counted_day_by_day(
                end, start, calendar
            )
