"""``/readyz``: can this app server do its work? The database answers, its schema is at the
migrations' head, the notification workers keep up (the oldest undelivered message is
younger than READY_OUTBOX_MAX_AGE), and on PostgreSQL the server's role is one that row-level
security applies to (SEC9). JSON, 503 when any check fails; nothing personal in it,
only states, revisions and numbers. (``/healthz``, in portal/public, says only that the
process runs and reaches the database.)"""

from __future__ import annotations

import functools
import os

from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.notify.figures import outbox_figures
from portal.tenants.rls import role_problems

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")


@functools.cache
def migration_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code (read once per process)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", os.path.abspath(MIGRATIONS))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def _database() -> dict:
    db.session.execute(text("SELECT 1"))
    return {"ok": True}


def _migrations() -> dict:
    with db.engine.connect() as conn:
        # Alembic's own table, read as `flask db current` does (without its log lines)
        if inspect(conn).has_table("alembic_version"):
            current = tuple(
                sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            )
        else:
            current = ()
    head = migration_heads()
    return {"ok": current == head, "current": list(current), "head": list(head)}


def _outbox() -> dict:
    backlog, age = outbox_figures()
    limit = current_app.config["READY_OUTBOX_MAX_AGE"]
    return {
        "ok": age <= limit,
        "backlog": backlog,
        "oldest_seconds": round(age),
        "max_seconds": limit,
    }


def _row_security() -> dict:
    """PostgreSQL: this server's role is subject to row-level security (SEC9): not a superuser,
    no BYPASSRLS, owns no table. SQLite has none: tenant isolation rests on the ORM filter."""
    if db.engine.dialect.name != "postgresql":
        return {"ok": True, "enforced": False}
    problems = role_problems(db.session)
    return {
        "ok": not problems,
        "enforced": not problems,
        **({"role": problems} if problems else {}),
    }


CHECKS = {
    "database": _database,
    "migrations": _migrations,
    "outbox": _outbox,
    "row_security": _row_security,
}


def readyz():
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # a failing check is an answer, not a 500
            db.session.rollback()
            checks[name] = {"ok": False, "error": type(exc).__name__}
            if name == "database":
                break  # nothing else can be checked without it
    ready = all(c["ok"] for c in checks.values()) and len(checks) == len(CHECKS)
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
