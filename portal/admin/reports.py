"""A7: reports for officers and administrators: applications by status, institution and
county, and processing times per stage (median, 90th percentile), over a date range of
submission; every table also as CSV.

Each table is one function over the tenant's applications (the ORM filter limits them to
the tenant) that the viewer covers (A1, ``coverage.covered``): an officer of a county counts
their county's, of a city the city's, the province's officers and administrator all. The page
and the CSV file's name say which region the figures cover.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import abort, g, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Integer, and_, case, cast, func
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.admin import bp, coverage
from portal.admin.percentiles import seconds_between, summary
from portal.columns import local_today
from portal.extensions import db
from portal.htmx import render
from portal.registry.institutions import Institution
from portal.tenants.models import Region
from portal.workflow.models import Application, AuditLog, State

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


@dataclass
class Range:
    start: date
    end: date  # inclusive

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as naive UTC instants (as stored): Beijing midnights."""
        return beijing_midnight(self.start), beijing_midnight(self.end + timedelta(days=1))


def beijing_midnight(d: date) -> datetime:
    """The start of a Beijing day as a naive UTC instant (as the database stores times)."""
    return datetime.combine(d, time(), CHINA).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def parse_date(text: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def read_range(args) -> tuple[Range, dict[str, str], dict[str, str]]:
    """The date range asked for (default: the last 90 days), the texts typed and the
    problems by field."""
    today = local_today()
    typed = {"from": args.get("from", "")[:20], "to": args.get("to", "")[:20]}
    errors = {}
    start = parse_date(typed["from"]) if typed["from"] else today - timedelta(days=DEFAULT_DAYS - 1)
    end = parse_date(typed["to"]) if typed["to"] else today
    if start is None:
        errors["from"] = _("Enter a date as YYYY-MM-DD.")
    if end is None:
        errors["to"] = _("Enter a date as YYYY-MM-DD.")
    if start and end and start > end:
        errors["to"] = _("The end date must not be before the start date.")
    elif start and end and (end - start).days >= MAX_DAYS:
        errors["to"] = _("Choose a range of at most three years.")
    if errors:
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    typed = {"from": typed["from"] or start.isoformat(), "to": typed["to"] or end.isoformat()}
    return Range(start, end), typed, errors


def _counted(r: Range, viewer: User):
    """The applications a table counts: submitted in the range, in the viewer's region."""
    lo, hi = r.bounds()
    return and_(
        Application.submitted_at >= lo, Application.submitted_at < hi, coverage.covered(viewer)
    )


APPROVED = case((Application.state == State.APPROVED, 1), else_=0)


# ---- the tables: one function each -------------------------------------------------------


def by_status(r: Range, viewer: User) -> list[tuple]:
    rows = db.session.execute(
        db.select(Application.state, func.count())
        .where(_counted(r, viewer))
        .group_by(Application.state)
        .order_by(Application.state)
    ).all()
    return [(state, n) for state, n in rows]


def _per_institution(r: Range, viewer: User):
    """A common table expression: (institution id, applications, approved) over the counted
    applications. Counted first and joined after (issue 16): the join of every application to
    its institution made the planner run one index scan per institution."""
    return (
        db.select(
            Application.institution_id.label("institution_id"),
            func.count().label("n"),
            func.sum(APPROVED).label("approved"),
        )
        .where(_counted(r, viewer))
        .group_by(Application.institution_id)
        .cte("per_institution")
        # counted once: the planner, misled by the row-level-security policy's estimate of one
        # region, otherwise counted the applications again for every region (PostgreSQL)
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def by_institution(r: Range, viewer: User, limit: int | None = None) -> list[tuple]:
    """(institution, county, applications, approved), the most applications first; the first
    ``limit`` rows only when given."""
    county = aliased(Region)
    counts = _per_institution(r, viewer)
    return [
        tuple(row)
        for row in db.session.execute(
            db.select(Institution.name, county.name, counts.c.n, counts.c.approved)
            .select_from(counts)
            .join(Institution, counts.c.institution_id == Institution.id)
            .join(county, Institution.county_id == county.id)
            .order_by(counts.c.n.desc(), Institution.name, Institution.id)
            .limit(limit)
        ).all()
    ]


def by_county(r: Range, viewer: User) -> list[tuple]:
    """(city, county, code, applications, approved) per region, in code order. The institutions
    filed under a city itself (A1) make a row of their own, under the city's name and code,
    before the city's counties; its county is None."""
    county, city = aliased(Region), aliased(Region)
    counts = _per_institution(r, viewer)
    rows = db.session.execute(
        db.select(
            city.name,
            county.name,
            county.level,
            county.code,
            cast(func.sum(counts.c.n), Integer),
            cast(func.sum(counts.c.approved), Integer),
        )
        .select_from(counts)
        .join(Institution, counts.c.institution_id == Institution.id)
        .join(county, Institution.county_id == county.id)
        .outerjoin(city, county.parent_id == city.id)
        .group_by(county.id, county.code, county.name, county.level, city.name)
        .order_by(county.code)
    ).all()
    return [
        (name, None, code, n, k) if level == "city" else (city_name, name, code, n, k)
        for city_name, name, level, code, n, k in rows
    ]


def processing_times(r: Range, viewer: User) -> list[tuple]:
    """Submitted → confirmed by the institution, confirmed → approved by the commission, over
    the applications submitted in the range that reached the stage's end: how many, the median
    and the 90th percentile in days, computed by the database (issue 16: no row comes into
    Python). The approval time is the audit row of the approval (``decided_at`` moves when a
    registration is later superseded)."""
    approved = aliased(AuditLog)
    counted = _counted(r, viewer)
    confirm = (
        db.select(seconds_between(Application.confirmed_at, Application.submitted_at).label("d"))
        .where(counted, Application.confirmed_at.is_not(None))
        .where(Application.confirmed_at >= Application.submitted_at)
    )
    approve = (
        db.select(seconds_between(approved.at, Application.confirmed_at).label("d"))
        .select_from(Application)
        .join(
            approved,
            and_(
                approved.entity == "application",
                approved.entity_id == Application.id,
                approved.action == "approve",
            ),
        )
        .where(counted, Application.confirmed_at.is_not(None))
        .where(approved.at >= Application.confirmed_at)
    )
    return [("confirm", *summary(confirm)), ("approve", *summary(approve))]


# ---- the page and the CSV files ------------------------------------------------------------

STAGES = {
    "confirm": _l("Submitted → confirmed by the institution"),
    "approve": _l("Confirmed → approved by the commission"),
}


def _state_label(state) -> str:
    return {
        "submitted": _("Waiting for the institution"),
        "rejected": _("Returned by the institution"),
        "confirmed": _("Waiting for the commission"),
        "approved": _("Approved"),
        "superseded": _("Replaced by a change"),
        "cancelled": _("Cancelled"),
        "expired": _("Expired"),
        "draft": _("Draft"),
    }.get(getattr(state, "value", state), str(state))


def _status_table(r: Range, viewer: User) -> tuple[list[str], list[tuple]]:
    return (
        [_("Status"), _("Applications")],
        [(_state_label(s), n) for s, n in by_status(r, viewer)],
    )


def _institution_table(
    r: Range, viewer: User, limit: int | None = None
) -> tuple[list[str], list[tuple]]:
    return (
        [_("Institution"), _("County or city"), _("Applications"), _("Approved")],
        [(a, b, n, int(k or 0)) for a, b, n, k in by_institution(r, viewer, limit)],
    )


def _county_table(r: Range, viewer: User) -> tuple[list[str], list[tuple]]:
    return (
        [_("City"), _("County"), _("Code"), _("Applications"), _("Approved")],
        [
            (a or "", _("(the city itself)") if b is None else b, c, n, int(k or 0))
            for a, b, c, n, k in by_county(r, viewer)
        ],
    )


def _times_table(r: Range, viewer: User) -> tuple[list[str], list[tuple]]:
    return (
        [_("Stage"), _("Applications"), _("Median (days)"), _("90th percentile (days)")],
        [
            (str(STAGES[s]), n, "" if m is None else m, "" if p is None else p)
            for s, n, m, p in processing_times(r, viewer)
        ],
    )


#: each table: its column headings and rows of plain values. A CSV file computes its own
#: table only (issue 16); the page all of them.
TABLES = {
    "status": _status_table,
    "institution": _institution_table,
    "county": _county_table,
    "times": _times_table,
}


#: the page lists the institutions with the most applications only (a province has a thousand:
#: the page would weigh 7 KB compressed, issue 16); the CSV file has every one
SHOWN_INSTITUTIONS = 20


def _tables(r: Range, viewer: User) -> tuple[dict[str, tuple[list[str], list[tuple]]], bool]:
    """Every table of the page, and whether institutions were left off its table."""
    tables = {
        name: _institution_table(r, viewer, SHOWN_INSTITUTIONS + 1)
        if name == "institution"
        else table(r, viewer)
        for name, table in TABLES.items()
    }
    headings, rows = tables["institution"]
    tables["institution"] = (headings, rows[:SHOWN_INSTITUTIONS])
    return tables, len(rows) > SHOWN_INSTITUTIONS


TITLES = {
    "status": _l("Applications by status"),
    "institution": _l("Applications by institution"),
    "county": _l("Applications by county"),
    "times": _l("Processing times"),
}


@bp.get("/reports")
def reports():
    r, typed, errors = read_range(request.args)
    tables, cut = _tables(r, current_user) if not errors else ({}, False)
    return render(
        "admin/reports.html",
        "report_block",
        status=422 if errors else 200,
        tables=tables,
        institutions_cut=cut,
        shown_institutions=SHOWN_INSTITUTIONS,
        titles=TITLES,
        typed=typed,
        errors=errors,
        range=r,
        csv_url=csv_url,
        region=coverage.region_name(current_user),
    )


#: a cell a spreadsheet would read as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@bp.get("/reports.csv")
def reports_csv():
    table = request.args.get("table", "")
    if table not in TITLES:
        abort(404)
    r, _typed, errors = read_range(request.args)
    if errors:
        abort(400)
    headings, rows = TABLES[table](r, current_user)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headings])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = make_response(out.getvalue().encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = csv_disposition(table, r)
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_disposition(table: str, r: Range) -> str:
    """The file is named after the table, the region it covers and the range: the region's code
    (the province's: the tenant's slug) in plain ASCII, and its Chinese name for the browsers
    that read RFC 6266's ``filename*``."""
    dates = f"{r.start.isoformat()}-{r.end.isoformat()}"
    region = current_user.region
    code = region.code if region is not None else g.tenant.slug
    name = quote(f"{table}-{coverage.region_name(current_user)}-{dates}.csv")
    return f"attachment; filename=\"{table}-{code}-{dates}.csv\"; filename*=UTF-8''{name}"


def csv_url(table: str, typed: dict) -> str:
    return url_for("admin.reports_csv", table=table, **typed)
