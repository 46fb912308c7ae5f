"""The roster (I5): the institution's registered doctors, i.e. its registrations in force
(approved, not a cancellation, valid-until not passed, R3), most recently registered first,
keyset paged (P5), searched by name, and exported as CSV. Each registration's valid-until day
is the one fixed at its approval by the rules it was submitted under (A6,
``Application.valid_until``).

The CSV is streamed a chunk at a time (keyset again, so 300,000 rows never sit in memory), in
UTF-8 with a BOM so Excel opens the Chinese correctly. ID numbers stay masked there too
(SEC5): the staff know their doctors by name and certificate number. A cell that a
spreadsheet would take for a formula is quoted (CSV injection)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask import Response, request, stream_with_context
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import tuple_
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.columns import local_today
from portal.extensions import db
from portal.htmx import render
from portal.inputs import db_id
from portal.institution import bp
from portal.institution.waiting import like_prefix, name_prefix
from portal.labels import category_label, level_label
from portal.rules.registration import LONGEST_VALID_YEARS, in_force_since
from portal.tenants.scope import current_tenant_id, tenant_context
from portal.workflow.models import Application, Kind, State

PAGE = 50
#: rows per statement while the CSV streams
CHUNK = 1000


_CURSOR = re.compile(r"([0-9]{8})-([0-9]{1,10})")


def parse_cursor(raw: str | None) -> tuple[date, int] | None:
    """``20250601-123``: the registration date and id the page ended on; None when malformed."""
    match = _CURSOR.fullmatch(raw or "")
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date(), db_id(match.group(2))
    except ValueError:
        return None


def _statement(
    institution_id: int, name: str, today: date, cursor: tuple[date, int] | None, limit: int
):
    # in force: valid-until not passed. No rule version is longer than LONGEST_VALID_YEARS, so
    # nothing registered before ``since`` is in force: the index on the registration date
    # (ix_application_roster) is read from the newest down to that day only
    since = in_force_since(today, LONGEST_VALID_YEARS)
    stmt = (
        db.select(Application)
        .join(User, User.id == Application.doctor_id)
        .where(
            Application.institution_id == institution_id,
            Application.state == State.APPROVED,
            Application.kind != Kind.CANCEL,
            Application.registered_on >= since,
            Application.valid_until >= today,
        )
        .options(contains_eager(Application.doctor))
        .order_by(Application.registered_on.desc(), Application.id.desc())
        .limit(limit)
    )
    if name:
        stmt = stmt.where(User.real_name.like(like_prefix(name), escape="\\"))
    if cursor:
        stmt = stmt.where(tuple_(Application.registered_on, Application.id) < tuple_(*cursor))
    return stmt


def _chunks(institution_id: int, name: str, today: date, size: int, cursor=None):
    """The roster from ``cursor`` on, one list of at most ``size`` rows per statement."""
    while True:
        rows = (
            db.session.execute(_statement(institution_id, name, today, cursor, size))
            .scalars()
            .all()
        )
        if rows:
            yield rows
        if len(rows) < size:
            return
        cursor = (rows[-1].registered_on, rows[-1].id)
        for app in rows:  # what was written out is not kept
            db.session.expunge(app)
            if app.doctor in db.session:
                db.session.expunge(app.doctor)


@bp.get("/roster")
def roster():
    name = name_prefix(request.args.get("q"))
    cursor = parse_cursor(request.args.get("before"))
    rows = (
        db.session.execute(
            _statement(current_user.institution_id, name, local_today(), cursor, PAGE + 1)
        )
        .scalars()
        .all()
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    next_cursor = f"{rows[-1].registered_on:%Y%m%d}-{rows[-1].id}" if more else None
    response = render(
        "institution/roster.html",
        "roster",
        rows=rows,
        q=name,
        next_cursor=next_cursor,
        paged=cursor is not None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_cell(value) -> str:
    """A cell as text; one a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/roster.csv")
def roster_csv():
    name = name_prefix(request.args.get("q"))
    today = local_today()
    institution_id, tenant_id = current_user.institution_id, current_tenant_id()
    header = [
        _("Name"),
        _("ID number (masked)"),
        _("Qualification level"),
        _("Category"),
        _("Practice scope"),
        _("Certificate number"),
        _("Registered on"),
        _("Valid until"),
    ]

    def lines():
        with tenant_context(tenant_id):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            yield "\ufeff" + buffer.getvalue()
            for rows in _chunks(institution_id, name, today, CHUNK):
                buffer.seek(0)
                buffer.truncate()
                for app in rows:
                    writer.writerow(
                        [
                            csv_cell(v)
                            for v in (
                                app.doctor.real_name,
                                app.doctor.masked_id_number,
                                level_label(app.level),
                                category_label(app.category),
                                app.scope_label,
                                app.certificate_no,
                                format_date(app.registered_on, "yyyy-MM-dd"),
                                format_date(app.valid_until, "yyyy-MM-dd"),
                            )
                        ]
                    )
                yield buffer.getvalue()

    filename = f"roster-{today:%Y%m%d}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
