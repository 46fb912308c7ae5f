"""SEC8: audit rows cannot be changed or removed by the application's database role on
PostgreSQL (a trigger refuses UPDATE, DELETE and TRUNCATE, portal/workflow/audit_guard.py, made
by create_all and by migration 0013), and every state change of an application has its row."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import delete, event, inspect, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant, owner_connection
from tests.support.http import redirected_to, staff_login
from tests.support.journey import doctor_form, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
MATERIALS = [
    "approval_form_x2",
    "id_card_original_and_copy",
    "qualification_certificate_original_and_copy",
    "photos_2inch_x3",
    "contract_original_and_copy",
    "institution_licence_copy",
    "local_requirements",
]


@pytest.fixture
def postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip(
            "the append-only trigger is PostgreSQL's (SQLite relies on the code alone); "
            "set TEST_DATABASE_URL to a PostgreSQL database"
        )
    return app


@pytest.fixture
def audited(demo):
    """A Hubei doctor walked to confirmation: audit rows exist."""
    walk_doctor(
        demo,
        "hubei",
        LI,
        until="confirmed",
        staff=staff_login(demo, "hb-county-staff"),
        institution="远安",
    )
    with in_tenant(demo, "hubei"):
        assert db.session.execute(db.select(db.func.count(AuditLog.id))).scalar() > 0
    return demo


def _refused(app, statement) -> str:
    with in_tenant(app, "hubei"):
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    return str(caught.value)


def _audit_rows(app) -> list[tuple]:
    """Every audit row, as the tables' owner sees them (every tenant's)."""
    with app.app_context(), owner_connection(app) as conn:
        return [
            tuple(r)
            for r in conn.execute(AuditLog.__table__.select().order_by(AuditLog.__table__.c.id))
        ]


def test_update_of_an_audit_row_is_refused(postgresql, audited):
    before = _audit_rows(audited)
    assert "append-only" in _refused(audited, update(AuditLog).values(note="edited"))
    # through the ORM unit of work as well
    with in_tenant(audited, "hubei"):
        row = db.session.execute(db.select(AuditLog).limit(1)).scalar_one()
        row.note = "edited"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert _audit_rows(audited) == before


def test_delete_and_truncate_of_audit_rows_are_refused(postgresql, audited):
    before = _audit_rows(audited)
    assert "append-only" in _refused(audited, delete(AuditLog))
    with in_tenant(audited, "hubei"):
        row = db.session.execute(db.select(AuditLog).limit(1)).scalar_one()
        db.session.delete(row)
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    # the application's role has no TRUNCATE privilege (TRUNCATE ignores row-level security, SEC9);
    # the owner, which has, is stopped by the trigger
    assert "permission denied" in _refused(audited, text("TRUNCATE audit_log CASCADE"))
    with pytest.raises(DBAPIError, match="append-only"), owner_connection(audited) as conn:
        conn.execute(text("TRUNCATE audit_log CASCADE"))
    assert _audit_rows(audited) == before


def test_inserting_audit_rows_still_works(postgresql, audited):
    """The trigger stops edits, not the log: new rows keep coming (a further state change)."""
    count = len(_audit_rows(audited))
    officer = staff_login(audited, "hb-officer")
    with in_tenant(audited, "hubei"):
        app_id = db.session.execute(db.select(Application.id)).scalar_one()
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": MATERIALS})
    )
    assert len(_audit_rows(audited)) > count


def test_no_route_updates_or_deletes_the_audit_log():
    """The application only ever adds audit rows: no view or workflow function issues an
    UPDATE or DELETE on the audit log (its source never names one), and no route but GETs
    reaches the audit page (tests/admin/test_audit.py)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "portal"
    offending = []
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if re.search(
            r"(update|delete)\(\s*AuditLog\b|AuditLog\.__table__\.(update|delete)|"
            r"(UPDATE|DELETE FROM|TRUNCATE)\s+audit_log",
            source,
        ):
            offending.append(str(path.relative_to(root)))
    assert offending == []


@contextmanager
def state_changes():
    """Every change of an Application's state flushed meanwhile, as (id, before, after)."""
    seen: list[tuple[int, str | None, str]] = []

    def record(session, _context, _instances):
        for obj in list(session.new) + list(session.dirty):
            if not isinstance(obj, Application):
                continue
            history = inspect(obj).attrs.state.history
            if history.added:
                old = history.deleted[0] if history.deleted else None
                seen.append((obj, old, history.added[0]))

    event.listen(Session, "before_flush", record)
    try:
        yield seen
    finally:
        event.remove(Session, "before_flush", record)


def test_every_state_change_of_a_journey_is_in_the_audit_log(demo):
    """From draft to approval through HTTP: each state the application went through,
    as the database saw it flushed, has an audit row with that before and after."""
    with state_changes() as seen:
        walked = walk_doctor(
            demo,
            "hubei",
            LI,
            until="confirmed",
            staff=staff_login(demo, "hb-county-staff"),
            institution="远安",
        )
        officer = staff_login(demo, "hb-officer")
        officer.page(f"/hubei/admin/applications/{walked.app_id}")
        redirected_to(
            officer.post(
                f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": MATERIALS}
            )
        )
        changes = [
            (inspect(obj).identity[0], str(old) if old else None, str(new))
            for obj, old, new in seen
        ]

    with in_tenant(demo, "hubei"):
        rows = (
            db.session.execute(
                db.select(AuditLog).filter_by(entity="application").order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
        audited = [
            (r.entity_id, (r.before or {}).get("state"), (r.after or {}).get("state")) for r in rows
        ]
        states = {
            s
            for r in rows
            for s in ((r.before or {}).get("state"), (r.after or {}).get("state"))
            if s
        }
    # the walk went the whole way (the instrument is not blind)
    assert [new for _id, old, new in changes if old is not None][-3:] == [
        "submitted",
        "confirmed",
        "approved",
    ]
    transitions = [c for c in changes if c[1] is not None and c[1] != c[2]]
    assert transitions
    missing = [c for c in transitions if c not in audited]
    assert missing == [], f"state changes without an audit row: {missing}"
    assert {new for _id, _old, new in changes} <= states | {"draft"}
