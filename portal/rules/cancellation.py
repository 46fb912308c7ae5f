"""Cancellation of a registration (注销注册, L4: Practitioners' Law of 2021, art. 17).

The institution where the doctor practises reports a ground within 30 days of it ("应当在
三十日内报告准予注册的卫生健康主管部门"). The 30 days are a duty of the institution, not a
time limit on the cancellation: art. 17 says the department "shall cancel" (应当注销) the
registration once a ground exists, whenever it learns of it, and can do so on its own motion.
Refusing a late report would keep a dead or struck-off doctor on the public register (L8), so
a late report is accepted and flagged for the officer, who may follow up the institution's
breach separately."""

from __future__ import annotations

from datetime import date, timedelta

#: L4: the days the institution has to report a ground
REPORT_DAYS = 30


def report_deadline(ground_on: date) -> date:
    """The last day an institution reports a ground that arose on ``ground_on`` in time."""
    return ground_on + timedelta(days=REPORT_DAYS)


def reported_late(ground_on: date, reported_on: date) -> bool:
    """L4: a report after the 30 days (still accepted, see the module's text)."""
    return reported_on > report_deadline(ground_on)


def ground_date_problem(ground_on: date, today: date, registered_on: date | None) -> str | None:
    """Why ``ground_on`` cannot be the day of a ground: "future" or "before_registration";
    None when it can."""
    if ground_on > today:
        return "future"
    if registered_on is not None and ground_on < registered_on:
        return "before_registration"
    return None
