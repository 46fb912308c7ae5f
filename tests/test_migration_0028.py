"""Migration 0028 (issue 14): two accounts of a tenant may hold one user name after it; the
downgrade refuses, naming the shared user name, while they do, and goes through once they no
longer do. On SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db
from tests.support.migrations import migration_app, sqlite_url, table_as_migrated

NOW = datetime(2026, 1, 5, 8, 0)

pytestmark = pytest.mark.usefixtures("keep_logging")


def _user(conn, tenant: int, username: str) -> int:
    return conn.execute(
        table_as_migrated(conn, "user_account")
        .insert()
        .values(
            tenant_id=tenant,
            username=username,
            password_hash="x",
            role="doctor",
            real_name="测试",
            created_at=NOW,
        )
    ).inserted_primary_key[0]


def _unique(app) -> list:
    with app.app_context():
        return inspect(db.engine).get_unique_constraints("user_account")


def _check(url: str, caplog) -> None:
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade(revision="0027")
            with db.engine.begin() as conn:
                tenant = conn.execute(
                    table_as_migrated(conn, "tenant")
                    .insert()
                    .values(slug="hubei", name="湖北省", created_at=NOW)
                ).inserted_primary_key[0]
                _user(conn, tenant, "zhangwei")
                with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                    _user(conn, tenant, "zhangwei")  # before 0028: one account per name
            upgrade(revision="0028")
        assert _unique(app) == []
        with app.app_context():
            with db.engine.begin() as conn:
                second = _user(conn, tenant, "zhangwei")
            with pytest.raises(SystemExit):  # flask-migrate logs the error, then exits
                downgrade(revision="0027")
            assert "'zhangwei' (2 accounts" in caplog.text
            assert "Rename all but one" in caplog.text
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM user_account WHERE id = :id"), {"id": second})
            downgrade(revision="0027")
        assert [c["column_names"] for c in _unique(app)] == [["tenant_id", "username"]]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_0028_lets_accounts_share_a_user_name_sqlite(tmp_path, caplog):
    _check(sqlite_url(tmp_path), caplog)


def test_0028_lets_accounts_share_a_user_name_postgresql(postgres_url, caplog):
    _check(postgres_url, caplog)
