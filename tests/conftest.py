"""Fixtures: one app per test session on SQLite (or TEST_DATABASE_URL), tables emptied after
each test, demo data on request, and a client that fills in CSRF tokens as a browser would."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pyotp
import pytest
from sqlalchemy import delete, text

from portal import create_app
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "DEV_OUTBOX": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _quick_hashes():
    """argon2id with small costs for the suite's many sign-ups and log-ins; the hashes verify
    the same way (their parameters travel inside them). Production keeps the library defaults."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("portal.accounts.passwords._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


def empty_tables(app) -> None:
    """Delete every row of every table. On PostgreSQL audit_log refuses DELETE (SEC8,
    portal/workflow/audit_guard.py): this transaction alone switches ordinary triggers off with
    ``SET LOCAL session_replication_role = replica``, which only a superuser may do (the suite
    connects as ``postgres``); the application never does."""
    with app.app_context():
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()


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
