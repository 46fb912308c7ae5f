"""L4 (Practitioners' Law art. 17): the institution reports a cancellation ground within 30
days; a later report is accepted and flagged (portal/rules/cancellation.py says why)."""

from __future__ import annotations

from datetime import date

from portal.rules.cancellation import ground_date_problem, report_deadline, reported_late


def test_L4_thirty_days_to_report():
    assert report_deadline(date(2026, 1, 31)) == date(2026, 3, 2)
    assert not reported_late(date(2026, 3, 1), date(2026, 3, 31))  # the 30th day: in time
    assert reported_late(date(2026, 3, 1), date(2026, 4, 1))  # the 31st: late


def test_L4_the_day_of_the_ground_is_neither_future_nor_before_the_registration():
    today = date(2026, 3, 10)
    assert ground_date_problem(date(2026, 3, 11), today, date(2020, 1, 1)) == "future"
    assert ground_date_problem(date(2019, 12, 31), today, date(2020, 1, 1)) == "before_registration"
    assert ground_date_problem(today, today, date(2020, 1, 1)) is None
    assert ground_date_problem(date(2020, 1, 1), today, None) is None
