"""L1/A4: when the officer's decision on an application is due. Acceptance is the day the
institution confirmed the application (``Application.confirmed_at``, a Beijing date; day 0);
the decision is due ``decision_working_days`` (20) working days later, counted with the
official holidays (portal/rules/workdays.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, true

from portal.rules.workdays import Due, add_working_days, due, latest_start, official_calendar
from portal.workflow.models import Application

BEIJING = ZoneInfo("Asia/Shanghai")
#: "close to due": at most this many working days left
SOON = 3
#: the queue's filters
SHOW = ("all", "soon", "overdue")


def accepted_on(app: Application) -> date | None:
    if app.confirmed_at is None:
        return None
    return app.confirmed_at.replace(tzinfo=UTC).astimezone(BEIJING).date()


def _start_of(day: date) -> datetime:
    """Beijing midnight of ``day`` as the naive UTC the database stores."""
    return datetime.combine(day, time(), tzinfo=BEIJING).astimezone(UTC).replace(tzinfo=None)


def due_of(app: Application, today: date, rules: dict) -> Due | None:
    accepted = accepted_on(app)
    if accepted is None:
        return None
    return due(accepted, today, rules["registration"]["decision_working_days"], official_calendar(), SOON)


def show_criterion(show: str, today: date, rules: dict) -> ColumnElement[bool]:
    """The queue's filter as SQL on ``confirmed_at``: past due (accepted on or before the last
    day whose due date is before today), or due within ``SOON`` working days."""
    n, cal = rules["registration"]["decision_working_days"], official_calendar()
    # accepted before this instant: due before today
    overdue_before = _start_of(latest_start(today - timedelta(days=1), n, cal) + timedelta(days=1))
    if show == "overdue":
        return Application.confirmed_at < overdue_before
    if show == "soon":
        soon_before = _start_of(latest_start(add_working_days(today, SOON, cal), n, cal) + timedelta(days=1))
        return and_(Application.confirmed_at >= overdue_before, Application.confirmed_at < soon_before)
    return true()
