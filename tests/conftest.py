"""Fixtures: one app per test session on SQLite (or TEST_DATABASE_URL), tables emptied after
each test that used it, demo data on request. Helpers live in tests/support/.

On PostgreSQL the tables are made (with their row-level security policies) and emptied by the
owner of TEST_DATABASE_URL, and the app connects as ``portal_test_app``, a role the policies
apply to (SEC9): the whole suite runs under row-level security (tests/support/db.py)."""

from __future__ import annotations

import logging.config
import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db, limiter
from tests.support.clock import NOON
from tests.support.db import (
    any_rows,
    copy_rows,
    dispose_owner_engines,
    empty_tables,
    is_postgresql,
    owner_engine,
    prepare_app_role,
    put_rows,
    suite_database_url,
    without_fsync,
)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = suite_database_url(tmp_path_factory.mktemp("db"))
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "DEV_OUTBOX": True,
        # the e-certificates' signing keys (V2): made on first use, per test session
        "CERT_SIGNING_KEYS": str(tmp_path_factory.mktemp("signing-keys")),
    }
    if is_postgresql(url):
        settings.update(SQLALCHEMY_DATABASE_URI=prepare_app_role(url), MIGRATION_DATABASE_URL=url)
    app = create_app("testing", settings)
    without_fsync(app)
    with app.app_context():
        engine = owner_engine(app)
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)  # with the policies (portal/tenants/rls.py) and triggers
    yield app
    with app.app_context():
        db.metadata.drop_all(owner_engine(app))
        db.engine.dispose()
    dispose_owner_engines()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The browser tests first (issue 15): the longest (a journey takes 10-50 s), so that at the
    end of a parallel run no worker waits alone on one of them. Within each part the order
    stays pytest-randomly's (the sort is stable and runs after its shuffle)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.fixture(autouse=True)
def _limiter_as_it_was():
    """The limiter is one object for the process (portal.extensions): a test that builds
    another app (a production one with Redis storage, in tests/ops/test_settings.py) points it
    at that app's storage and settings. Each test gets it back as it was, so a later test's
    limits are counted where its own clock can expire them (issue 14's name budget)."""
    kept = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(kept)


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """After each test that used the suite's app (directly or through another fixture), its
    tables are emptied. A test without it (the pure rules, the layout checks) builds no app."""
    yield
    if "app" in request.fixturenames:
        empty_tables(request.getfixturevalue("app"))


#: the demo data's rows, loaded once per process (issue 15: 500-odd tests ask for them)
_DEMO_ROWS: dict = {}


@pytest.fixture
def demo(app):
    """The demo data (devdata/demo.py) in the emptied tables. The first test of the process
    loads it; the others get a copy of the same rows, ids included, with their timestamps moved
    to the test's clock, as a fresh load would have made them (tests/support/db.put_rows). A
    test whose other fixtures wrote rows first gets the load itself, as before."""
    if app in _DEMO_ROWS and not any_rows(app, _DEMO_ROWS[app]["tables"]):
        put_rows(app, _DEMO_ROWS[app])
        return app
    from devdata.demo import load_demo

    with app.app_context():
        load_demo()
    _DEMO_ROWS[app] = copy_rows(app)
    return app


@pytest.fixture
def beijing_noon(time_machine):
    """The clock moved to noon in Beijing on a fixed working day (tests/support/clock.py) and
    running from there: "today" is known and no test straddles midnight. Ask for it before
    ``demo`` (or with ``usefixtures``) so the demo data is made on that day too; the test can
    travel on with the returned ``time_machine``."""
    time_machine.move_to(NOON, tick=True)
    return time_machine


@pytest.fixture(params=["plain", "htmx"])
def browser_mode(request):
    return request.param


@pytest.fixture
def keep_logging(monkeypatch):
    """For migration tests: migrations/env.py configures logging from alembic.ini, which would
    silence the loggers of every later test (``disable_existing_loggers``)."""
    monkeypatch.setattr(logging.config, "fileConfig", lambda *a, **k: None)


@pytest.fixture
def postgres_url():
    """A PostgreSQL database of its own on the server of TEST_DATABASE_URL, made empty and
    dropped afterwards (migration tests); skips on SQLite."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL database")
    import psycopg

    url = make_url(base)
    name = f"portal_migrations_test_{uuid.uuid4().hex[:8]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
