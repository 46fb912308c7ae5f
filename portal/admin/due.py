"""L1/A4: when the officer's decision on an application is due. Acceptance is the day the
institution confirmed the application (``Application.confirmed_at``, a Beijing date; day 0);
the decision is due ``decision_working_days`` (20) working days later, counted with the
official holidays and make-up working days (portal/tenants/holidays.py: the ``holidays``
package, a province's override on top). The number of working days is a tenant setting
(R6, at most the 20 of the law), so each application counts those of the rules it was
submitted under (A6): the workflow stores the due date at acceptance
(``Application.decision_due``), and the queue, its filters and the application's page all
read that one date."""

from __future__ import annotations

from datetime import date

import click
from flask import g
from flask.cli import AppGroup
from sqlalchemy import ColumnElement, and_, true

from portal.extensions import db
from portal.rules.workdays import (
    Due,
    WorkCalendar,
    add_working_days,
    beijing_date,
    standing,
    unknown_years,
)
from portal.tenants.holidays import work_calendar
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.commission import recount_decision_dues
from portal.workflow.models import Application

#: "close to due": at most this many working days left
SOON = 3
#: the queue's filters
SHOW = ("all", "soon", "overdue")


def accepted_on(app: Application) -> date | None:
    return beijing_date(app.confirmed_at) if app.confirmed_at is not None else None


def calendar() -> WorkCalendar:
    """The working-day calendar of the request's province."""
    return work_calendar(g.tenant.slug)


def due_of(app: Application, today: date) -> Due | None:
    """The application's due date and where ``today`` stands; None before acceptance.
    Provisional (``Due.provisional``) when the count crosses a year whose holiday schedule
    is not published."""
    if app.decision_due is None:
        return None
    return standing(app.decision_due, today, calendar(), SOON, accepted_on(app))


def unpublished_years(today: date, working_days: int, latest_due: date | None) -> tuple[int, ...]:
    """For the administrator (L1): the years without a published holiday schedule that due
    dates reach, from today to the due date of an application accepted today or the latest
    due date of those waiting, whichever is later."""
    cal = calendar()
    last = add_working_days(today, working_days, cal)
    return unknown_years(today, max(last, latest_due or last), cal)


def show_criterion(show: str, today: date) -> ColumnElement[bool]:
    """The queue's filter as SQL on the stored due dates: past due (due before today), or due
    within ``SOON`` working days (today or later, by the ``SOON``-th working day after today)."""
    if show == "overdue":
        return Application.decision_due < today
    if show == "soon":
        last = add_working_days(today, SOON, calendar())
        return and_(Application.decision_due >= today, Application.decision_due <= last)
    return true()


due_cli = AppGroup("due", help="Decision due dates (L1).")


@due_cli.command("recount")
def recount_command() -> None:
    """Count again the due dates of the applications waiting for the commission, in every
    tenant, after config/holidays.toml gained or changed a year's schedule or the
    ``holidays`` package was upgraded (portal/tenants/holidays.py)."""
    for tenant in db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all():
        with tenant_context(tenant.id):
            click.echo(f"{tenant.slug}: {recount_decision_dues()} due date(s) moved")
