"""Migrations (issue 2, "Tests and CI"): ``flask db upgrade`` from an empty database works on
SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL; the migrated schema matches the
models (no autogenerate drift); ``downgrade`` to base leaves nothing behind.

PostgreSQL gets a database of its own, created and dropped here, so the ``test`` database
the rest of the suite uses is never touched."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from tests.support.migrations import migration_app, sqlite_url

pytestmark = pytest.mark.usefixtures("keep_logging")


def _drift(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _check_upgrade_and_downgrade(url: str) -> None:
    app = migration_app(url)
    try:
        assert _tables(app) == set(), "the database must start empty"
        with app.app_context():
            upgrade()
        assert set(db.metadata.tables) <= _tables(app)
        assert _drift(app) == [], "the models differ from the migrations: run `flask db migrate`"
        with app.app_context():
            upgrade()  # at head already: nothing to do, no error
            downgrade(revision="base")
        assert _tables(app) <= {"alembic_version"}
        with app.app_context():
            upgrade()  # and up again from base
        assert _drift(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


def test_upgrade_from_empty_sqlite(tmp_path):
    _check_upgrade_and_downgrade(sqlite_url(tmp_path))


def test_upgrade_from_empty_postgresql(postgres_url):
    _check_upgrade_and_downgrade(postgres_url)


def test_drift_check_sees_a_model_change(tmp_path):
    """The comparison is not vacuous: a column the migrations lack is reported."""
    from sqlalchemy import Column, MetaData, String

    app = migration_app(sqlite_url(tmp_path))
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["tenant"].append_column(Column("motto", String(20), nullable=True))
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                drift = compare_metadata(MigrationContext.configure(conn), changed)
    finally:
        with app.app_context():
            db.engine.dispose()
    assert [(d[0], d[2], d[3].name) for d in drift] == [("add_column", "tenant", "motto")]


def test_migrations_make_the_audit_log_append_only_on_postgresql(postgres_url):
    """SEC8: 0013 adds the triggers create_all gets from portal/workflow/audit_guard.py; a
    DELETE is refused after ``upgrade``; ``downgrade`` to 0012 removes them."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    def triggers(app) -> set[str]:
        with app.app_context(), db.engine.connect() as conn:
            return set(
                conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                        "AND NOT tgisinternal"
                    )
                ).scalars()
            )

    app = migration_app(postgres_url)
    try:
        with app.app_context():
            upgrade()
        assert triggers(app) == {"audit_log_no_update_delete", "audit_log_no_truncate"}
        with (
            app.app_context(),
            db.engine.connect() as conn,
            pytest.raises(DBAPIError, match="append-only"),
        ):
            conn.execute(text("TRUNCATE audit_log"))
        with app.app_context():
            downgrade(revision="0012")
        assert triggers(app) == set()
    finally:
        with app.app_context():
            db.engine.dispose()


def _policies(conn) -> dict[str, tuple]:
    from sqlalchemy import text

    return {
        t: (cmd, qual, check, force)
        for t, cmd, qual, check, force in conn.execute(
            text(
                "SELECT p.tablename, p.cmd, p.qual, p.with_check, c.relforcerowsecurity FROM pg_policies p "
                "JOIN pg_class c ON c.relname = p.tablename AND c.relnamespace = current_schema()::regnamespace "
                "WHERE p.schemaname = current_schema() AND p.policyname = 'tenant_isolation'"
            )
        )
    }


def test_migrations_give_row_level_security_and_the_app_role_works_under_it(app, postgres_url):
    """SEC9: the owner (MIGRATION_DATABASE_URL) runs ``flask db upgrade``; 0015 gives every
    tenant table the forced policy create_all gives it (portal/tenants/rls.py); the app,
    connected as a role that owns nothing, loads the demo data and reads one tenant at a time;
    ``downgrade`` to 0014 removes the policies."""
    from sqlalchemy import create_engine, text

    from devdata.demo import load_demo
    from portal.tenants.rls import tenant_tables
    from portal.tenants.scope import tenant_context
    from tests.support.db import owner_connection, prepare_app_role

    migrated = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": prepare_app_role(postgres_url),
            "MIGRATION_DATABASE_URL": postgres_url,
        },
    )
    owner = create_engine(postgres_url)
    try:
        with migrated.app_context():
            upgrade()
        with owner.connect() as conn:
            policies = _policies(conn)
        with owner_connection(app) as conn:  # the suite's database, made by create_all
            assert policies == _policies(conn)
        assert set(policies) == set(tenant_tables()) and all(p[3] for p in policies.values())
        with migrated.app_context():
            load_demo()  # as the application's role, under row-level security
            db.session.commit()
            hubei = db.session.execute(text("SELECT id FROM tenant WHERE slug = 'hubei'")).scalar()
            assert (
                db.session.execute(text("SELECT count(*) FROM region")).scalar() == 0
            )  # no tenant set
            with tenant_context(hubei):
                assert db.session.execute(
                    text("SELECT DISTINCT tenant_id FROM region")
                ).scalars().all() == [hubei]
        ready = migrated.test_client().get("/readyz").get_json()["checks"]
        assert ready["migrations"]["ok"] and ready["row_security"] == {"ok": True, "enforced": True}
        with migrated.app_context():
            db.session.remove()
            db.engine.dispose()  # the owner alters the tables next
            downgrade(revision="0014")
        with owner.connect() as conn:
            assert _policies(conn) == {}
            assert (
                conn.execute(text("SELECT count(*) FROM pg_class WHERE relrowsecurity")).scalar()
                == 0
            )
    finally:
        owner.dispose()
        with migrated.app_context():
            db.engine.dispose()
