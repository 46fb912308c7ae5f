"""A8: the audit log, searched by actor, record, kind and date range, newest first, with the
values before and after each change. Read only: there is no route that writes to the audit
log (SEC8); rows are only ever inserted, by ``portal.workflow.audit``. ID numbers in the
recorded values are shown masked (SEC5). It is the province's (A1): its officers and
administrator search it; an officer of a city or a county is answered 403 and not offered it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from flask import request
from flask_babel import gettext as _
from sqlalchemy import tuple_

from portal.accounts.models import User
from portal.admin import bp
from portal.admin.coverage import province_only
from portal.admin.reports import beijing_midnight, parse_date
from portal.extensions import db
from portal.htmx import render
from portal.inputs import db_id
from portal.workflow.models import AuditLog

PAGE = 50

#: the kinds of records and of changes the workflow writes (suggestions; any text is searched)
ENTITIES = (
    "application",
    "user",
    "institution",
    "identity_case",
    "qualification",
    "modification",
    "site_filing",
    "tenant",
    "region",
    "signing_key",
    "api_key",
)
ACTIONS = (
    "submit",
    "confirm",
    "reject",
    "approve",
    "superseded",
    "cancelled",
    "cancellation_reported",
    "report_cancellation",
    "cancel_own_motion",
    "dismiss",
    "expire",
    "modify",
    "sign_up",
    "verify_phone",
    "verify_email",
    "name_institution",
    "activate",
    "send_activation_code",
    "auto_activation",
    "link",
    "close",
    "link_qualification",
    "request",
    "file",
    "withdraw",
    "rules",
    # officer accounts and the offices for paper materials (A1, D16; issue 12)
    "create_officer",
    "resend_credentials",
    "reset_credentials",
    "disable",
    "enable",
    "set_office",
    # retention (issue 14): counts and ids only
    "erase_unconfirmed",
    "purge_expired_drafts",
    # the e-certificate's signing key (V2), by `flask certificates rotate-key`
    "rotate_signing_key",
    # the verification interface (V3) and the bulk check (V4, a count only)
    "issue",
    "revoke",
    "bulk_check",
)

#: an 18-character resident ID number inside any text (17 digits and a digit or X)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9]{3})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def mask(value):
    """``value`` with every ID-number-looking string masked as elsewhere (3 + 11 * + 4)."""
    if isinstance(value, str):
        return ID_NUMBER.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), value)
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


def show(value) -> str:
    """A recorded value as text (Chinese kept readable)."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def changed_values(row: AuditLog) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field the row recorded, masked."""
    before, after = mask(row.before or {}), mask(row.after or {})
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("", before, after)]
    return [(k, before.get(k), after.get(k)) for k in dict.fromkeys([*before, *after])]


def _filters(args) -> tuple[dict, dict, list]:
    typed = {
        k: args.get(k, "").strip()[:40]
        for k in ("actor", "entity", "entity_id", "action", "from", "to")
    }
    errors: dict[str, str] = {}
    where = []
    if typed["actor"]:
        # issue 14: several doctors may hold one user name: the rows of each of them
        actor_ids = list(
            db.session.execute(db.select(User.id).filter_by(username=typed["actor"])).scalars()
        )
        if not actor_ids:
            errors["actor"] = _("No user of this province has this user name.")
        where.append(AuditLog.actor_id.in_(actor_ids))
    if typed["entity"]:
        where.append(AuditLog.entity == typed["entity"])
    if typed["entity_id"]:
        try:
            where.append(AuditLog.entity_id == db_id(typed["entity_id"]))
        except ValueError:
            errors["entity_id"] = _("Enter the number of the record (digits only).")
    if typed["action"]:
        where.append(AuditLog.action == typed["action"])
    start = parse_date(typed["from"]) if typed["from"] else None
    end = parse_date(typed["to"]) if typed["to"] else None
    if typed["from"] and start is None:
        errors["from"] = _("Enter a date as YYYY-MM-DD.")
    if typed["to"] and end is None:
        errors["to"] = _("Enter a date as YYYY-MM-DD.")
    if start and end and start > end:
        errors["to"] = _("The end date must not be before the start date.")
    if start:
        where.append(AuditLog.at >= beijing_midnight(start))
    if end:
        where.append(AuditLog.at < beijing_midnight(end + timedelta(days=1)))
    return typed, errors, where


def _newest_in_range(stmt, before: int | None):
    """A search over a date range, newest first by time (then id), read from the index on
    (tenant, time, id): the range is found at once, whatever the log holds after it (issue 16;
    by id, the database read the log backwards from today to the range). The page's cursor is
    still the id of the last row shown."""
    stmt = stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if before:
        at = db.session.execute(db.select(AuditLog.at).where(AuditLog.id == before)).scalar()
        if at is not None:
            stmt = stmt.where(tuple_(AuditLog.at, AuditLog.id) < tuple_(at, before))
    return stmt


@bp.get("/audit")
@province_only
def audit():
    typed, errors, where = _filters(request.args)
    rows, next_before = [], None
    if not errors:
        before = request.args.get("before", type=db_id)
        stmt = (
            db.select(AuditLog, User.username)
            .outerjoin(User, AuditLog.actor_id == User.id)
            .where(*where)
            .limit(PAGE + 1)
        )
        if typed["from"] or typed["to"]:
            stmt = _newest_in_range(stmt, before)
        else:
            stmt = stmt.order_by(AuditLog.id.desc())
            if before:
                stmt = stmt.where(AuditLog.id < before)
        rows = db.session.execute(stmt).all()
        next_before = rows[PAGE - 1][0].id if len(rows) > PAGE else None
        rows = rows[:PAGE]
    query = {k: v for k, v in typed.items() if v}
    return render(
        "admin/audit.html",
        "results_block",
        status=422 if errors else 200,
        rows=rows,
        typed=typed,
        errors=errors,
        next_before=next_before,
        query=query,
        changed_values=changed_values,
        mask=mask,
        show=show,
        entities=ENTITIES,
        actions=ACTIONS,
    )
