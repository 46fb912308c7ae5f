"""Fixtures: one app per test session on SQLite (or TEST_DATABASE_URL), tables emptied after
each test, demo data on request, and a client that fills in CSRF tokens as a browser would.

On PostgreSQL the tables are made (with their row-level security policies) and emptied by the
owner of TEST_DATABASE_URL, and the app connects as ``portal_test_app``, a role the policies
apply to (SEC9): the whole suite runs under row-level security."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pyotp
import pytest
from flask import current_app
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


#: the role the suite's app connects as on PostgreSQL (SEC9): it owns no table, is not a
#: superuser and has no BYPASSRLS, so row-level security applies to every test. TEST_DATABASE_URL
#: names the owner (``postgres``), which creates the tables and policies and empties them.
APP_ROLE = "portal_test_app"
_OWNER_ENGINES: dict = {}


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def app_role_url(owner_url: str) -> str:
    """The same database as ``owner_url``, as the application's role."""
    return make_url(owner_url).set(username=APP_ROLE, password=APP_ROLE).render_as_string(hide_password=False)


def prepare_app_role(owner_url: str) -> str:
    """Create the application's role when missing (roles are the server's, shared by its
    databases), grant it what docs/operations.md grants ``portal_app`` in this database (for
    tables there now and made later by this owner), and return its URL."""
    engine = create_engine(owner_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"""
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                        BEGIN
                            CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOBYPASSRLS;
                        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- a parallel run's
                        END;
                    END IF;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}'
                               AND (rolsuper OR rolbypassrls OR NOT rolcanlogin)) THEN
                        ALTER ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
                    END IF;
                END $$""")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
            conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                                 f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
            conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {APP_ROLE}")
    finally:
        engine.dispose()
    return app_role_url(owner_url)


def owner_engine(app):
    """An engine connected as the tables' owner (the app's MIGRATION_DATABASE_URL on
    PostgreSQL, a superuser in the suite): it sees every tenant's rows. SQLite: the app's."""
    url = app.config.get("MIGRATION_DATABASE_URL")
    if not url or not is_postgresql(url):
        with app.app_context():
            return db.engine
    if url not in _OWNER_ENGINES:
        _OWNER_ENGINES[url] = create_engine(url, pool_size=2)
    return _OWNER_ENGINES[url]


@contextmanager
def owner_connection(app=None):
    """A connection in a transaction (committed at the end) that reads and writes every
    tenant's rows, outside the application's role: for tests that check or arrange rows behind
    the application's back. (A superuser bypasses row-level security; an owner that is not one
    would not, hence ``all_tenants`` as well.)"""
    app = app or current_app._get_current_object()
    with owner_engine(app).begin() as conn:
        yield conn.execution_options(all_tenants=True)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "DEV_OUTBOX": True}
    if is_postgresql(url):
        settings.update(SQLALCHEMY_DATABASE_URI=prepare_app_role(url), MIGRATION_DATABASE_URL=url)
    app = create_app("testing", settings)
    with app.app_context():
        engine = owner_engine(app)
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)  # with the policies (portal/tenants/rls.py) and triggers
    yield app
    with app.app_context():
        db.metadata.drop_all(owner_engine(app))
        db.engine.dispose()
    for engine in _OWNER_ENGINES.values():
        engine.dispose()
    _OWNER_ENGINES.clear()


@pytest.fixture(autouse=True, scope="session")
def _quick_hashes():
    """argon2id with small costs for the suite's many sign-ups and log-ins; the hashes verify
    the same way (their parameters travel inside them). Production keeps the library defaults."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("portal.accounts.passwords._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


def empty_tables(app) -> None:
    """Delete every row of every table, as the owner (``owner_connection``): the application's
    role sees one tenant's rows at a time (SEC9). On PostgreSQL audit_log refuses DELETE (SEC8,
    portal/workflow/audit_guard.py): this transaction alone switches ordinary triggers off with
    ``SET LOCAL session_replication_role = replica``, which only a superuser may do (the owner
    URL of the suite is ``postgres``); the application never does."""
    with app.app_context():
        db.session.rollback()  # the app's own transaction ends first (its locks)
    with owner_connection(app) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture(autouse=True)
def _empty_tables(app):
    yield
    empty_tables(app)


@pytest.fixture
def demo(app):
    from portal.demo import load_demo

    with app.app_context():
        load_demo()
    return app


@contextmanager
def in_tenant(app, slug: str):
    """An app context with the tenant set, for reading the database in a test."""
    with app.app_context():
        tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one()
        with tenant_context(tenant.id):
            yield tenant


class Browser:
    """A test client that reads the CSRF token off the last page, as a browser form would."""

    def __init__(self, client, htmx: bool = False):
        self.client = client
        self.htmx = htmx
        self.token = None

    def _headers(self, extra=None):
        headers = {"HX-Request": "true"} if self.htmx else {}
        headers.update(extra or {})
        return headers

    def get(self, url, **kw):
        response = self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)
        self._remember(response)
        return response

    def page(self, url):
        """A full page (never a partial), as when typing the address."""
        response = self.client.get(url)
        self._remember(response)
        return response

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        if self.token is None:
            raise AssertionError("no CSRF token: open a page first")
        data.setdefault("csrf_token", self.token)
        response = self.client.post(url, data=data, headers=self._headers(kw.pop("headers", None)), **kw)
        self._remember(response)
        return response

    def _remember(self, response):
        match = CSRF.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)


@pytest.fixture(params=["plain", "htmx"])
def browser_mode(request):
    return request.param


def totp_now(secret: str, offset: int = 0) -> str:
    import time

    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset)
