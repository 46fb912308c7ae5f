"""Migration 0027 (issue 14): the ID numbers stored in clear before it are encrypted and
indexed, the clear column dropped; the app finds and reads them afterwards; downgrade puts them
back in clear. On SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import PracticeRecord, Qualification
from portal.tenants.scope import tenant_context
from tests.support.migrations import migration_app, sqlite_url, table_as_migrated

NOW = datetime(2026, 1, 5, 8, 0)
DOCTOR, RECORD = "420525199001011230", "42050619900101123X"

pytestmark = pytest.mark.usefixtures("keep_logging")


def _insert(conn, table: str, **values) -> int:
    return conn.execute(
        table_as_migrated(conn, table).insert().values(**values)
    ).inserted_primary_key[0]


def _raw(conn) -> str:
    return repr(
        [
            tuple(row)
            for table in ("user_account", "qualification", "practice_record")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        ]
    )


def _check(url: str) -> None:
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade(revision="0025")
            with db.engine.begin() as conn:
                tenant = _insert(conn, "tenant", slug="hubei", name="湖北省", created_at=NOW)
                _insert(
                    conn,
                    "user_account",
                    tenant_id=tenant,
                    username="a",
                    password_hash="x",
                    role="doctor",
                    real_name="测试",
                    id_number=DOCTOR,
                    created_at=NOW,
                )
                _insert(
                    conn,
                    "user_account",
                    tenant_id=tenant,
                    username="officer",
                    password_hash="x",
                    role="officer",
                    real_name="官员",
                    id_number=None,
                    created_at=NOW,
                )
                _insert(
                    conn,
                    "qualification",
                    tenant_id=tenant,
                    name="测试",
                    id_number=DOCTOR,
                    certificate_no="Q1",
                    level="practitioner",
                    category="clinical",
                    obtained_on=date(2015, 7, 1),
                )
                _insert(
                    conn,
                    "practice_record",
                    tenant_id=tenant,
                    name="记录",
                    id_number=RECORD,
                    certificate_no="P1",
                    institution_name="某医院",
                    scopes="内科专业",
                    registered_on=date(2010, 1, 1),
                )
            upgrade(revision="0027")
            with db.engine.connect() as conn:
                raw = _raw(conn)
                columns = {c["name"] for c in inspect(conn).get_columns("qualification")}
            assert DOCTOR not in raw and RECORD not in raw and "测试" in raw
            assert "id_number" not in columns
            with tenant_context(tenant):
                q = db.session.execute(
                    db.select(Qualification).where(Qualification.id_number == DOCTOR)
                ).scalar_one()
                record = db.session.execute(
                    db.select(PracticeRecord).filter_by(id_number=RECORD)
                ).scalar_one()
                doctor = db.session.execute(db.select(User).filter_by(username="a")).scalar_one()
                officer = db.session.execute(
                    db.select(User).filter_by(username="officer")
                ).scalar_one()
                assert (q.id_number, record.id_number, doctor.id_number) == (DOCTOR, RECORD, DOCTOR)
                assert doctor.masked_id_number == "420***********1230" and officer.id_number is None
            db.session.remove()
            downgrade(revision="0025")
            with db.engine.connect() as conn:
                back = dict(
                    conn.execute(text("SELECT username, id_number FROM user_account")).all()
                )
                assert back == {"a": DOCTOR, "officer": None}
                assert (
                    conn.execute(text("SELECT id_number FROM practice_record")).scalar() == RECORD
                )
            upgrade()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_0027_encrypts_the_id_numbers_sqlite(tmp_path):
    _check(sqlite_url(tmp_path))


def test_0027_encrypts_the_id_numbers_postgresql(postgres_url):
    _check(postgres_url)
