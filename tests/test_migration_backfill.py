"""Migration 0017 (A6, R3, L1): the registrations and accepted applications already in the
database get the valid-until day and the due date their own rule version gives them, as the
workflow sets them from then on; on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import insert, select

from portal.extensions import db
from portal.rules.workdays import add_working_days
from portal.tenants.holidays import work_calendar
from tests.support.migrations import migration_app, sqlite_url, table_as_migrated

SHORTER = {"registration": {"valid_years": 1, "decision_working_days": 10}}

pytestmark = pytest.mark.usefixtures("keep_logging")


def _before_0017(app) -> str:
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        return script.get_revision("0017").down_revision


def _rows(conn) -> dict[str, int]:
    """A tenant whose rules were shortened in version 2 (its rules now), and its applications."""

    def add(table: str, **values) -> int:
        return conn.execute(
            insert(table_as_migrated(conn, table)).values(**values)
        ).inserted_primary_key[0]

    tenant = add("tenant", slug="hubei", name="湖北省", rules=SHORTER, certificate_serial=0)
    v1 = add("rule_version", tenant_id=tenant, number=1, overrides={}, changes=[])
    v2 = add("rule_version", tenant_id=tenant, number=2, overrides=SHORTER, changes=[])
    county = add("region", tenant_id=tenant, code="420525", name="远安县", level="county")
    inst = add(
        "institution",
        tenant_id=tenant,
        name="远安县人民医院",
        licence_no="L1",
        level="county",
        county_id=county,
    )
    doctor = add(
        "user_account",
        tenant_id=tenant,
        username="li",
        password_hash="-",
        role="doctor",
        real_name="李明华",
        institution_id=inst,
    )

    def application(kind: str, state: str, version: int | None, **values) -> int:
        return add(
            "application",
            tenant_id=tenant,
            doctor_id=doctor,
            kind=kind,
            state=state,
            level="practitioner",
            category="clinical",
            institution_id=inst,
            scopes=["internal"],
            rule_version_id=version,
            **values,
        )

    first = application(
        "first",
        "superseded",
        v1,
        registered_on=date(2024, 2, 29),
        confirmed_at=datetime(2024, 2, 1, 2, 0),
    )
    return {
        "first": first,
        # submitted under the shorter rules, it changes a registration of the longer ones
        "change": application(
            "change",
            "approved",
            v2,
            previous_id=first,
            registered_on=date(2024, 2, 29),
            confirmed_at=datetime(2024, 3, 20, 2, 0),
        ),
        "shorter": application(
            "first",
            "approved",
            v2,
            registered_on=date(2025, 6, 3),
            confirmed_at=datetime(2025, 5, 6, 2, 0),
        ),
        # no version (a registration taken over from a practice record): the tenant's rules
        "taken_over": application("first", "approved", None, registered_on=date(2025, 6, 3)),
        "confirmed": application(
            "first", "confirmed", v1, confirmed_at=datetime(2025, 9, 26, 2, 0)
        ),
        "draft": application("first", "draft", None),
    }


def _check_backfill(url: str) -> None:
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade(revision=_before_0017(app))
            with db.engine.begin() as conn:
                ids = _rows(conn)
            upgrade()
            table = db.metadata.tables["application"]
            with db.engine.connect() as conn:
                got = {
                    row.id: (row.valid_until, row.decision_due)
                    for row in conn.execute(
                        select(table.c.id, table.c.valid_until, table.c.decision_due)
                    )
                }
    finally:
        with app.app_context():
            db.engine.dispose()
    cal = work_calendar()
    assert got[ids["first"]] == (date(2026, 2, 28), add_working_days(date(2024, 2, 1), 20, cal))
    assert got[ids["change"]] == (date(2026, 2, 28), add_working_days(date(2024, 3, 20), 10, cal))
    assert got[ids["shorter"]] == (date(2026, 6, 3), add_working_days(date(2025, 5, 6), 10, cal))
    assert got[ids["taken_over"]] == (date(2026, 6, 3), None)
    assert got[ids["confirmed"]] == (
        None,
        date(2025, 10, 30),
    )  # 20 working days across National Day
    assert got[ids["draft"]] == (None, None)


def test_0017_backfills_each_application_by_its_rule_version_on_sqlite(tmp_path):
    _check_backfill(sqlite_url(tmp_path))


def test_0017_backfills_each_application_by_its_rule_version_on_postgresql(postgres_url):  # noqa: F811
    _check_backfill(postgres_url)
