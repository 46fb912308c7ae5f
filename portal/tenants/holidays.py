"""L1: the working-day calendar each province counts its decisions' due dates with.

The kept library is the ``holidays`` package: its China calendar holds the statutory holidays
(derived from the lunar calendar for any year) and, for each year whose State Council notice
(国务院办公厅关于 YYYY 年部分节假日安排的通知) it carries, the weekdays given off in exchange
(调休) and the make-up working days on a Saturday or Sunday (``weekend_workdays``). A year
counts as published when the library lists make-up working days for it: every notice since
2001 has some, and a year the library only derives (no notice yet) has none.

``config/holidays.toml`` is only an override on top (``portal.rules.workdays.overlay``): a
year given there replaces the library's for that year, for every province (a notice the
installed library does not carry yet), or under ``[provinces.<slug>.<year>]`` for one
province. After a change of the file or an upgrade of the library: ``flask due recount``.

Built here, outside ``portal.rules`` (which stays pure), once per process and province.
"""

from __future__ import annotations

import functools

import holidays

from config import holiday_schedules
from portal.extensions import db
from portal.rules.workdays import WorkCalendar, calendar_from, overlay
from portal.tenants.models import Tenant

#: the years the library's calendar is built for (a due date outside them is provisional anyway)
LIBRARY_YEARS = range(2001, 2051)


@functools.cache
def library_calendar() -> WorkCalendar:
    """China's public holidays and make-up working days from the ``holidays`` package."""
    china = holidays.China(years=LIBRARY_YEARS)  # public holidays, days off in exchange included
    work = frozenset(china.weekend_workdays)
    return WorkCalendar(frozenset(china.keys()), work, frozenset(d.year for d in work))


def _override(data: dict) -> WorkCalendar:
    return calendar_from({year: schedule for year, schedule in data.items() if str(year).isdigit()})


@functools.cache
def work_calendar(slug: str | None = None) -> WorkCalendar:
    """The calendar of the province ``slug``: the library, the file's years for every
    province on top, then the province's own years."""
    data = holiday_schedules()
    calendar = overlay(library_calendar(), _override(data))
    own = (data.get("provinces") or {}).get(slug) if slug else None
    return overlay(calendar, _override(own)) if own else calendar


def calendar_of(tenant_id: int) -> WorkCalendar:
    """The calendar of the province with this id (its row is usually in the session already)."""
    tenant = db.session.get(Tenant, tenant_id)
    return work_calendar(tenant.slug if tenant is not None else None)
